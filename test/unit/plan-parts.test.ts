import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PlaylistSegment } from '../../shared/media/hls-playlist.ts';
import { planParts } from '../../shared/media/plan-parts.ts';

const T0 = Date.parse('2026-11-28T08:00:00.000Z');
const at = (s: number) => new Date(T0 + s * 1000);
/** n contiguous segments of dur seconds from t=0. */
const segs = (n: number, dur = 2): PlaylistSegment[] =>
  Array.from({ length: n }, (_, i) => ({ uri: `seg/${i}.ts`, seq: i, start: at(i * dur), durationSec: dur, discontinuity: false }));
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

test('K parts over a segment-aligned window: boundaries on segment starts, lengths even, no overlap', () => {
  const parts = planParts(segs(15), { start: at(0), end: at(30) }, { fps: 30, parts: 5 });
  assert.equal(parts.length, 5);
  assert.deepEqual(parts.map((p) => p.segments.length), [3, 3, 3, 3, 3]);
  assert.deepEqual(parts.map((p) => p.clipStartSec), [0, 6, 12, 18, 24]);
  assert.ok(parts.every((p) => p.trimStartSec === 0 && p.durationSec === 6));
  assert.ok(parts.every((p) => JSON.stringify(p.keyframes) === '[60,120]'), 'forced keyframes where the 2nd and 3rd segments begin');
  assert.deepEqual(parts.flatMap((p) => p.segments.map((s) => s.seq)), Array.from({ length: 15 }, (_, i) => i), 'every segment once, in order');
});

test('the first part trims to the exact start, the last ends at the exact end; durations add up to the window', () => {
  const parts = planParts(segs(15), { start: at(1.3), end: at(28.7) }, { fps: 30, parts: 4 });
  assert.equal(parts[0]!.trimStartSec.toFixed(3), '1.300');
  assert.equal(parts[0]!.startFrame, 39);
  assert.equal(parts[0]!.keyframes[0], 60 - 39, 'the first part\'s keyframes are counted from its trimmed start');
  assert.ok(parts.slice(1).every((p) => p.trimStartSec === 0));
  assert.ok(Math.abs(sum(parts.map((p) => p.durationSec)) - 27.4) < 1e-9);
  for (let i = 1; i < parts.length; i++) {
    const prev = parts[i - 1]!;
    assert.ok(Math.abs(prev.clipStartSec + prev.durationSec - parts[i]!.clipStartSec) < 1e-9, 'parts are back to back');
    assert.equal(parts[i]!.segments[0]!.seq, prev.segments.at(-1)!.seq + 1);
  }
  // the last segment (28–30 s) is read but only 0.7 s of it is used
  assert.equal(parts.at(-1)!.segments.at(-1)!.seq, 14);
});

test('never more parts than segments; K=1 is one part; partSec picks K by length', () => {
  assert.equal(planParts(segs(3), { start: at(0), end: at(6) }, { fps: 30, parts: 8 }).length, 3);
  const one = planParts(segs(15), { start: at(0), end: at(30) }, { fps: 30, parts: 1 });
  assert.equal(one.length, 1);
  assert.equal(one[0]!.segments.length, 15);
  assert.equal(planParts(segs(15), { start: at(0), end: at(30) }, { fps: 30, partSec: 4 }).length, 8); // ceil(30/4)
  assert.equal(planParts(segs(15), { start: at(0), end: at(30) }, { fps: 30, partSec: 30 }).length, 1);
  assert.equal(planParts(segs(15), { start: at(0), end: at(30) }, { fps: 30, partSec: 2 }).length, 15);
});

test('uneven K: boundaries go to the nearest segment start and each part gets at least one segment', () => {
  const parts = planParts(segs(15), { start: at(0), end: at(30) }, { fps: 30, parts: 2 });
  assert.deepEqual(parts.map((p) => p.durationSec), [14, 16], 'a tie goes to the earlier segment start');
  const eight = planParts(segs(15), { start: at(0), end: at(30) }, { fps: 30, parts: 8 });
  assert.equal(eight.length, 8);
  assert.ok(eight.every((p) => p.segments.length >= 1 && p.segments.length <= 2));
  assert.equal(sum(eight.map((p) => p.durationSec)), 30);
});

test('segments outside the window are not read; an empty overlap plans nothing', () => {
  const parts = planParts(segs(15), { start: at(10.5), end: at(13) }, { fps: 30, parts: 4 });
  assert.deepEqual(parts.flatMap((p) => p.segments.map((s) => s.seq)), [5, 6]);
  assert.deepEqual(planParts(segs(3), { start: at(100), end: at(110) }, { fps: 30, parts: 2 }), []);
});

test('parts hold whole frames that add up to exactly the window\'s frames (nearest-frame edges)', () => {
  const fps = 15;
  const run = segs(6, 1);
  for (const [a, b, k] of [[1.52, 4.28, 3], [0.03, 5.97, 6], [2.5, 2.9, 2], [0, 6, 4]] as const) {
    const parts = planParts(run, { start: at(a), end: at(b) }, { fps, parts: k });
    assert.equal(sum(parts.map((p) => p.frames)), Math.round(b * fps) - Math.round(a * fps), `${a}..${b}`);
    assert.ok(parts.every((p) => Number.isInteger(p.frames) && p.frames > 0 && Number.isInteger(p.startFrame)));
    const firstFrameMs = parts[0]!.segments[0]!.start.getTime() + (parts[0]!.startFrame / fps) * 1000;
    assert.ok(Math.abs(firstFrameMs - (T0 + (Math.round(a * fps) / fps) * 1000)) < 1, 'the first frame is the one nearest the asked start');
    parts.slice(1).forEach((p) => assert.equal(p.startFrame, 0));
  }
});
