import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyRetention } from '../../shared/streams/retention.ts';
import type { Playlist, PlaylistSegment } from '../../shared/media/hls-playlist.ts';

const T0 = Date.parse('2026-11-28T07:00:00.000Z');
const at = (sec: number) => new Date(T0 + sec * 1000);

/** Segments of 2 s: seq i spans [2i, 2i+2). */
function playlist(discAt: number[] = [], discontinuitySequence = 0): Playlist {
  const segments: PlaylistSegment[] = Array.from({ length: 6 }, (_, i) => ({
    uri: `seg/${i}.ts`, seq: i, start: at(2 * i), durationSec: 2, discontinuity: discAt.includes(i),
  }));
  return { segments, discontinuitySequence, ended: false };
}

const seqs = (s: PlaylistSegment[]) => s.map((x) => x.seq);

test('expires segments that ended before the cutoff and keeps the rest', () => {
  const p = playlist();
  const { playlist: kept, expired } = applyRetention(p, at(5));
  assert.deepEqual(seqs(expired), [0, 1]); // ended at 2 and 4
  assert.deepEqual(seqs(kept.segments), [2, 3, 4, 5]); // [4,6) ends after the cutoff
  assert.equal(kept.discontinuitySequence, 0);
  assert.equal(kept.ended, false);
});

test('a segment ending exactly at the cutoff is kept', () => {
  const { playlist: kept, expired } = applyRetention(playlist(), at(4));
  assert.deepEqual(seqs(expired), [0]);
  assert.deepEqual(seqs(kept.segments), [1, 2, 3, 4, 5]);
});

test('nothing expires when the cutoff is before every segment end', () => {
  const p = playlist([3], 2);
  const { playlist: kept, expired } = applyRetention(p, at(1));
  assert.deepEqual(expired, []);
  assert.deepEqual(seqs(kept.segments), [0, 1, 2, 3, 4, 5]);
  assert.equal(kept.discontinuitySequence, 2);
  assert.equal(kept.segments[3]!.discontinuity, true);
});

test('removing a non-first segment that carried a discontinuity advances the sequence', () => {
  const p = playlist([2], 5);
  const { playlist: kept, expired } = applyRetention(p, at(7)); // removes 0,1,2
  assert.deepEqual(seqs(expired), [0, 1, 2]);
  assert.deepEqual(seqs(kept.segments), [3, 4, 5]);
  assert.equal(kept.discontinuitySequence, 6);
});

test('the first removed segment does not count its own discontinuity flag', () => {
  // The first segment's flag is never written (nothing precedes it), so removing it changes nothing.
  const p = playlist([0], 5);
  const { playlist: kept } = applyRetention(p, at(3));
  assert.deepEqual(seqs(kept.segments), [1, 2, 3, 4, 5]);
  assert.equal(kept.discontinuitySequence, 5);
});

test('a new first segment with a discontinuity advances the sequence and loses its flag', () => {
  const p = playlist([2], 1);
  const { playlist: kept, expired } = applyRetention(p, at(4.5)); // removes 0 and 1; seg 2 becomes first
  assert.deepEqual(seqs(expired), [0, 1]);
  assert.equal(kept.segments[0]!.seq, 2);
  assert.equal(kept.segments[0]!.discontinuity, false);
  assert.equal(kept.discontinuitySequence, 2);
  // the input playlist is not modified
  assert.equal(p.segments[2]!.discontinuity, true);
  assert.equal(p.discontinuitySequence, 1);
});

test('both rules together count every removed discontinuity', () => {
  const p = playlist([1, 3, 4], 0);
  const { playlist: kept, expired } = applyRetention(p, at(8.5)); // removes 0..3, seg 4 (disc) becomes first
  assert.deepEqual(seqs(expired), [0, 1, 2, 3]);
  assert.deepEqual(seqs(kept.segments), [4, 5]);
  assert.equal(kept.discontinuitySequence, 3);
  assert.deepEqual(kept.segments.map((s) => s.discontinuity), [false, false]);
});

test('everything expires', () => {
  const p = playlist([2], 0);
  const { playlist: kept, expired } = applyRetention(p, at(100));
  assert.equal(expired.length, 6);
  assert.deepEqual(kept.segments, []);
  assert.equal(kept.discontinuitySequence, 1);
});
