/*
 * Frame-accurate cuts from recorder-like TS segments (shared/media/precise-cut.ts).
 *
 * The sources are generated here (no committed media): 256x144, 25 fps, a keyframe every second,
 * cut by the segment muxer into 1 s MPEG-TS segments exactly as the recorder encodes (but not paced
 * in real time), with a sine as audio. Every picture shows its own frame number N as black/white
 * vertical bars (test/helpers/frame-index.ts), which survive lossy re-encoding, so the test reads
 * back which source frames the clip holds.
 *
 * Measured by hand once (2 cores, 2018 static ffmpeg, machine otherwise idle): 720p30 testsrc2 +
 * mono sine, recorder encode, 2 s segments, a 30 s window 5.3–35.3 s (both edges mid-GOP):
 *   smart cut     1.27–1.43 s wall (2 s of video re-encoded; probe 0.13, boundary encodes 0.45–0.7
 *                 each in parallel with the AAC encode 0.9–1.1, join 0.12, MP4 check 0.06)
 *   full re-encode 6.3–6.8 s wall (libx264 veryfast, 2 threads, + AAC)
 * The AAC encode of 30 s (~0.6 s CPU with this build) is the smart cut's longest single step.
 * The cuts below log their own wall time.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { preciseCut, type PreciseCutResult } from '../../shared/media/precise-cut.ts';
import { probeMedia } from '../../shared/media/probe-media.ts';
import { runFfmpeg } from '../../shared/media/run-ffmpeg.ts';
import { frameIndexSource, readFrameIndexes } from '../helpers/frame-index.ts';
import { decodeErrors, topLevelBoxes } from '../helpers/media-checks.ts';

const W = 256;
const H = 144;
const FPS = 25;
const SECONDS = 6;

interface Source {
  files: string[];
  durations: number[];
}

let root: string;
let h264: Source;

/** Recorder-like segments (see recorder-args.ts encodeArgs), without -re. */
async function makeSource(name: string, video: string[]): Promise<Source> {
  const dir = path.join(root, name);
  await mkdir(dir);
  const { stdout } = await runFfmpeg([
    '-hide_banner', '-loglevel', 'error',
    '-f', 'lavfi', '-i', frameIndexSource(W, H, FPS),
    '-f', 'lavfi', '-i', 'sine=frequency=440:beep_factor=4:sample_rate=48000',
    '-t', String(SECONDS), '-map', '0:v', '-map', '1:a',
    ...video,
    '-c:a', 'aac', '-b:a', '128k', '-ar', '48000',
    '-f', 'segment', '-segment_time', '1', '-segment_format', 'mpegts',
    '-segment_list', 'pipe:1', '-segment_list_type', 'csv',
    `${dir}/seg_%08d.ts`,
  ], { what: `make ${name} source` });
  const rows = stdout.trim().split('\n').map((l) => l.split(','));
  return {
    files: rows.map((r) => path.join(dir, r[0]!)),
    durations: rows.map((r) => Number(r[2]) - Number(r[1])),
  };
}

const X264 = ['-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency', '-pix_fmt', 'yuv420p',
  '-g', String(FPS), '-keyint_min', String(FPS), '-sc_threshold', '0', '-force_key_frames', 'expr:gte(t,n_forced*1)'];

/**
 * The source frame nearest to t (seconds from the start of files[0], the playlist's convention).
 * Segment k >= 1 starts with frame 25k; segment 0 starts with the audio, whose AAC priming puts
 * the first video frame (durations[0] - 1) s after the segment's start.
 */
function frameAt(src: Source, t: number): number {
  let start = 0;
  for (let k = 0; k < src.durations.length; k++) {
    const d = src.durations[k]!;
    if (t < start + d || k === src.durations.length - 1) {
      const offset = k === 0 ? d - 1 : 0;
      return FPS * k + Math.round((t - start - offset) * FPS);
    }
    start += d;
  }
  throw new Error('unreachable');
}

/** Decoded audio sample count (mono s16). */
async function audioSamples(file: string): Promise<number> {
  const raw = `${file}.pcm`;
  await runFfmpeg(['-v', 'error', '-y', '-i', file, '-map', '0:a:0', '-f', 's16le', '-ac', '1', '-ar', '48000', raw], { what: 'decode audio' });
  return (await readFile(raw)).length / 2;
}

let n = 0;
async function cut(src: Source, startSec: number, endSec: number): Promise<{ out: string; r: PreciseCutResult }> {
  const workDir = path.join(root, `work-${++n}`);
  await mkdir(workDir);
  const out = path.join(root, `clip-${n}.mp4`);
  const t0 = performance.now();
  const r = await preciseCut({ files: src.files, segmentDurations: src.durations, startSec, endSec, out, workDir });
  console.log(`preciseCut ${startSec}–${endSec} s: ${r.method}${r.reason ? ` (${r.reason})` : ''}, re-encoded ${r.reencodedSec} s, ${((performance.now() - t0) / 1000).toFixed(3)} s wall`);
  await rm(workDir, { recursive: true });
  return { out, r };
}

/** The clip holds exactly the planned frames, consecutively, and decodes cleanly. */
async function assertExact(src: Source, out: string, startSec: number, endSec: number): Promise<void> {
  const first = frameAt(src, startSec);
  const last = frameAt(src, endSec) - 1;
  const got = await readFrameIndexes(out);
  assert.equal(got[0], first, `first frame ${got[0]}, expected ${first}`);
  assert.equal(got.at(-1), last, `last frame ${got.at(-1)}, expected ${last}`);
  assert.equal(got.length, last - first + 1, 'frame count');
  got.forEach((f, i) => assert.equal(f, first + i, `frame ${i} is source frame ${f}`));
  if (src === h264) {
    // Also within one frame of plain seconds * fps (the recorder's first segment starts with the
    // AAC priming, 21 ms before the first picture; a B-frame source's starts earlier still).
    assert.ok(Math.abs(got[0]! - Math.round(startSec * FPS)) <= 1, `first ${got[0]} vs ${startSec} s`);
    assert.ok(Math.abs(got.at(-1)! - (Math.ceil(endSec * FPS) - 1)) <= 1, `last ${got.at(-1)} vs ${endSec} s`);
  }
  assert.equal(await decodeErrors(out), '');
  const info = await probeMedia(out);
  assert.equal(info.video?.codec, 'h264');
  assert.ok(Math.abs(info.durationSec - (endSec - startSec)) <= 1 / FPS, `duration ${info.durationSec}`);
}

before(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'hl-precise-'));
  h264 = await makeSource('h264', X264);
});
after(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

test('window with both edges mid-GOP: smart cut, frame-exact, audio once and in sync, faststart', async () => {
  const startSec = 1.52;
  const endSec = 4.28;
  const { out, r } = await cut(h264, startSec, endSec);
  assert.equal(r.method, 'smart-cut', r.reason);
  assert.equal(r.reason, undefined);
  // Only the two boundary GOP parts: 0.52 s of segment 1 and 0.24 s of segment 4 (±1 frame each).
  assert.ok(r.reencodedSec > 0.6 && r.reencodedSec < 0.9, `re-encoded ${r.reencodedSec} s`);
  await assertExact(h264, out, startSec, endSec);

  const info = await probeMedia(out);
  assert.equal(info.audio?.codec, 'aac');
  assert.equal(info.video?.width, W);
  assert.ok(Math.abs(info.audio!.startSec - info.video!.startSec) < 1 / FPS, `audio starts ${info.audio!.startSec}, video ${info.video!.startSec}`);
  // Decoded audio covers the video's span without gaps (within 2 AAC frames).
  const videoSec = (frameAt(h264, endSec) - frameAt(h264, startSec)) / FPS;
  const samples = await audioSamples(out);
  assert.ok(Math.abs(samples - videoSec * 48_000) <= 2048, `${samples} samples for ${videoSec} s`);
  const boxes = await topLevelBoxes(out);
  assert.ok(boxes.indexOf('moov') >= 0 && boxes.indexOf('moov') < boxes.indexOf('mdat'), `boxes ${boxes.join(',')}`);
});

test('window inside one segment: a single re-encoded piece, frame-exact', async () => {
  const { out, r } = await cut(h264, 2.2, 2.7);
  assert.equal(r.method, 'smart-cut', r.reason);
  assert.ok(Math.abs(r.reencodedSec - 0.52) <= 0.041, `re-encoded ${r.reencodedSec} s`);
  await assertExact(h264, out, 2.2, 2.7);
  const info = await probeMedia(out);
  assert.ok(Math.abs(info.audio!.startSec - info.video!.startSec) < 1 / FPS);
});

test('window starting exactly on a segment boundary: no head re-encode, frame-exact', async () => {
  const segStart = h264.durations[0]! + h264.durations[1]!; // start of segment 2
  const { out, r } = await cut(h264, segStart, 4.6);
  assert.equal(r.method, 'smart-cut', r.reason);
  // Only the tail: 4.6 s is 0.58 s into segment 4.
  assert.ok(r.reencodedSec > 0.5 && r.reencodedSec < 0.65, `re-encoded ${r.reencodedSec} s`);
  await assertExact(h264, out, segStart, 4.6);

  // Both edges on segment boundaries: nothing re-encoded at all.
  const segEnd = segStart + h264.durations[2]! + h264.durations[3]!;
  const both = await cut(h264, segStart, segEnd);
  assert.equal(both.r.method, 'smart-cut', both.r.reason);
  assert.equal(both.r.reencodedSec, 0);
  await assertExact(h264, both.out, segStart, segEnd);
});

test('a source that is not H.264 (MPEG-2 video in TS) falls back to a frame-exact full re-encode', async () => {
  const mpeg2 = await makeSource('mpeg2', ['-c:v', 'mpeg2video', '-q:v', '4', '-g', String(FPS), '-bf', '2', '-flags', '+cgop',
    '-sc_threshold', '1000000000', '-force_key_frames', 'expr:gte(t,n_forced*1)']);
  const { out, r } = await cut(mpeg2, 1.52, 4.28);
  assert.equal(r.method, 'full-reencode');
  assert.match(r.reason ?? '', /mpeg2video/);
  assert.ok(Math.abs(r.reencodedSec - 2.76) <= 0.041);
  await assertExact(mpeg2, out, 1.52, 4.28);
  const info = await probeMedia(out);
  assert.equal(info.audio?.codec, 'aac');
  assert.ok(Math.abs(info.audio!.startSec - info.video!.startSec) < 1 / FPS);
});

test('an H.264 source with B-frames falls back too (reorder depth would break the joins)', async () => {
  const bframes = await makeSource('bframes', ['-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-bf', '2',
    '-g', String(FPS), '-keyint_min', String(FPS), '-sc_threshold', '0', '-force_key_frames', 'expr:gte(t,n_forced*1)']);
  const { out, r } = await cut(bframes, 1.52, 4.28);
  assert.equal(r.method, 'full-reencode');
  assert.match(r.reason ?? '', /B-frames/);
  await assertExact(bframes, out, 1.52, 4.28);
});

test('an H.264 source whose parameter sets the boundary encode cannot reproduce falls back (SPS check)', async () => {
  // x264 "medium" keeps 3 reference frames (veryfast keeps 1): max_num_ref_frames differs in the SPS.
  const medium = await makeSource('medium', ['-c:v', 'libx264', '-preset', 'medium', '-bf', '0', '-pix_fmt', 'yuv420p',
    '-g', String(FPS), '-keyint_min', String(FPS), '-sc_threshold', '0', '-force_key_frames', 'expr:gte(t,n_forced*1)']);
  const { out, r } = await cut(medium, 1.52, 4.28);
  assert.equal(r.method, 'full-reencode');
  assert.match(r.reason ?? '', /SPS differs/);
  await assertExact(medium, out, 1.52, 4.28);
});
