import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { consoleLoginToken, issueSession } from '../../shared/console/console-session.ts';
import { snapshotStore, startTestRuntime, type TestRuntime } from '../helpers/test-runtime.ts';

/** The console's session and CSRF rules over real HTTP (the browser test covers the page itself). */
const PASSWORD = 'a long console password';
let t: TestRuntime;
let cookie: string;

before(async () => {
  t = await startTestRuntime({ console: { password: PASSWORD, sessionSec: 600, secureCookie: false } });
});
after(async () => t?.close());

const req = (method: string, path: string, opts: { body?: unknown; cookie?: string; headers?: Record<string, string> } = {}) =>
  fetch(t.rt.url + path, {
    method,
    headers: {
      ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(opts.cookie ? { cookie: opts.cookie } : {}),
      ...opts.headers,
    },
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    redirect: 'manual',
  });
const console1 = { 'x-hl-console': '1' };

test('the page is public, holds no secret, and is locked down by CSP', async () => {
  const r = await req('GET', '/console');
  assert.equal(r.status, 302);
  assert.equal(r.headers.get('location'), 'console/', 'relative: right at / and under /release/');
  const html = await req('GET', '/console/');
  assert.equal(html.status, 200);
  assert.match(html.headers.get('content-security-policy') ?? '', /script-src 'self'/);
  assert.match(html.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
  const page = await html.text();
  const js = await (await req('GET', '/console/app.js')).text();
  assert.ok(js.length > 100_000, 'app.js carries hls.js');
  for (const body of [page, js]) {
    assert.ok(!body.includes(t.rt.config.secret), 'no signing secret in the page');
    assert.ok(!body.includes(consoleLoginToken(t.rt.config.secret)), 'no login token in the page');
    assert.ok(!/https?:\/\/(cdn|unpkg|jsdelivr)/.test(body), 'nothing from a CDN');
  }
});

test('login: a wrong token or password is refused; the right one sets an HttpOnly SameSite=Strict cookie', async () => {
  for (const body of [{ token: '0'.repeat(32) }, { password: 'wrong password!!' }]) {
    const r = await req('POST', '/console/session', { body, headers: console1 });
    assert.equal(r.status, 401);
    assert.equal((await r.json()).error.code, 'LOGIN_FAILED');
    assert.equal(r.headers.get('set-cookie'), null);
  }
  const bad = await req('POST', '/console/session', { body: { token: 'x', password: 'y' }, headers: console1 });
  assert.equal(bad.status, 422);
  const byPassword = await req('POST', '/console/session', { body: { password: PASSWORD }, headers: console1 });
  assert.equal(byPassword.status, 200);
  const r = await req('POST', '/console/session', { body: { token: consoleLoginToken(t.rt.config.secret) }, headers: console1 });
  assert.equal(r.status, 200);
  const set = r.headers.get('set-cookie') ?? '';
  assert.match(set, /^hl_console=v1\.\d+\.[0-9a-f]{32}\.[0-9a-f]{64}; HttpOnly; SameSite=Strict; Max-Age=600$/);
  cookie = set.split(';')[0]!;
  const s = await req('GET', '/console/session', { cookie });
  assert.equal(s.status, 200);
  assert.equal((await s.json()).passwordLogin, true);
});

test('the console API needs the session, and signs the call server-side', async () => {
  const none = await req('GET', '/console/api/v1/streams');
  assert.equal(none.status, 401);
  assert.equal((await none.json()).error.code, 'SESSION_REQUIRED');
  const expired = issueSession(t.rt.config.secret, 60, Date.now() - 3600_000).value;
  const old = await req('GET', '/console/api/v1/streams', { cookie: `hl_console=${expired}` });
  assert.equal((await old.json()).error.code, 'SESSION_EXPIRED');
  const forged = issueSession('not-the-secret', 600).value;
  assert.equal((await (await req('GET', '/console/api/v1/streams', { cookie: `hl_console=${forged}` })).json()).error.code, 'SESSION_REQUIRED');
  const ok = await req('GET', '/console/api/v1/streams', { cookie });
  assert.equal(ok.status, 200);
  assert.deepEqual(await ok.json(), { streams: [] });
  // The same path without the console prefix still needs a signature: the cookie is not an API key.
  assert.equal((await req('GET', '/v1/streams', { cookie })).status, 401);
  assert.equal((await req('GET', '/console/api/healthz', { cookie })).status, 404);
});

test('cross-site writes are refused and write nothing', async () => {
  const before = await snapshotStore(t);
  const body = { id: 'csrf', source: { type: 'testsrc' } };
  const cases: Array<[string, Record<string, string>]> = [
    ['no console header', {}],
    ['another origin', { ...console1, origin: 'https://evil.example' }],
    ['a cross-site fetch', { ...console1, 'sec-fetch-site': 'cross-site' }],
    ['an opaque origin', { ...console1, origin: 'null' }],
  ];
  for (const [what, headers] of cases) {
    const r = await req('POST', '/console/api/v1/streams', { cookie, body, headers });
    assert.equal(r.status, 403, what);
    assert.equal((await r.json()).error.code, 'CSRF_REJECTED', what);
  }
  const form = await fetch(`${t.rt.url}/console/api/v1/streams`, { method: 'POST', headers: { cookie, ...console1, 'content-type': 'application/x-www-form-urlencoded' }, body: 'id=csrf' });
  assert.equal(form.status, 403, 'a form post');
  assert.deepEqual(await snapshotStore(t), before);
});

test('a console call reaches the API: start a stream, list it, list highlights and rooms', async () => {
  const r = await req('POST', '/console/api/v1/streams', { cookie, headers: console1, body: { id: 'via-console', source: { type: 'testsrc', width: 160, height: 90, fps: 10 }, segmentSec: 1, retentionSec: 30 } });
  assert.equal(r.status, 202);
  const list = await (await req('GET', '/console/api/v1/streams', { cookie })).json();
  assert.deepEqual(list.streams.map((s: { id: string }) => s.id), ['via-console']);
  assert.equal((await (await req('GET', '/console/api/v1/highlights?streamId=via-console', { cookie })).json()).highlights.length, 0);
  const badQuery = await req('GET', '/console/api/v1/highlights?limit=0', { cookie });
  assert.equal(badQuery.status, 422);
  await req('PUT', '/console/api/v1/rooms/r1/users/u1', { cookie, headers: console1, body: { url: 'rtmp://127.0.0.1:1935/live/u1' } });
  assert.deepEqual((await (await req('GET', '/console/api/v1/rooms', { cookie })).json()).rooms, [{ roomId: 'r1', users: 1, recordings: 0, recording: 0 }]);
  await req('DELETE', '/console/api/v1/streams/via-console', { cookie, headers: console1 });
});

test('logout clears the cookie; repeated failed logins are slowed down', async () => {
  const out = await req('DELETE', '/console/session', { cookie, headers: console1 });
  assert.match(out.headers.get('set-cookie') ?? '', /^hl_console=; .*Max-Age=0/);
  let last = 0;
  for (let i = 0; i < 11; i++) last = (await req('POST', '/console/session', { body: { password: `guess number ${i}` }, headers: console1 })).status;
  assert.equal(last, 429);
  const blocked = await req('POST', '/console/session', { body: { password: PASSWORD }, headers: console1 });
  assert.equal(blocked.status, 429, 'even the right password waits out the minute');
});
