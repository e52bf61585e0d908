import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HostAuth } from '../../src/registry/http/auth.js';
import type { TokenResponse } from '../../src/registry/http/auth.js';

const CHALLENGE = 'Bearer realm="http://127.0.0.1:9/token",service="reg"';

/** A HostAuth whose token service answers a fresh opaque token per request and records the scopes asked. */
function makeAuth() {
  const asked: string[][] = [];
  const auth = new HostAuth({
    host: 'reg.example:5000',
    credentials: () => Promise.resolve({ kind: 'basic', username: 'u', password: 'secret-password', source: 'test' }),
    send: async (url): Promise<TokenResponse> => {
      asked.push(url.searchParams.getAll('scope'));
      await new Promise((resolve) => setTimeout(resolve, 5));
      return { status: 200, text: JSON.stringify({ token: `token-${asked.length}`, expires_in: 300 }) };
    },
    now: () => 0,
  });
  return { auth, asked };
}

test('401s of requests sent before the scheme was known share one token, together or one after another', async () => {
  const { auth, asked } = makeAuth();
  const scopes = ['repository:dst:pull'];
  const together = await Promise.all([1, 2, 3].map(() => auth.challenged(CHALLENGE, scopes, null)));
  assert.deepEqual(together, ['Bearer token-1', 'Bearer token-1', 'Bearer token-1']);
  assert.equal(
    await auth.challenged(CHALLENGE, scopes, null),
    'Bearer token-1',
    'a late 401 of an unauthenticated request reuses the cached token',
  );
  assert.deepEqual(asked, [['repository:dst:pull']]);
});

test('a refused token is replaced once, not once per request that carried it', async () => {
  const { auth, asked } = makeAuth();
  const scopes = ['repository:dst:pull'];
  assert.equal(await auth.challenged(CHALLENGE, scopes, null), 'Bearer token-1');
  const again = await Promise.all([1, 2].map(() => auth.challenged(CHALLENGE, scopes, 'Bearer token-1')));
  assert.deepEqual(again, ['Bearer token-2', 'Bearer token-2']);
  assert.equal(await auth.challenged(CHALLENGE, scopes, 'Bearer token-1'), 'Bearer token-2');
  assert.equal(asked.length, 2);
});

test('relate: a token for a copy target also asks for push there and pull on the mount source', async () => {
  const { auth, asked } = makeAuth();
  auth.relate(['dst', 'src'], ['repository:dst:pull,push', 'repository:src:pull']);
  await auth.challenged(CHALLENGE, ['repository:src:pull'], null);
  assert.equal(await auth.header(['repository:dst:pull']), 'Bearer token-1', 'covered by the first token');
  assert.equal(await auth.header(['repository:dst:pull,push']), 'Bearer token-1');
  assert.equal(await auth.header(['repository:other:pull']), 'Bearer token-2', 'unrelated repositories are not widened');
  assert.deepEqual(asked, [['repository:dst:pull,push', 'repository:src:pull'], ['repository:other:pull']]);
});

test("a request's failure says what its own challenge said, whatever another request to the host was told since", async () => {
  const { auth } = makeAuth();
  const scopes = ['repository:dst:pull,push'];
  const context = { method: 'PUT', host: 'reg.example:5000', path: '/v2/dst/manifests/v1', repository: 'dst', reference: 'v1' };
  // Request A is refused for scope; request B, concurrently, meets a plain challenge (no error).
  await auth.challenged(`${CHALLENGE},error="insufficient_scope"`, scopes, 'Bearer stale');
  await auth.challenged(CHALLENGE, scopes, null);
  const forA = await auth.failure(context, 'insufficient_scope');
  const forB = await auth.failure(context, undefined);
  assert.equal(forA.code, 'FORBIDDEN');
  assert.equal(forB.code, 'AUTH_FAILED');
});

test('headerNow gives without waiting what header would give, and undefined while a credential or token is still to fetch', async () => {
  const { auth, asked } = makeAuth();
  const scopes = ['repository:dst:pull'];
  assert.equal(auth.headerNow(scopes), null, 'no scheme yet: nothing to send');
  assert.equal(await auth.header(scopes), null);
  await auth.challenged(CHALLENGE, scopes, null);
  assert.equal(auth.headerNow(scopes), 'Bearer token-1');
  assert.equal(auth.headerNow(['repository:other:pull']), undefined, 'no token for that scope yet');
  assert.equal(await auth.header(['repository:other:pull']), 'Bearer token-2');
  assert.equal(auth.headerNow(['repository:other:pull']), 'Bearer token-2');
  assert.equal(asked.length, 2);

  const basic = makeAuth().auth;
  await basic.challenged('Basic realm="reg"', scopes, null);
  const header = await basic.header(scopes);
  assert.match(header ?? '', /^Basic /);
  assert.equal(basic.headerNow(scopes), header);
});
