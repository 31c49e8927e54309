import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { hasNeededEncoders, resolveFfmpeg } from '../../shared/media/ffmpeg-binaries.ts';
import { AppError } from '../../shared/domain/app-error.ts';

let dir: string;

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'hl-ffbin-'));
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function fakeBin(folder: string, name: string, encodersOutput: string, exitCode = 0): Promise<string> {
  const d = path.join(dir, folder);
  await mkdir(d, { recursive: true });
  const file = path.join(d, name);
  const script = [
    '#!/bin/sh',
    'if [ "$2" = "-encoders" ] || [ "$1" = "-encoders" ]; then',
    "cat <<'LIST'",
    encodersOutput,
    'LIST',
    `exit ${exitCode}`,
    'fi',
    'exit 0',
    '',
  ].join('\n');
  await writeFile(file, script);
  await chmod(file, 0o755);
  return file;
}

const HEADER = ['Encoders:', ' V..... = Video', ' A..... = Audio', ' ------'].join('\n');
const GOOD_LIST = [HEADER, ' V..... libx264              libx264 H.264 / AVC', ' V..... mjpeg                MJPEG', ' A..... aac                  AAC (Advanced Audio Coding)'].join('\n');
const NO_X264 = [HEADER, ' V..... mpeg4                MPEG-4 part 2', ' V..... mjpeg                MJPEG', ' A..... aac                  AAC (Advanced Audio Coding)'].join('\n');
const NO_AAC = [HEADER, ' V..... libx264              libx264 H.264 / AVC', ' A..... libopus              libopus Opus'].join('\n');

const inNpm = (p: string, pkg: string) => p.split(path.sep).join('/').includes(`node_modules/${pkg}`);

test('FFMPEG_PATH / FFPROBE_PATH pointing to existing files are used as is', async () => {
  const ff = await fakeBin('env', 'my-ffmpeg', GOOD_LIST);
  const fp = await fakeBin('env', 'my-ffprobe', '');
  const r = resolveFfmpeg({ FFMPEG_PATH: ff, FFPROBE_PATH: fp, PATH: '' }, false);
  assert.deepEqual(r, { ffmpeg: ff, ffprobe: fp, ffmpegSource: 'env', ffprobeSource: 'env' });
});

test('FFMPEG_PATH / FFPROBE_PATH that do not exist → FFMPEG_NOT_FOUND', async () => {
  const missing = path.join(dir, 'does-not-exist', 'ffmpeg');
  assert.throws(() => resolveFfmpeg({ FFMPEG_PATH: missing, PATH: '' }, false),
    (err: unknown) => err instanceof AppError && err.code === 'FFMPEG_NOT_FOUND' && err.message.includes(missing));
  assert.throws(() => resolveFfmpeg({ FFPROBE_PATH: missing, PATH: '' }, false),
    (err: unknown) => err instanceof AppError && err.code === 'FFMPEG_NOT_FOUND' && err.message.includes('FFPROBE_PATH'));
});

test('with nothing on PATH the npm static builds are used', async () => {
  const empty = path.join(dir, 'empty');
  await mkdir(empty, { recursive: true });
  const r = resolveFfmpeg({ PATH: empty }, false);
  assert.equal(r.ffmpegSource, 'npm');
  assert.equal(r.ffprobeSource, 'npm');
  assert.ok(inNpm(r.ffmpeg, '@ffmpeg-installer'), r.ffmpeg);
  assert.ok(inNpm(r.ffprobe, '@ffprobe-installer'), r.ffprobe);
  assert.ok(existsSync(r.ffmpeg));
  assert.ok(existsSync(r.ffprobe));
});

test('a system ffmpeg without libx264 is skipped for the npm build', async () => {
  const ff = await fakeBin('no-x264', 'ffmpeg', NO_X264);
  assert.equal(hasNeededEncoders(ff), false);
  const r = resolveFfmpeg({ PATH: path.dirname(ff) }, false);
  assert.equal(r.ffmpegSource, 'npm');
  assert.notEqual(r.ffmpeg, ff);
  assert.ok(inNpm(r.ffmpeg, '@ffmpeg-installer'), r.ffmpeg);
});

test('a system ffmpeg without aac, or one that fails, is skipped', async () => {
  const noAac = await fakeBin('no-aac', 'ffmpeg', NO_AAC);
  assert.equal(hasNeededEncoders(noAac), false);
  assert.equal(resolveFfmpeg({ PATH: path.dirname(noAac) }, false).ffmpegSource, 'npm');
  const failing = await fakeBin('failing', 'ffmpeg', GOOD_LIST, 1);
  assert.equal(hasNeededEncoders(failing), false);
  assert.equal(resolveFfmpeg({ PATH: path.dirname(failing) }, false).ffmpegSource, 'npm');
});

test('a system ffmpeg with libx264 and aac is chosen', async () => {
  const ff = await fakeBin('good', 'ffmpeg', GOOD_LIST);
  assert.equal(hasNeededEncoders(ff), true);
  const empty = path.join(dir, 'empty2');
  await mkdir(empty, { recursive: true });
  // the good folder is found even when it is not first on PATH
  const r = resolveFfmpeg({ PATH: [empty, path.dirname(ff)].join(path.delimiter) }, false);
  assert.equal(r.ffmpegSource, 'system');
  assert.equal(r.ffmpeg, ff);
  // no ffprobe next to it: npm
  assert.equal(r.ffprobeSource, 'npm');
});

test('a system ffprobe on PATH is used', async () => {
  const ff = await fakeBin('both', 'ffmpeg', GOOD_LIST);
  const fp = await fakeBin('both', 'ffprobe', '');
  const r = resolveFfmpeg({ PATH: path.dirname(ff) }, false);
  assert.deepEqual(r, { ffmpeg: ff, ffprobe: fp, ffmpegSource: 'system', ffprobeSource: 'system' });
});

test('a directory or a non-executable file named ffprobe on PATH is not taken for the system ffprobe', async () => {
  const d = path.join(dir, 'not-exec');
  await mkdir(path.join(d, 'ffprobe'), { recursive: true }); // a folder named ffprobe
  const d2 = path.join(dir, 'not-exec2');
  await mkdir(d2, { recursive: true });
  await writeFile(path.join(d2, 'ffprobe'), '#!/bin/sh\n', { mode: 0o644 }); // not executable
  const r = resolveFfmpeg({ PATH: [d, d2].join(path.delimiter) }, false);
  assert.equal(r.ffprobeSource, 'npm');
  assert.ok(inNpm(r.ffprobe, '@ffprobe-installer'));
});
