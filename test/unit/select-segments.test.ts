import { test } from 'node:test';
import assert from 'node:assert/strict';
import { selectSegments } from '../../shared/media/select-segments.ts';
import type { PlaylistSegment } from '../../shared/media/hls-playlist.ts';

const T0 = Date.parse('2026-11-28T07:00:00.000Z');
const at = (sec: number) => new Date(T0 + sec * 1000);

function seg(seq: number, startSec: number, durationSec: number, discontinuity = false): PlaylistSegment {
  return { uri: `seg/${seq}.ts`, seq, start: at(startSec), durationSec, discontinuity };
}

/** n contiguous 2 s segments starting at startSec. */
function contiguous(firstSeq: number, startSec: number, n: number, firstDisc = false): PlaylistSegment[] {
  return Array.from({ length: n }, (_, i) => seg(firstSeq + i, startSec + 2 * i, 2, firstDisc && i === 0));
}

const seqs = (s: PlaylistSegment[]) => s.map((x) => x.seq);

test('window inside contiguous segments', () => {
  const all = contiguous(0, 0, 10); // [0, 20)
  const sel = selectSegments(all, { start: at(5), end: at(11) });
  assert.ok(sel);
  assert.deepEqual(seqs(sel.segments), [2, 3, 4, 5]); // [4,6) [6,8) [8,10) [10,12)
  assert.equal(sel.actualStart.getTime(), at(4).getTime()); // start of first overlapping segment
  assert.equal(sel.actualEnd.getTime(), at(11).getTime()); // window end, not segment end
  assert.equal(sel.coversEnd, true);
  assert.deepEqual(sel.gaps, []);
});

test('input order does not matter: segments are sorted by start', () => {
  const all = contiguous(0, 0, 10).reverse();
  const sel = selectSegments(all, { start: at(5), end: at(11) });
  assert.ok(sel);
  assert.deepEqual(seqs(sel.segments), [2, 3, 4, 5]);
});

test('window reaching past the newest segment', () => {
  const all = contiguous(0, 0, 5); // [0, 10)
  const sel = selectSegments(all, { start: at(6), end: at(15) });
  assert.ok(sel);
  assert.deepEqual(seqs(sel.segments), [3, 4]);
  assert.equal(sel.actualStart.getTime(), at(6).getTime());
  assert.equal(sel.coversEnd, false);
  assert.equal(sel.actualEnd.getTime(), at(10).getTime()); // last segment end
  assert.deepEqual(sel.gaps, [{ start: at(10), end: at(15) }]);
});

test('window starting before the oldest segment reports a leading gap', () => {
  const all = contiguous(0, 10, 5); // [10, 20)
  const sel = selectSegments(all, { start: at(4), end: at(13) });
  assert.ok(sel);
  assert.deepEqual(seqs(sel.segments), [0, 1]);
  assert.equal(sel.actualStart.getTime(), at(10).getTime());
  assert.equal(sel.actualEnd.getTime(), at(13).getTime());
  assert.equal(sel.coversEnd, true);
  assert.deepEqual(sel.gaps, [{ start: at(4), end: at(10) }]);
});

test('window entirely before (or after) all segments gives null', () => {
  const all = contiguous(0, 100, 5); // [100, 110)
  assert.equal(selectSegments(all, { start: at(10), end: at(50) }), null);
  assert.equal(selectSegments(all, { start: at(200), end: at(210) }), null);
  assert.equal(selectSegments([], { start: at(0), end: at(10) }), null);
});

test('segments touching the window only at its boundary are excluded', () => {
  const all = contiguous(0, 0, 10); // [0, 20)
  // window [4, 8): segment [2,4) ends at window start, segment [8,10) starts at window end
  const sel = selectSegments(all, { start: at(4), end: at(8) });
  assert.ok(sel);
  assert.deepEqual(seqs(sel.segments), [2, 3]);
  assert.equal(sel.actualStart.getTime(), at(4).getTime());
  assert.equal(sel.actualEnd.getTime(), at(8).getTime());
  assert.equal(sel.coversEnd, true);
  assert.deepEqual(sel.gaps, []);
  // window that only touches the end of the recording
  assert.equal(selectSegments(all, { start: at(20), end: at(25) }), null);
});

test('recorder restart (time hole) inside the window: the later, longer run wins and the gap is reported', () => {
  // run A [0, 6), hole, run B [9, 21) flagged as a discontinuity
  const all = [...contiguous(0, 0, 3), ...contiguous(3, 9, 6, true)];
  const sel = selectSegments(all, { start: at(4), end: at(16) });
  assert.ok(sel);
  // A has 2 s in the window, B has 7 s
  assert.deepEqual(seqs(sel.segments), [3, 4, 5, 6]);
  assert.equal(sel.actualStart.getTime(), at(9).getTime());
  assert.equal(sel.actualEnd.getTime(), at(16).getTime());
  assert.equal(sel.coversEnd, true);
  assert.deepEqual(sel.gaps, [{ start: at(4), end: at(9) }]);
});

test('recorder restart inside the window: the earlier, longer run wins and the gap is reported', () => {
  // run A [0, 12), hole, run B [13, 19)
  const all = [...contiguous(0, 0, 6), ...contiguous(6, 13, 3, true)];
  const sel = selectSegments(all, { start: at(3), end: at(15) });
  assert.ok(sel);
  // A has 9 s in the window, B has 2 s
  assert.deepEqual(seqs(sel.segments), [1, 2, 3, 4, 5]);
  assert.equal(sel.actualStart.getTime(), at(2).getTime());
  assert.equal(sel.actualEnd.getTime(), at(12).getTime());
  assert.equal(sel.coversEnd, true, 'a later run reaches the end, so waiting cannot help');
  assert.deepEqual(sel.gaps, [{ start: at(12), end: at(15) }]);
});

test('a discontinuity flag alone (no time hole) splits the runs', () => {
  // contiguous in time, but seq 3 follows a restart
  const all = [...contiguous(0, 0, 3), ...contiguous(3, 6, 3, true)]; // [0,6) | [6,12)
  const sel = selectSegments(all, { start: at(1), end: at(7) });
  assert.ok(sel);
  // A: 5 s in window, B: 1 s
  assert.deepEqual(seqs(sel.segments), [0, 1, 2]);
  assert.equal(sel.actualEnd.getTime(), at(6).getTime());
  assert.equal(sel.coversEnd, true, 'a later run reaches the end, so waiting cannot help');
  assert.deepEqual(sel.gaps, [{ start: at(6), end: at(7) }]);
});

test('a time hole above 250 ms without a discontinuity flag splits the runs; 200 ms does not', () => {
  const a = contiguous(0, 0, 3); // [0, 6)
  const split = [...a, seg(3, 6.3, 2), seg(4, 8.3, 2), seg(5, 10.3, 2)]; // 300 ms hole
  const s1 = selectSegments(split, { start: at(5), end: at(12) });
  assert.ok(s1);
  assert.deepEqual(seqs(s1.segments), [3, 4, 5]);
  assert.equal(s1.actualStart.getTime(), at(6.3).getTime());
  assert.deepEqual(s1.gaps, [{ start: at(5), end: at(6.3) }]);

  const joined = [...a, seg(3, 6.2, 2), seg(4, 8.2, 2), seg(5, 10.2, 2)]; // 200 ms: same run
  const s2 = selectSegments(joined, { start: at(5), end: at(12) });
  assert.ok(s2);
  assert.deepEqual(seqs(s2.segments), [2, 3, 4, 5]);
  assert.equal(s2.actualStart.getTime(), at(4).getTime());
  assert.equal(s2.coversEnd, true);
  assert.deepEqual(s2.gaps, []);
});
