import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  clipPrefix, clipVideoKey, jobKey, parseSegmentName, playlistKey, posterKey, segmentKey, segmentPrefix,
  sortableUtc, streamPrefix, streamStateKey, streamStopKey, HIGHLIGHT_TRIGGER_PREFIX,
} from '../../shared/domain/store-keys.ts';
import { isValidKey } from '../../shared/domain/ids.ts';
import { AppError } from '../../shared/domain/app-error.ts';

const invalidId = (err: unknown) => err instanceof AppError && err.code === 'INVALID_ID';

test('builders give the documented layout', () => {
  assert.equal(streamPrefix('s1'), 'streams/s1/');
  assert.equal(streamStateKey('s1'), 'streams/s1/stream.json');
  assert.equal(streamStopKey('s1'), 'streams/s1/stop.json');
  assert.equal(playlistKey('s1'), 'streams/s1/index.m3u8');
  assert.equal(segmentPrefix('s1'), 'streams/s1/seg/');
  assert.equal(clipPrefix('c1'), 'clips/c1/');
  assert.equal(jobKey('c1'), 'clips/c1/job.json');
  assert.equal(clipVideoKey('c1'), 'clips/c1/c1.mp4');
  assert.equal(posterKey('c1'), 'clips/c1/poster.jpg');
  assert.equal(HIGHLIGHT_TRIGGER_PREFIX, 'triggers/highlights/');
  for (const k of [streamStateKey('s1'), playlistKey('s1'), jobKey('c1'), clipVideoKey('c1'), posterKey('c1')]) {
    assert.equal(isValidKey(k), true, k);
  }
});

test('builders throw INVALID_ID for bad ids', () => {
  const builders: Array<(id: string) => string> = [
    streamPrefix, streamStateKey, streamStopKey, playlistKey, segmentPrefix, clipPrefix, jobKey, clipVideoKey, posterKey,
    (id) => segmentKey(id, new Date(0), 1),
  ];
  for (const build of builders) {
    for (const bad of ['../x', 'a/b', '', 'x'.repeat(129), 'é', '.']) {
      assert.throws(() => build(bad), invalidId, `${build.toString().slice(0, 40)} with ${JSON.stringify(bad)}`);
    }
  }
  assert.throws(() => clipVideoKey('../x'), invalidId);
});

test('sortableUtc is the ISO time without - and :', () => {
  assert.equal(sortableUtc(new Date('2026-11-28T07:20:12.345Z')), '20261128T072012.345Z');
  assert.equal(sortableUtc(new Date('2026-01-02T03:04:05.006Z')), '20260102T030405.006Z');
});

test('segmentKey has the documented shape and is a valid key', () => {
  const k = segmentKey('a', new Date('2026-11-28T07:20:12.345Z'), 1);
  assert.equal(k, 'streams/a/seg/20261128T072012.345Z-00000001.ts');
  assert.equal(isValidKey(k), true);
});

test('parseSegmentName inverts segmentKey', () => {
  const cases: Array<[string, number]> = [
    ['2026-11-28T07:20:12.345Z', 1],
    ['2026-01-01T00:00:00.000Z', 0],
    ['2027-12-31T23:59:59.999Z', 99_999_999],
  ];
  for (const [iso, seq] of cases) {
    const key = segmentKey('s', new Date(iso), seq);
    const name = key.slice(key.lastIndexOf('/') + 1);
    const parsed = parseSegmentName(name);
    assert.ok(parsed, name);
    assert.equal(parsed.start.toISOString(), iso);
    assert.equal(parsed.seq, seq);
  }
});

test('parseSegmentName returns null for other names', () => {
  for (const n of ['', 'index.m3u8', '20261128T072012.345Z-00000001.mp4', '20261128T072012Z-00000001.ts', '20261128T072012.345Z-1.ts',
    'x20261128T072012.345Z-00000001.ts', 'seg/20261128T072012.345Z-00000001.ts']) {
    assert.equal(parseSegmentName(n), null, n);
  }
});

test('segment keys sort in time order as plain strings', () => {
  const times = [
    '2026-11-28T07:20:12.345Z', '2026-11-28T07:20:12.346Z', '2026-11-28T07:20:13.001Z', '2026-11-28T09:59:59.999Z',
    '2026-11-28T10:00:00.000Z', '2026-11-29T00:00:00.000Z', '2026-12-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z',
  ];
  // seq numbers restart (a new recorder) and grow past a digit boundary, yet time decides the order
  const seqs = [9, 10, 99, 100, 1, 2, 12345, 0];
  const keys = times.map((t, i) => segmentKey('s', new Date(t), seqs[i]!));
  const shuffled = [...keys].reverse();
  shuffled.sort();
  assert.deepEqual(shuffled, keys);
  // and the same start with growing seq sorts by seq
  const same = [1, 2, 10, 100].map((q) => segmentKey('s', new Date(times[0]!), q));
  assert.deepEqual([...same].reverse().sort(), same);
});
