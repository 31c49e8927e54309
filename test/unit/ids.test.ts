import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertId, assertKey, assertPrefix, isValidId, isValidKey, randomId } from '../../shared/domain/ids.ts';
import { AppError } from '../../shared/domain/app-error.ts';

const isCode = (code: string) => (err: unknown) => err instanceof AppError && err.code === code;

test('isValidId accepts letters, digits, _ and - up to 128 chars', () => {
  for (const id of ['a', 'match_42', 'Stream-1', 'A_b-C', '0', 'x'.repeat(128)]) {
    assert.equal(isValidId(id), true, id);
  }
});

test('isValidId rejects empty, too long, path-like, unicode and non-strings', () => {
  for (const id of ['', 'x'.repeat(129), '../x', 'a/b', 'a.b', 'a b', 'é', 'strëam', '日本', 'abc\n', '\nabc', 'a\\b']) {
    assert.equal(isValidId(id), false, JSON.stringify(id));
  }
  for (const v of [undefined, null, 42, {}, ['a']]) assert.equal(isValidId(v), false);
});

test('assertId returns the id or throws INVALID_ID naming what was checked', () => {
  assert.equal(assertId('match_42'), 'match_42');
  assert.throws(() => assertId(''), isCode('INVALID_ID'));
  assert.throws(() => assertId('x'.repeat(129)), isCode('INVALID_ID'));
  assert.throws(() => assertId('../x'), isCode('INVALID_ID'));
  assert.throws(() => assertId('a/b'), isCode('INVALID_ID'));
  assert.throws(() => assertId('é'), isCode('INVALID_ID'));
  assert.throws(() => assertId(undefined, 'streamId'), (err: unknown) => isCode('INVALID_ID')(err) && /^streamId /.test((err as Error).message));
  try {
    assertId('../x');
    assert.fail('should throw');
  } catch (err) {
    assert.ok(err instanceof AppError);
    assert.equal(err.status, 400);
  }
});

test('isValidKey accepts store keys', () => {
  for (const k of ['streams/a/seg/20261128T072012.345Z-00000001.ts', 'a', 'clips/c1/c1.mp4', 'a/b_c/d-e.f', 'x'.repeat(1024)]) {
    assert.equal(isValidKey(k), true, k);
  }
});

test('isValidKey rejects keys that could escape or hide', () => {
  const bad = ['', '/abs', 'a//b', '../x', 'a/../b', '.hidden', 'a/.tmp/x', 'a/./b', '.', '..', 'a/', 'a\\b', '..\\x', 'a b', 'a/b c',
    'x'.repeat(1025), 'a/é', 'a\n', 'a?b', 'a%2Fb'];
  for (const k of bad) assert.equal(isValidKey(k), false, JSON.stringify(k.length > 40 ? `${k.slice(0, 10)}…(${k.length})` : k));
  for (const v of [undefined, null, 1, {}]) assert.equal(isValidKey(v), false);
});

test('assertKey returns the key or throws INVALID_KEY', () => {
  assert.equal(assertKey('a/b.json'), 'a/b.json');
  assert.throws(() => assertKey('../x'), isCode('INVALID_KEY'));
  assert.throws(() => assertKey(''), isCode('INVALID_KEY'));
});

test('assertPrefix accepts empty, keys, and keys ending in /', () => {
  assert.equal(assertPrefix(''), '');
  assert.equal(assertPrefix('streams/'), 'streams/');
  assert.equal(assertPrefix('streams/a/seg/'), 'streams/a/seg/');
  assert.equal(assertPrefix('streams/a/seg/2026'), 'streams/a/seg/2026');
});

test('assertPrefix rejects bad prefixes with INVALID_KEY', () => {
  for (const p of ['/', '/streams/', '../', 'a//', 'a/../', '.tmp/', 'a b/', 'streams//']) {
    assert.throws(() => assertPrefix(p), isCode('INVALID_KEY'), JSON.stringify(p));
  }
});

test('randomId gives distinct valid ids with the prefix', () => {
  const a = randomId('clip');
  const b = randomId('clip');
  assert.match(a, /^clip_[a-z0-9]{12}$/);
  assert.notEqual(a, b);
  assert.equal(isValidId(a), true);
});
