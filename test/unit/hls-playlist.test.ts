import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePlaylist, segmentEnd, writePlaylist, type Playlist, type PlaylistSegment } from '../../shared/media/hls-playlist.ts';
import { AppError } from '../../shared/domain/app-error.ts';

const t0 = Date.parse('2026-11-28T07:20:12.345Z');

function seg(seq: number, startMs: number, durationSec: number, discontinuity = false): PlaylistSegment {
  return { uri: `seg/${seq}.ts`, seq, start: new Date(startMs), durationSec, discontinuity };
}

const sample = (): Playlist => ({
  segments: [
    seg(41, t0, 2),
    seg(42, t0 + 2000, 2.002),
    // a recorder restart: 5 s hole, then a discontinuity
    seg(43, t0 + 9_001, 1.5, true),
    seg(44, t0 + 10_501, 3.2),
  ],
  discontinuitySequence: 3,
  ended: true,
});

test('round trip keeps segments, discontinuity, ENDLIST and discontinuity sequence', () => {
  const p = sample();
  const back = parsePlaylist(writePlaylist(p));
  assert.equal(back.segments.length, 4);
  assert.equal(back.ended, true);
  assert.equal(back.discontinuitySequence, 3);
  assert.equal(back.playlistType, undefined);
  back.segments.forEach((s, i) => {
    const orig = p.segments[i]!;
    assert.equal(s.uri, orig.uri);
    assert.equal(s.seq, orig.seq);
    assert.equal(s.start.getTime(), orig.start.getTime(), `start of segment ${i} to the millisecond`);
    assert.equal(s.durationSec, orig.durationSec);
    assert.equal(s.discontinuity, orig.discontinuity, `discontinuity of segment ${i}`);
  });
  assert.deepEqual(back.segments.map((s) => s.discontinuity), [false, false, true, false]);
});

test('not ended and zero discontinuity sequence round trip as such', () => {
  const p: Playlist = { ...sample(), ended: false, discontinuitySequence: 0, playlistType: 'EVENT' };
  const text = writePlaylist(p);
  assert.ok(!text.includes('#EXT-X-ENDLIST'));
  const back = parsePlaylist(text);
  assert.equal(back.ended, false);
  assert.equal(back.discontinuitySequence, 0);
  assert.equal(back.playlistType, 'EVENT');
});

test('written text has PROGRAM-DATE-TIME before every segment, with milliseconds', () => {
  const p = sample();
  const text = writePlaylist(p);
  const lines = text.trim().split('\n');
  const pdt = lines.filter((l) => l.startsWith('#EXT-X-PROGRAM-DATE-TIME:'));
  assert.equal(pdt.length, p.segments.length);
  assert.deepEqual(pdt.map((l) => l.slice('#EXT-X-PROGRAM-DATE-TIME:'.length)), p.segments.map((s) => s.start.toISOString()));
  assert.ok(text.includes('#EXT-X-PROGRAM-DATE-TIME:2026-11-28T07:20:12.345Z'));
  // each URI line is preceded (within its tag block) by its own PDT line
  for (const s of p.segments) {
    const uriIdx = lines.indexOf(s.uri);
    assert.ok(uriIdx > 1);
    assert.equal(lines[uriIdx - 2], `#EXT-X-PROGRAM-DATE-TIME:${s.start.toISOString()}`);
    assert.match(lines[uriIdx - 1]!, /^#EXTINF:\d+\.\d{3},$/);
  }
  assert.equal(lines.filter((l) => l === '#EXT-X-DISCONTINUITY').length, 1);
  assert.equal(lines[0], '#EXTM3U');
  assert.equal(lines[lines.length - 1], '#EXT-X-ENDLIST');
});

test('MEDIA-SEQUENCE equals the first segment seq and TARGETDURATION is the ceil of the longest', () => {
  const text = writePlaylist(sample());
  assert.match(text, /^#EXT-X-MEDIA-SEQUENCE:41$/m);
  assert.match(text, /^#EXT-X-TARGETDURATION:4$/m); // ceil(3.2)
  assert.match(text, /^#EXT-X-DISCONTINUITY-SEQUENCE:3$/m);

  const exact = writePlaylist({ segments: [seg(7, t0, 2), seg(8, t0 + 2000, 2)], discontinuitySequence: 0, ended: false });
  assert.match(exact, /^#EXT-X-TARGETDURATION:2$/m);
  assert.match(exact, /^#EXT-X-MEDIA-SEQUENCE:7$/m);
  assert.doesNotMatch(exact, /DISCONTINUITY-SEQUENCE/);
  const back = parsePlaylist(exact);
  assert.deepEqual(back.segments.map((s) => s.seq), [7, 8]);
});

test('a discontinuity flag on the first segment is not written (nothing precedes it)', () => {
  const text = writePlaylist({ segments: [seg(1, t0, 2, true), seg(2, t0 + 2000, 2)], discontinuitySequence: 0, ended: false });
  assert.doesNotMatch(text, /^#EXT-X-DISCONTINUITY$/m);
});

test('segmentEnd is start + duration', () => {
  assert.equal(segmentEnd(seg(1, t0, 2.5)).getTime(), t0 + 2500);
});

test('a playlist without PROGRAM-DATE-TIME is refused', () => {
  const text = ['#EXTM3U', '#EXT-X-VERSION:3', '#EXT-X-TARGETDURATION:2', '#EXT-X-MEDIA-SEQUENCE:0',
    '#EXTINF:2.000,', 'seg/a.ts', '#EXTINF:2.000,', 'seg/b.ts', '#EXT-X-ENDLIST', ''].join('\n');
  assert.throws(() => parsePlaylist(text), (err: unknown) => err instanceof AppError && err.code === 'BAD_REQUEST' && /PROGRAM-DATE-TIME/.test(err.message));
});
