/** Typed hints put into words for the way a run was configured: config file, sync.sh flags, or not yet known. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { adviceFor, adviseMessage, credentialsSource, runWording } from '../../src/commands/error-advice.js';
import type { Config, MirrorConfig } from '../../src/config/types.js';
import { RegsyncError } from '../../src/util/errors.js';
import type { ErrorHint } from '../../src/util/errors.js';

const SRC = 'src.example:5000';
const DST = 'dst.example:5001';
const mirror = { destination: { scheme: 'registry', host: DST, prefix: '' } } as MirrorConfig;
const config = (file: string | null): Config => ({ version: 1, file, registries: {}, mirrors: [mirror] });
const file = runWording(config('/work/team/regsync.yaml'));
const flags = runWording(config(null));
const unknown = runWording(null);

test('credentials: the config key in the named file, or the flag of the host’s side; always docker and podman login', () => {
  const hint = (host: string): ErrorHint => ({ kind: 'credentials', host });
  assert.equal(
    adviceFor(hint(SRC), file),
    `add credentials under registries."${SRC}" in regsync.yaml or run docker login ${SRC} or podman login ${SRC}`,
  );
  assert.equal(
    adviceFor(hint(SRC), flags),
    `pass --src-auth USER:PASSWORD (or set SYNC_SRC_AUTH) or run docker login ${SRC} or podman login ${SRC}`,
  );
  assert.equal(
    adviceFor(hint(DST), flags),
    `pass --dst-auth USER:PASSWORD (or set SYNC_DST_AUTH) or run docker login ${DST} or podman login ${DST}`,
  );
  assert.equal(
    adviceFor(hint(SRC), unknown),
    `add credentials under registries."${SRC}" in the regsync config or run docker login ${SRC} or podman login ${SRC}`,
  );
  assert.equal(credentialsSource(file, SRC), `registries."${SRC}" in regsync.yaml`);
  assert.equal(credentialsSource(flags, DST), '--dst-auth / SYNC_DST_AUTH');
});

test('TLS and catalog hints: config settings for a file; for flags, the way to them (and NODE_EXTRA_CA_CERTS for a CA)', () => {
  const table: Array<[ErrorHint['kind'], string, string]> = [
    [
      'tls-untrusted',
      `set registries."${SRC}".caFile or tls: insecure`,
      `add its CA to NODE_EXTRA_CA_CERTS, or set registries."${SRC}".caFile or tls: insecure in a config file (regsync config with the same arguments prints one to start from)`,
    ],
    [
      'tls-unsupported',
      `set registries."${SRC}".tls: disabled`,
      `set registries."${SRC}".tls: disabled in a config file (regsync config with the same arguments prints one to start from)`,
    ],
    [
      'https-required',
      `set registries."${SRC}".tls: enabled (with caFile) or insecure`,
      `set registries."${SRC}".tls: enabled (with caFile) or insecure in a config file (regsync config with the same arguments prints one to start from)`,
    ],
    [
      'catalog',
      'if this registry does not list its catalog to you, name the repositories under repositories.names',
      'if this registry does not list its catalog to you, name the repositories under repositories.names in a config file (regsync config with the same arguments prints one to start from)',
    ],
    ['ca-file', `fix registries."${SRC}".caFile`, `fix registries."${SRC}".caFile`],
  ];
  for (const [kind, inFile, withFlags] of table) {
    assert.equal(adviceFor({ kind, host: SRC }, file), inFile, kind);
    assert.equal(adviceFor({ kind, host: SRC }, flags), withFlags, kind);
  }
});

test('the message gets every hint of the error and its causes, innermost first, each once', () => {
  const registryError = new RegsyncError(`authentication required for ${SRC}`, {
    code: 'AUTH_REQUIRED',
    hint: { kind: 'credentials', host: SRC },
  });
  const read = new RegsyncError(`mirror m: cannot list the catalog of ${SRC}: ${registryError.message}`, {
    code: 'AUTH_REQUIRED',
    cause: registryError,
    hint: { kind: 'catalog', host: SRC },
  });
  const summary = new RegsyncError(`${read.message} (1 more read failed; --verbose lists them)`, { code: 'AUTH_REQUIRED', cause: read });
  assert.equal(
    adviseMessage(summary, file),
    `mirror m: cannot list the catalog of ${SRC}: authentication required for ${SRC} (1 more read failed; --verbose lists them): ` +
      `add credentials under registries."${SRC}" in regsync.yaml or run docker login ${SRC} or podman login ${SRC}; ` +
      'if this registry does not list its catalog to you, name the repositories under repositories.names',
  );
  assert.equal(adviseMessage(new RegsyncError('plain', { code: 'REGISTRY' }), file), 'plain');
  const twice = new RegsyncError('outer', { code: 'TLS', cause: registryError, hint: { kind: 'credentials', host: SRC } });
  assert.equal((adviseMessage(twice, file).match(/docker login/g) ?? []).length, 1);
});
