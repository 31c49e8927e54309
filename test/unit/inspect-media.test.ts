import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseStreamLines } from '../../shared/media/inspect-media.ts';

test('reads codecs, size, fps and sample rate from ffmpeg -i output', () => {
  const stderr = `Input #0, mpegts, from 'x.ts':
  Duration: 00:00:02.02, start: 1.400000, bitrate: 341 kb/s
  Program 1
    Stream #0:0[0x100]: Video: h264 (High) ([27][0][0][0] / 0x001B), yuv420p(progressive), 320x180 [SAR 1:1 DAR 16:9], 15 fps, 15 tbr, 90k tbn, 30 tbc
    Stream #0:1[0x101]: Audio: aac (LC) ([15][0][0][0] / 0x000F), 48000 Hz, mono, fltp, 129 kb/s
At least one output file must be specified`;
  assert.deepEqual(parseStreamLines(stderr), { video: { codec: 'h264', width: 320, height: 180, fps: 15 }, audio: { codec: 'aac', sampleRate: 48000 } });
});

test('no audio line → no audio; fractional fps', () => {
  const s = parseStreamLines('    Stream #0:0: Video: mpeg2video (Main), yuv420p(tv, progressive), 1280x720 [SAR 1:1 DAR 16:9], 29.97 fps, 29.97 tbr, 90k tbn');
  assert.deepEqual(s, { video: { codec: 'mpeg2video', width: 1280, height: 720, fps: 29.97 } });
});
