import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  NONCE_HEADER, ReplayGuard, SIGNATURE_HEADER, TIMESTAMP_HEADER, sign, signatureBase, signedHeaders, verifyRequest, type VerifyInput,
} from '../../shared/auth/request-signature.ts';
import { AppError } from '../../shared/domain/app-error.ts';

const SECRET = 'test-secret-0123456789';
const NOW = Date.parse('2026-11-28T07:20:12.000Z'); // whole second
const BODY = JSON.stringify({ streamId: 'match_42', before: 20 });

const code = (c: string) => (err: unknown) => err instanceof AppError && err.code === c;

function input(headers: Record<string, string | undefined>, over: Partial<VerifyInput> = {}): VerifyInput {
  return {
    secret: SECRET, method: 'POST', path: '/v1/highlights', body: BODY, headers,
    toleranceSec: 300, replay: new ReplayGuard(600_000), now: NOW, ...over,
  };
}

test('signedHeaders produces the three headers in the documented format', () => {
  const h = signedHeaders(SECRET, 'POST', '/v1/highlights', BODY, NOW);
  assert.equal(h[TIMESTAMP_HEADER], String(NOW / 1000));
  assert.match(h[NONCE_HEADER]!, /^[A-Za-z0-9_-]{8,64}$/);
  assert.match(h[SIGNATURE_HEADER]!, /^v1=[0-9a-f]{64}$/);
  assert.equal(h[SIGNATURE_HEADER], sign(SECRET, h[TIMESTAMP_HEADER]!, h[NONCE_HEADER]!, 'POST', '/v1/highlights', BODY));
  assert.equal(signatureBase('1', 'nonce123', 'post', '/p', 'b'), '1\nnonce123\nPOST\n/p\nb');
});

test('a correctly signed request is accepted', () => {
  const h = signedHeaders(SECRET, 'POST', '/v1/highlights', BODY, NOW);
  assert.doesNotThrow(() => verifyRequest(input(h)));
});

test('method case does not matter', () => {
  const h = signedHeaders(SECRET, 'post', '/v1/highlights', BODY, NOW);
  assert.doesNotThrow(() => verifyRequest(input(h, { method: 'POST' })));
});

test('missing headers → UNAUTHORIZED', () => {
  const h = signedHeaders(SECRET, 'POST', '/v1/highlights', BODY, NOW);
  assert.throws(() => verifyRequest(input({})), code('UNAUTHORIZED'));
  for (const drop of [TIMESTAMP_HEADER, NONCE_HEADER, SIGNATURE_HEADER]) {
    const partial = { ...h, [drop]: undefined };
    assert.throws(() => verifyRequest(input(partial)), code('UNAUTHORIZED'), drop);
  }
});

test('tampered body, wrong path, wrong method or wrong secret → SIGNATURE_INVALID', () => {
  const h = () => signedHeaders(SECRET, 'POST', '/v1/highlights', BODY, NOW);
  assert.throws(() => verifyRequest(input(h(), { body: BODY.replace('20', '21') })), code('SIGNATURE_INVALID'));
  assert.throws(() => verifyRequest(input(h(), { body: '' })), code('SIGNATURE_INVALID'));
  assert.throws(() => verifyRequest(input(h(), { path: '/v1/streams' })), code('SIGNATURE_INVALID'));
  assert.throws(() => verifyRequest(input(h(), { method: 'PUT' })), code('SIGNATURE_INVALID'));
  assert.throws(() => verifyRequest(input(h(), { secret: 'other-secret' })), code('SIGNATURE_INVALID'));
  const other = signedHeaders('other-secret', 'POST', '/v1/highlights', BODY, NOW);
  assert.throws(() => verifyRequest(input(other)), code('SIGNATURE_INVALID'));
});

test('malformed signature, timestamp or nonce → SIGNATURE_INVALID', () => {
  const h = signedHeaders(SECRET, 'POST', '/v1/highlights', BODY, NOW);
  assert.throws(() => verifyRequest(input({ ...h, [SIGNATURE_HEADER]: 'v1=abc' })), code('SIGNATURE_INVALID'));
  assert.throws(() => verifyRequest(input({ ...h, [SIGNATURE_HEADER]: h[SIGNATURE_HEADER]!.toUpperCase() })), code('SIGNATURE_INVALID'));
  assert.throws(() => verifyRequest(input({ ...h, [TIMESTAMP_HEADER]: '2026-11-28T07:20:12Z' })), code('SIGNATURE_INVALID'));
  assert.throws(() => verifyRequest(input({ ...h, [NONCE_HEADER]: 'short' })), code('SIGNATURE_INVALID'));
  // a different (valid-looking) nonce breaks the signature
  assert.throws(() => verifyRequest(input({ ...h, [NONCE_HEADER]: 'abcdefgh12345678' })), code('SIGNATURE_INVALID'));
});

test('timestamps more than toleranceSec away → SIGNATURE_STALE; exactly at tolerance passes', () => {
  const old = signedHeaders(SECRET, 'POST', '/v1/highlights', BODY, NOW - 301_000);
  assert.throws(() => verifyRequest(input(old)), code('SIGNATURE_STALE'));
  const future = signedHeaders(SECRET, 'POST', '/v1/highlights', BODY, NOW + 301_000);
  assert.throws(() => verifyRequest(input(future)), code('SIGNATURE_STALE'));
  const edgeOld = signedHeaders(SECRET, 'POST', '/v1/highlights', BODY, NOW - 300_000);
  assert.doesNotThrow(() => verifyRequest(input(edgeOld)));
  const edgeFuture = signedHeaders(SECRET, 'POST', '/v1/highlights', BODY, NOW + 300_000);
  assert.doesNotThrow(() => verifyRequest(input(edgeFuture)));
  // same request, verified 301 s after signing
  const h = signedHeaders(SECRET, 'POST', '/v1/highlights', BODY, NOW);
  assert.throws(() => verifyRequest(input(h, { now: NOW + 301_000 })), code('SIGNATURE_STALE'));
});

test('the same headers twice → SIGNATURE_REPLAYED', () => {
  const replay = new ReplayGuard(600_000);
  const h = signedHeaders(SECRET, 'POST', '/v1/highlights', BODY, NOW);
  verifyRequest(input(h, { replay }));
  assert.throws(() => verifyRequest(input(h, { replay, now: NOW + 5_000 })), code('SIGNATURE_REPLAYED'));
});

test('two identical requests signed in the same second both pass (distinct nonces)', () => {
  const replay = new ReplayGuard(600_000);
  const a = signedHeaders(SECRET, 'GET', '/v1/highlights/c1', '', NOW);
  const b = signedHeaders(SECRET, 'GET', '/v1/highlights/c1', '', NOW + 400);
  assert.equal(a[TIMESTAMP_HEADER], b[TIMESTAMP_HEADER]);
  assert.notEqual(a[NONCE_HEADER], b[NONCE_HEADER]);
  assert.notEqual(a[SIGNATURE_HEADER], b[SIGNATURE_HEADER]);
  const v = { method: 'GET', path: '/v1/highlights/c1', body: '', replay };
  assert.doesNotThrow(() => verifyRequest(input(a, v)));
  assert.doesNotThrow(() => verifyRequest(input(b, v)));
});

test('a failed verification does not burn the signature in the replay guard', () => {
  const replay = new ReplayGuard(600_000);
  const h = signedHeaders(SECRET, 'POST', '/v1/highlights', BODY, NOW);
  assert.throws(() => verifyRequest(input(h, { replay, body: 'tampered' })), code('SIGNATURE_INVALID'));
  assert.doesNotThrow(() => verifyRequest(input(h, { replay })));
});

test('no secret configured → UNAUTHORIZED even for a request signed with an empty secret', () => {
  const h = signedHeaders('', 'POST', '/v1/highlights', BODY, NOW);
  assert.throws(() => verifyRequest(input(h, { secret: '' })), code('UNAUTHORIZED'));
});

test('ReplayGuard forgets a signature after its ttl', () => {
  const g = new ReplayGuard(1000);
  assert.equal(g.claim('sig', NOW), true);
  assert.equal(g.claim('sig', NOW + 1000), false);
  assert.equal(g.claim('sig', NOW + 1001), true);
});
