/*
 * Mixed room recording (shared/media/mix-args.ts) against the real ffmpeg.
 *
 * Three "users" are generated here (no committed media): 320x180 testsrc2 at 15 fps with a sine at
 * a different frequency each, 3 s, libx264 ultrafast + AAC in MPEG-TS, plus a fourth that lasts 1 s
 * (a user who leaves early). The mixes run with the arguments mixArgs builds, and are inspected with
 * `ffmpeg -i` (parseStreamLines from inspect-media.ts): never ffprobe on .ts, the npm ffprobe
 * builds crash on MPEG-TS. Pixels are read from one decoded rgb24 frame.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { resolveFfmpeg } from '../../shared/media/ffmpeg-binaries.ts';
import { parseStreamLines, type StreamSummary } from '../../shared/media/inspect-media.ts';
import { mixArgs, type MixArgsInput } from '../../shared/media/mix-args.ts';
import { mixLayout } from '../../shared/media/mix-layout.ts';
import { runFfmpeg } from '../../shared/media/run-ffmpeg.ts';

const CANVAS = { width: 640, height: 360, fps: 15 };
const TIMEOUT = 60_000;

let root: string;
let users: string[];
let shortUser: string;

async function makeUser(name: string, frequency: number, seconds: number): Promise<string> {
  const file = path.join(root, `${name}.ts`);
  await runFfmpeg([
    '-hide_banner', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=15',
    '-f', 'lavfi', '-i', `sine=frequency=${frequency}:sample_rate=48000`,
    '-t', String(seconds), '-map', '0:v', '-map', '1:a',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac',
    '-f', 'mpegts', file,
  ], { what: `make ${name}` });
  return file;
}

/** Run ffmpeg mixing `files` with mixArgs, then the output options; returns the output path. */
async function mix(name: string, files: string[], media: MixArgsInput['media'], outputArgs: string[]): Promise<string> {
  const out = path.join(root, `${name}.ts`);
  const args = mixArgs({ inputs: files.map((url) => ({ url })), media, canvas: CANVAS, segmentSec: 2 });
  await runFfmpeg(['-hide_banner', '-loglevel', 'error', '-y', ...args, ...outputArgs, '-f', 'mpegts', out], {
    what: `mix ${name}`, signal: AbortSignal.timeout(30_000),
  });
  return out;
}

interface Inspection {
  summary: StreamSummary;
  videoStreams: number;
  audioLines: string[];
  durationSec: number;
}

/** `ffmpeg -i file` (exits non-zero by design without an output): streams and duration from stderr. */
function inspect(file: string): Promise<Inspection> {
  return new Promise((resolve, reject) => {
    const child = spawn(resolveFfmpeg().ffmpeg, ['-hide_banner', '-i', file], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('error', reject);
    child.on('close', () => {
      const streams = stderr.split('\n').filter((l) => /^\s*Stream #/.test(l));
      const d = /Duration: (\d+):(\d+):([\d.]+)/.exec(stderr);
      resolve({
        summary: parseStreamLines(stderr),
        videoStreams: streams.filter((l) => /: Video: /.test(l)).length,
        audioLines: streams.filter((l) => /: Audio: /.test(l)),
        durationSec: d ? Number(d[1]) * 3600 + Number(d[2]) * 60 + Number(d[3]) : NaN,
      });
    });
  });
}

interface Frame {
  mean(x0: number, y0: number, x1: number, y1: number): number;
  max(x0: number, y0: number, x1: number, y1: number): number;
}

/** One decoded frame (the first at or after atSec) as rgb24, with region statistics over all channels. */
async function frameAt(file: string, atSec: number): Promise<Frame> {
  const raw = path.join(root, `${path.basename(file, '.ts')}-${atSec}.rgb`);
  await runFfmpeg(['-hide_banner', '-loglevel', 'error', '-y', '-i', file, '-ss', String(atSec), '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', raw], { what: 'decode frame' });
  const buf = await readFile(raw);
  assert.equal(buf.length, CANVAS.width * CANVAS.height * 3, 'one full canvas-sized rgb24 frame');
  const region = (x0: number, y0: number, x1: number, y1: number) => {
    const values: number[] = [];
    for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) for (let c = 0; c < 3; c++) values.push(buf[(y * CANVAS.width + x) * 3 + c]!);
    return values;
  };
  return {
    mean: (...r) => { const v = region(...r); return v.reduce((a, b) => a + b, 0) / v.length; },
    max: (...r) => Math.max(...region(...r)),
  };
}

before(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'hl-mix-'));
  users = [];
  for (const [i, f] of [440, 660, 880].entries()) users.push(await makeUser(`user${i}`, f, 3));
  shortUser = await makeUser('leaves-early', 1000, 1);
});

after(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

test('av, 3 users on 640x360: one 640x360 video at 15 fps and exactly one 48 kHz stereo audio stream', { timeout: TIMEOUT }, async () => {
  const out = await mix('av', users, 'av', ['-t', '2']);
  const info = await inspect(out);
  assert.equal(info.videoStreams, 1);
  assert.deepEqual(info.summary.video && [info.summary.video.codec, info.summary.video.width, info.summary.video.height, info.summary.video.fps], ['h264', 640, 360, 15]);
  assert.equal(info.audioLines.length, 1, `exactly one audio stream: ${info.audioLines.join(' / ')}`);
  assert.equal(info.summary.audio?.codec, 'aac');
  assert.equal(info.summary.audio?.sampleRate, 48000);
  assert.match(info.audioLines[0]!, /, stereo,/, '2 channels');
  assert.ok(Math.abs(info.durationSec - 2) < 0.3, `about 2 s, got ${info.durationSec}`);

  // 2x2 grid of 320x180 tiles; the last row's single tile is centred (x 160..480), so the
  // bottom-left and bottom-right corners are empty canvas.
  const tiles = mixLayout(3, CANVAS);
  assert.deepEqual(tiles[2], { x: 160, y: 180, width: 320, height: 180 });
  const frame = await frameAt(out, 1);
  assert.ok(frame.max(4, 184, 156, 356) < 24, `bottom-left empty area is black (max ${frame.max(4, 184, 156, 356)})`);
  assert.ok(frame.max(484, 184, 636, 356) < 24, `bottom-right empty area is black (max ${frame.max(484, 184, 636, 356)})`);
  assert.ok(frame.mean(8, 8, 312, 172) > 40, `tile 0 shows its user (mean ${frame.mean(8, 8, 312, 172).toFixed(1)})`);
  assert.ok(frame.mean(168, 188, 472, 352) > 40, `the centred tile 2 shows its user (mean ${frame.mean(168, 188, 472, 352).toFixed(1)})`);
});

test('audio only: no video stream, one audio stream', { timeout: TIMEOUT }, async () => {
  const info = await inspect(await mix('audio', users, 'audio', ['-t', '2']));
  assert.equal(info.videoStreams, 0);
  assert.equal(info.summary.video, undefined);
  assert.equal(info.audioLines.length, 1);
  assert.equal(info.summary.audio?.sampleRate, 48000);
  assert.match(info.audioLines[0]!, /, stereo,/);
});

test('video only: video, no audio', { timeout: TIMEOUT }, async () => {
  const info = await inspect(await mix('video', users, 'video', ['-t', '2']));
  assert.equal(info.videoStreams, 1);
  assert.equal(info.summary.video?.width, 640);
  assert.equal(info.summary.video?.height, 360);
  assert.equal(info.audioLines.length, 0);
  assert.equal(info.summary.audio, undefined);
});

test('without -t the mix ends when the last input ends; a user who left early stays frozen, not black', { timeout: TIMEOUT }, async () => {
  const out = await mix('open-ended', [users[0]!, users[1]!, shortUser], 'av', []);
  const info = await inspect(out);
  assert.ok(info.durationSec > 2.5 && info.durationSec < 3.6, `ends with the 3 s inputs, got ${info.durationSec} s`);
  const frame = await frameAt(out, 2);
  assert.ok(frame.mean(168, 188, 472, 352) > 40, 'the 1 s user\'s tile still shows its last frame at 2 s');
  assert.ok(frame.max(4, 184, 156, 356) < 24, 'empty area still black');
});

test('arguments: inputArgs right before each -i, one -filter_complex, maps and encoders by media', () => {
  const inputs = [
    { url: 'rtmp://a/live/u1', inputArgs: ['-rw_timeout', '5000000'] },
    { url: '/media/user "two".ts' },
  ];
  const av = mixArgs({ inputs, media: 'av', canvas: CANVAS, segmentSec: 2 });
  assert.deepEqual(av.slice(0, 6), ['-rw_timeout', '5000000', '-i', 'rtmp://a/live/u1', '-i', '/media/user "two".ts']);
  assert.equal(av.filter((a) => a === '-filter_complex').length, 1);
  assert.deepEqual(av.flatMap((a, i) => (a === '-map' ? [av[i + 1]] : [])), ['[v]', '[a]']);
  assert.equal(av[av.indexOf('-g') + 1], '30');
  assert.equal(av[av.indexOf('-force_key_frames') + 1], 'expr:gte(t,n_forced*2)');
  assert.ok(!av[av.indexOf('-filter_complex') + 1]!.includes('rtmp://'), 'URLs never enter the filter graph');
  const audio = mixArgs({ inputs, media: 'audio', canvas: CANVAS, segmentSec: 2 });
  assert.ok(!audio.includes('-c:v') && !audio.includes('[v]') && audio.includes('[a]'));
  const video = mixArgs({ inputs, media: 'video', canvas: CANVAS, segmentSec: 2 });
  assert.ok(!video.includes('-c:a') && !video.includes('[a]') && video.includes('[v]'));
});

test('arguments: invalid inputs, canvas, fps and background are refused with a clear Error', () => {
  const ok: MixArgsInput = { inputs: [{ url: 'a.ts' }], media: 'av', canvas: CANVAS, segmentSec: 2 };
  assert.throws(() => mixArgs({ ...ok, inputs: [] }), /1\.\.64 inputs/);
  assert.throws(() => mixArgs({ ...ok, inputs: Array.from({ length: 65 }, () => ({ url: 'a.ts' })) }), /1\.\.64 inputs/);
  assert.throws(() => mixArgs({ ...ok, canvas: { ...CANVAS, width: 641 } }), /even sizes/);
  assert.throws(() => mixArgs({ ...ok, canvas: { ...CANVAS, width: 62 } }), /even sizes/);
  assert.throws(() => mixArgs({ ...ok, canvas: { ...CANVAS, height: 2162 } }), /even sizes/);
  assert.throws(() => mixArgs({ ...ok, canvas: { ...CANVAS, fps: 0 } }), /fps/);
  assert.throws(() => mixArgs({ ...ok, canvas: { ...CANVAS, fps: 61 } }), /fps/);
  assert.throws(() => mixArgs({ ...ok, segmentSec: 0 }), /segmentSec/);
  assert.throws(() => mixArgs({ ...ok, background: 'black[x];[0:v]' }), /background/);
  assert.ok(mixArgs({ ...ok, background: '#202020' }).some((a) => a.includes('color=#202020')));
});
