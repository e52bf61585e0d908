import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { openFactsCache } from '../../src/inventory/facts-cache.js';
import { resolveCacheDir } from '../../src/util/cache-dir.js';
import type { ManifestFacts } from '../../src/inventory/facts-cache.js';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'regsync-facts-'));
  dirs.push(dir);
  return dir;
}
after(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

const digest = (n: number): string => `sha256:${n.toString(16).padStart(64, '0')}`;
const image: ManifestFacts = {
  kind: 'image',
  platform: 'linux/amd64',
  configDigest: digest(100),
  created: '2024-03-05T12:00:00Z',
  artifactType: null,
};
const artifact: ManifestFacts = {
  kind: 'image',
  platform: null,
  configDigest: digest(101),
  created: null,
  artifactType: 'application/example.sbom',
};
/** A manifest of layers only: it names no config. */
const configless: ManifestFacts = {
  kind: 'image',
  platform: null,
  configDigest: null,
  created: null,
  artifactType: 'application/example+bar',
};
const index: ManifestFacts = {
  kind: 'index',
  artifactType: null,
  children: [
    { platform: 'linux/amd64', digest: digest(2), describes: null },
    { platform: 'linux/arm64/v8', digest: digest(3), describes: null },
    { platform: 'unknown/unknown', digest: digest(5), describes: digest(2) },
    { platform: null, digest: digest(6), describes: null },
  ],
};

describe('resolveCacheDir', () => {
  const cases: Array<{ name: string; env: NodeJS.ProcessEnv; expected: string | null }> = [
    {
      name: 'REGSYNC_CACHE_DIR wins',
      env: { REGSYNC_CACHE_DIR: '/x/cache', XDG_CACHE_HOME: '/xdg', HOME: '/home/u' },
      expected: '/x/cache',
    },
    { name: 'empty REGSYNC_CACHE_DIR disables the disk cache', env: { REGSYNC_CACHE_DIR: '', XDG_CACHE_HOME: '/xdg' }, expected: null },
    { name: 'XDG_CACHE_HOME', env: { XDG_CACHE_HOME: '/xdg', HOME: '/home/u' }, expected: '/xdg/regsync' },
    { name: 'empty XDG_CACHE_HOME falls back to HOME', env: { XDG_CACHE_HOME: '', HOME: '/home/u' }, expected: '/home/u/.cache/regsync' },
    { name: 'HOME', env: { HOME: '/home/u' }, expected: '/home/u/.cache/regsync' },
  ];
  for (const { name, env, expected } of cases) {
    it(name, () => assert.equal(resolveCacheDir(env), expected));
  }
});

describe('openFactsCache', () => {
  it('answers from memory and counts hits and misses', async () => {
    const cache = await openFactsCache({ dir: null });
    assert.equal(cache.get(digest(1)), undefined);
    cache.set(digest(1), image);
    assert.deepEqual(cache.get(digest(1)), image);
    assert.deepEqual(cache.stats(), { hits: 1, misses: 1, loaded: 0 });
    await cache.flush(); // memory only: nothing to write, must not throw
  });

  it('persists to disk and a new cache reads the entries back', async () => {
    const dir = join(await tempDir(), 'nested', 'regsync');
    const first = await openFactsCache({ dir });
    first.set(digest(1), image);
    first.set(digest(4), index);
    first.set(digest(7), artifact);
    first.set(digest(8), configless);
    await first.flush();
    const second = await openFactsCache({ dir });
    assert.equal(second.stats().loaded, 4);
    assert.deepEqual(second.get(digest(1)), image);
    assert.deepEqual(second.get(digest(4)), index);
    assert.deepEqual(second.get(digest(7)), artifact);
    assert.deepEqual(second.get(digest(8)), configless);
  });

  it('writes atomically: no temporary file is left and the file is complete JSON', async () => {
    const dir = await tempDir();
    const cache = await openFactsCache({ dir });
    for (let n = 1; n <= 200; n += 1) cache.set(digest(n), { ...image, configDigest: digest(1000 + n) });
    await cache.flush();
    assert.deepEqual(await readdir(dir), ['facts-v2.json']);
    const document = JSON.parse(await readFile(join(dir, 'facts-v2.json'), 'utf8'));
    assert.equal(document.version, 2);
    assert.equal(Object.keys(document.entries).length, 200);
  });

  it('merges with entries another run wrote meanwhile instead of overwriting them', async () => {
    const dir = await tempDir();
    const a = await openFactsCache({ dir });
    const b = await openFactsCache({ dir });
    a.set(digest(1), image);
    b.set(digest(4), index);
    await a.flush();
    await b.flush();
    const reread = await openFactsCache({ dir });
    assert.deepEqual(reread.get(digest(1)), image);
    assert.deepEqual(reread.get(digest(4)), index);
  });

  const corrupt: Array<{ name: string; text: string }> = [
    { name: 'not JSON', text: '{"version":2,"entries":{' },
    { name: 'another format version', text: JSON.stringify({ version: 99, entries: { [digest(1)]: image } }) },
    { name: 'entries not an object', text: JSON.stringify({ version: 2, entries: 'x' }) },
    { name: 'a JSON array', text: '[]' },
  ];
  for (const { name, text } of corrupt) {
    it(`ignores a corrupt cache file (${name}) and replaces it on flush`, async () => {
      const dir = await tempDir();
      await writeFile(join(dir, 'facts-v2.json'), text);
      const cache = await openFactsCache({ dir });
      assert.equal(cache.stats().loaded, 0);
      assert.equal(cache.get(digest(1)), undefined);
      cache.set(digest(5), image);
      await cache.flush();
      const reread = await openFactsCache({ dir });
      assert.equal(reread.stats().loaded, 1);
      assert.deepEqual(reread.get(digest(5)), image);
    });
  }

  it('drops damaged entries but keeps the valid ones', async () => {
    const dir = await tempDir();
    const entries = {
      [digest(1)]: image,
      [digest(2)]: { kind: 'image', platform: 'linux/amd64', configDigest: 'not-a-digest', created: null },
      [digest(3)]: { kind: 'index', children: [{ platform: 'linux/amd64' }] },
      'not-a-digest': image,
      [digest(4)]: { kind: 'something-else' },
    };
    await writeFile(join(dir, 'facts-v2.json'), JSON.stringify({ version: 2, entries }));
    const cache = await openFactsCache({ dir });
    assert.equal(cache.stats().loaded, 1);
    assert.deepEqual(cache.get(digest(1)), image);
    assert.equal(cache.get(digest(2)), undefined);
    assert.equal(cache.get(digest(3)), undefined);
  });

  it('warns, and does not throw, when the cache directory cannot be written', async () => {
    const base = await tempDir();
    const blocker = join(base, 'file');
    await writeFile(blocker, 'x');
    const warnings: string[] = [];
    const cache = await openFactsCache({ dir: join(blocker, 'regsync'), warn: (line) => warnings.push(line) });
    cache.set(digest(1), image);
    await cache.flush();
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /could not write the facts cache/);
  });
});
