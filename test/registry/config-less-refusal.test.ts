import assert from 'node:assert/strict';
import { test } from 'node:test';
import { explainRefusal } from '../../src/registry/config-less-refusal.js';
import type { Manifest } from '../../src/registry/types.js';
import { RegsyncError } from '../../src/util/errors.js';

const layer = { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: `sha256:${'a'.repeat(64)}`, size: 3 };
const configLess: Manifest = {
  kind: 'manifest',
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  declaresMediaType: true,
  config: null,
  layers: [layer],
};
const withConfig: Manifest = { ...configLess, config: { ...layer, mediaType: 'application/vnd.oci.image.config.v1+json' } };
const refusal = (status: number | undefined) =>
  new RegsyncError(`PUT 127.0.0.1:5000/v2/app/manifests/v1 failed with HTTP ${status}`, {
    code: 'REGISTRY',
    host: '127.0.0.1:5000',
    repository: 'app',
    reference: 'v1',
    ...(status === undefined ? {} : { status }),
    details: 'the registry said: MANIFEST_BLOB_UNKNOWN',
    hint: { kind: 'credentials', host: '127.0.0.1:5000' },
  });

test('a 4xx refusal of a config-less manifest says what it lacks and keeps every field of the original', () => {
  const original = refusal(400);
  const explained = explainRefusal(original, configLess);
  assert.ok(explained instanceof RegsyncError);
  assert.equal(explained.message, `${original.message}: the manifest names no config, which this registry may require`);
  const fields = (e: RegsyncError) => [e.code, e.host, e.repository, e.reference, e.status, e.details, e.hint];
  assert.deepEqual(fields(explained), fields(original));
  assert.equal(explained.cause, original);
});

test('a 5xx, a status-less failure, another error or a manifest with a config pass unchanged', () => {
  for (const status of [500, 503, undefined]) {
    const error = refusal(status);
    assert.equal(explainRefusal(error, configLess), error, `status ${status}`);
  }
  const network = new RegsyncError('connection reset', { code: 'NETWORK' });
  assert.equal(explainRefusal(network, configLess), network);
  const plain = refusal(400);
  assert.equal(explainRefusal(plain, withConfig), plain);
});
