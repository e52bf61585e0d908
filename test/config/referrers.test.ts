import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { configDigest } from '../../src/config/digest.js';
import { loadConfigText } from '../../src/config/load.js';
import { renderConfigYaml } from '../../src/config/print.js';
import { isConfigError } from '../../src/config/problems.js';

// Issue 16: `referrers` per mirror and under defaults, off by default, refused with the docker executor.

const root = mkdtempSync(path.join(tmpdir(), 'regsync-referrers-config-'));
after(() => rmSync(root, { recursive: true, force: true }));

function load(text: string) {
  return loadConfigText(text, { file: path.join(root, 'regsync.yaml'), displayName: 'regsync.yaml', env: {} });
}

function problemsOf(text: string): string[] {
  try {
    load(text);
  } catch (error) {
    if (isConfigError(error)) return error.problems;
    throw error;
  }
  return [];
}

const MIRROR = (extra: string, defaults = '') =>
  `${defaults}mirrors:\n  - name: signed\n    source: "127.0.0.1:5000"\n    destination: "127.0.0.1:5001"\n${extra}`;

test('off by default; true copies every artifact type with legacy cosign tags; an object narrows it', () => {
  assert.equal(load(MIRROR('    executor: registry\n')).config.mirrors[0]?.referrers, null);
  assert.deepEqual(load(MIRROR('    executor: registry\n    referrers: true\n')).config.mirrors[0]?.referrers, {
    artifactTypes: null,
    legacyCosignTags: true,
  });
  assert.equal(load(MIRROR('    executor: registry\n    referrers: false\n')).config.mirrors[0]?.referrers, null);
  const narrowed = MIRROR(
    '    executor: registry\n    referrers: {artifactTypes: [application/vnd.dev.cosign.artifact.sig.v1+json], legacyCosignTags: false}\n',
  );
  assert.deepEqual(load(narrowed).config.mirrors[0]?.referrers, {
    artifactTypes: ['application/vnd.dev.cosign.artifact.sig.v1+json'],
    legacyCosignTags: false,
  });
});

test('defaults.referrers reaches every mirror; a mirror may turn it off', () => {
  const text = `defaults:\n  executor: registry\n  referrers: {artifactTypes: [a/b]}\nmirrors:\n  - {name: one, source: "127.0.0.1:5000", destination: "127.0.0.1:5001"}\n  - {name: two, source: "127.0.0.1:5000", destination: "127.0.0.1:5002", referrers: false}\n`;
  const { config } = load(text);
  assert.deepEqual(config.mirrors[0]?.referrers, { artifactTypes: ['a/b'], legacyCosignTags: true });
  assert.equal(config.mirrors[1]?.referrers, null);
});

test('the docker executor cannot carry referrers: a validation error naming the mirror', () => {
  assert.deepEqual(problemsOf(MIRROR('    referrers: true\n')), [
    'regsync.yaml:5:16 /mirrors/0/referrers: mirror "signed": the docker executor cannot carry referrers (referrers is set): use executor: registry',
  ]);
  const fromDefaults = problemsOf(MIRROR('    executor: docker\n', 'defaults:\n  referrers: {legacyCosignTags: false}\n'));
  assert.equal(fromDefaults.length, 1);
  assert.match(fromDefaults[0] ?? '', /mirror "signed": the docker executor cannot carry referrers \(defaults\.referrers is set\)/);
  assert.deepEqual(problemsOf(MIRROR('    referrers: false\n')), []);
});

test('the schema refuses unknown keys and an empty artifactTypes list', () => {
  assert.equal(problemsOf(MIRROR('    executor: registry\n    referrers: {signatures: true}\n')).length, 1);
  assert.equal(problemsOf(MIRROR('    executor: registry\n    referrers: {artifactTypes: []}\n')).length, 1);
});

test('the config digest: unchanged for a mirror without referrers, changed by each referrers setting', () => {
  const plain = configDigest(load(MIRROR('    executor: registry\n')).config);
  assert.equal(configDigest(load(MIRROR('    executor: registry\n    referrers: false\n')).config), plain);
  const on = configDigest(load(MIRROR('    executor: registry\n    referrers: true\n')).config);
  const noLegacy = configDigest(load(MIRROR('    executor: registry\n    referrers: {legacyCosignTags: false}\n')).config);
  const typed = configDigest(load(MIRROR('    executor: registry\n    referrers: {artifactTypes: [a/b]}\n')).config);
  assert.equal(new Set([plain, on, noLegacy, typed]).size, 4);
});

test('config print writes referrers back so the printed file loads to the same config', () => {
  const { config } = load(MIRROR('    executor: registry\n    referrers: {artifactTypes: [a/b], legacyCosignTags: false}\n'));
  const printed = renderConfigYaml(config, { secrets: [] });
  const again = load(printed).config;
  assert.deepEqual(again.mirrors[0]?.referrers, config.mirrors[0]?.referrers);
});
