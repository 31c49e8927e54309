import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkLogin, consoleLoginToken, issueSession, readCookies, sessionCookie, verifySession, verifySessions } from '../../shared/console/console-session.ts';

const SECRET = 'unit-secret';

test('a session verifies until it expires, and only with its own secret', () => {
  const now = Date.parse('2026-11-28T12:00:00Z');
  const s = issueSession(SECRET, 60, now);
  assert.deepEqual(verifySession(SECRET, s.value, now + 59_000), { ok: true, expiresAt: new Date(now + 60_000) });
  assert.deepEqual(verifySession(SECRET, s.value, now + 60_000), { ok: false, reason: 'expired' });
  assert.deepEqual(verifySession('other-secret', s.value, now), { ok: false, reason: 'invalid' });
  assert.deepEqual(verifySession(SECRET, undefined, now), { ok: false, reason: 'missing' });
});

test('a tampered session is invalid (a later expiry cannot be written in)', () => {
  const now = Date.now();
  const s = issueSession(SECRET, 60, now);
  const [v, exp, rnd, mac] = s.value.split('.') as [string, string, string, string];
  assert.deepEqual(verifySession(SECRET, [v, String(Number(exp) + 3600), rnd, mac].join('.'), now), { ok: false, reason: 'invalid' });
  assert.deepEqual(verifySession(SECRET, `${s.value}x`, now), { ok: false, reason: 'invalid' });
  assert.deepEqual(verifySession(SECRET, 'v1.1.2.3', now), { ok: false, reason: 'invalid' });
});

test('several cookies of the same name: the valid one wins, else expired is reported', () => {
  const now = Date.now();
  const good = issueSession(SECRET, 60, now).value;
  const old = issueSession(SECRET, 60, now - 3600_000).value;
  assert.equal(verifySessions(SECRET, [old, 'junk', good], now).ok, true);
  assert.deepEqual(verifySessions(SECRET, ['junk', old], now), { ok: false, reason: 'expired' });
  assert.deepEqual(readCookies(`a=1; hl_console=${old}; hl_console=${good}`, 'hl_console'), [old, good]);
});

test('login: the derived token, or the configured password; never the secret itself', () => {
  const token = consoleLoginToken(SECRET);
  assert.match(token, /^[0-9a-f]{32}$/);
  assert.notEqual(token, SECRET);
  assert.equal(checkLogin(SECRET, { token }), true);
  assert.equal(checkLogin(SECRET, { token: token.replace(/.$/, (c) => (c === '0' ? '1' : '0')) }), false);
  assert.equal(checkLogin(SECRET, { token: SECRET }), false);
  assert.equal(checkLogin(SECRET, { password: 'correct horse battery' }, 'correct horse battery'), true);
  assert.equal(checkLogin(SECRET, { password: 'correct horse' }, 'correct horse battery'), false);
  assert.equal(checkLogin(SECRET, { password: 'anything' }), false, 'no password configured: password login is off');
});

test('the cookie is HttpOnly, SameSite=Strict, scoped by the browser to the login URL\'s folder, Secure when asked', () => {
  const c = sessionCookie('v', 100, false);
  assert.match(c, /^hl_console=v; HttpOnly; SameSite=Strict; Max-Age=100$/);
  assert.match(sessionCookie('v', 100, true), /; Secure$/);
});
