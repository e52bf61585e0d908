import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { heldSecrets, mergeDockerConfig } from '../../src/apply/executors/docker-config.js';

const basic = (user: string, password: string) => Buffer.from(`${user}:${password}`).toString('base64');

describe('mergeDockerConfig: the user config plus the credentials regsync holds', () => {
  it('keeps every user setting and adds regsync auths (Docker Hub under its v1 URL)', () => {
    const user = {
      auths: { 'other.example': { auth: basic('me', 'mine') } },
      credHelpers: { 'gcr.io': 'gcloud' },
      psFormat: 'x',
      proxies: { default: {} },
    };
    const merged = mergeDockerConfig(user, [
      { host: '127.0.0.1:5000', username: 'bot', password: 'pw-1234' },
      { host: 'docker.io', username: 'hub', password: 'hub-pass' },
    ]);
    assert.deepEqual(merged, {
      psFormat: 'x',
      proxies: { default: {} },
      auths: {
        'other.example': { auth: basic('me', 'mine') },
        '127.0.0.1:5000': { auth: basic('bot', 'pw-1234') },
        'https://index.docker.io/v1/': { auth: basic('hub', 'hub-pass') },
      },
      credHelpers: { 'gcr.io': 'gcloud' },
    });
  });

  it("regsync's credentials win over the user's entry, helper or store for the same host", () => {
    const merged = mergeDockerConfig(
      {
        auths: { 'http://127.0.0.1:5000': { auth: basic('old', 'old-pass') }, 'ghcr.io': {}, 'quay.io': { auth: basic('q', 'q-pass') } },
        credHelpers: { '127.0.0.1:5000': 'pass' },
        credsStore: 'desktop',
      },
      [{ host: '127.0.0.1:5000', username: 'bot', password: 'pw-1234' }],
    );
    assert.deepEqual(merged, {
      auths: { 'ghcr.io': {}, 'quay.io': { auth: basic('q', 'q-pass') }, '127.0.0.1:5000': { auth: basic('bot', 'pw-1234') } },
      // The store keeps serving the hosts the user logged in to through it (empty entries), and no other.
      credHelpers: { 'ghcr.io': 'desktop' },
    });
  });

  it('a credential helper named in the regsync config becomes the host credHelpers entry', () => {
    const merged = mergeDockerConfig({ auths: { 'registry.example': { auth: basic('a', 'bbbb') } } }, [
      { host: 'registry.example', credentialHelper: 'ecr-login' },
    ]);
    assert.deepEqual(merged, { auths: {}, credHelpers: { 'registry.example': 'ecr-login' } });
  });

  it('heldSecrets: the passwords and their basic-auth encodings, for redaction', () => {
    assert.deepEqual(
      heldSecrets([
        { host: 'h', username: 'u', password: 'secret-1' },
        { host: 'k', credentialHelper: 'x' },
      ]),
      ['secret-1', basic('u', 'secret-1')],
    );
  });
});
