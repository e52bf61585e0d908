import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mirrorsToRead } from '../../src/plan/related-mirrors.js';
import { mirrorConfig } from '../helpers/inventory-builder.js';

test('mirrorsToRead: the selected mirrors plus those writing to the same destination store', () => {
  const a = mirrorConfig({ name: 'a', destination: { scheme: 'registry', host: '127.0.0.1:5001', prefix: 'mirror' } });
  const sameHost = mirrorConfig({ name: 'same-host', destination: { scheme: 'registry', host: '127.0.0.1:5001', prefix: 'other' } });
  const otherHost = mirrorConfig({ name: 'other-host', destination: { scheme: 'registry', host: '127.0.0.1:5002', prefix: 'mirror' } });
  const disk = mirrorConfig({ name: 'disk', destination: { scheme: 'ocidir', path: '/srv/layouts', prefix: '' } });
  const sameDisk = mirrorConfig({ name: 'same-disk', destination: { scheme: 'ocidir', path: '/srv/layouts', prefix: '' } });
  const all = [a, sameHost, otherHost, disk, sameDisk];
  const names = (selected: typeof all) => mirrorsToRead(all, selected).map((mirror) => mirror.name);
  assert.deepEqual(names([a]), ['a', 'same-host']);
  assert.deepEqual(names([otherHost]), ['other-host']);
  assert.deepEqual(names([disk]), ['disk', 'same-disk']);
  assert.deepEqual(names(all), ['a', 'same-host', 'other-host', 'disk', 'same-disk']);
});
