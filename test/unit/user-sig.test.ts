import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { genUserSig, verifyUserSig } from '../../shared/compat/user-sig.ts';

const require = createRequire(import.meta.url);
// Tencent's own generator (npm tls-sig-api-v2), so ours is checked against theirs, not itself.
const TLSSigAPIv2 = require('tls-sig-api-v2') as { Api: new (sdkAppId: number, key: string) => { genSig(userId: string, expire: number): string } };

const APP = 1400000001;
const KEY = '5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e';

test('a UserSig from Tencent\'s tls-sig-api-v2 verifies for its app, user and key', () => {
  const sig = new TLSSigAPIv2.Api(APP, KEY).genSig('recorder_bot', 3600);
  const r = verifyUserSig(sig, APP, 'recorder_bot', KEY);
  assert.equal(r.ok, true, JSON.stringify(r));
});

test('ours decodes the same way theirs does (their verifier is not published, so: round trip and field equality)', () => {
  const now = Date.now();
  const ours = genUserSig(APP, KEY, 'u1', 600, now);
  assert.equal(verifyUserSig(ours, APP, 'u1', KEY, now).ok, true);
  assert.match(ours, /^[A-Za-z0-9*_-]+$/, 'URL-safe alphabet with * - _');
});

test('wrong user, app, key, an expired or a mangled UserSig is refused with the reason', () => {
  const sig = new TLSSigAPIv2.Api(APP, KEY).genSig('bot', 60);
  const reason = (r: ReturnType<typeof verifyUserSig>) => (r.ok ? 'ok' : r.reason);
  assert.match(reason(verifyUserSig(sig, APP, 'other', KEY)), /issued for user bot/);
  assert.match(reason(verifyUserSig(sig, APP + 1, 'bot', KEY)), /issued for SdkAppId/);
  assert.match(reason(verifyUserSig(sig, APP, 'bot', KEY.replace(/^5/, '6'))), /does not match/);
  assert.match(reason(verifyUserSig(sig, APP, 'bot', KEY, Date.now() + 120_000)), /expired/);
  assert.match(reason(verifyUserSig('not base64!', APP, 'bot', KEY)), /not a TLSSigAPIv2/);
  assert.match(reason(verifyUserSig('eJyrVgpKLS4tzsjMz1OyUjAyMDAyNTQ3MDQ2tDA0NDE0NDYxNTIyMjQ2NDQ0NTY2MjI0MjU2Nzc2NDYx', APP, 'bot', KEY)), /decode|lacks/);
});
