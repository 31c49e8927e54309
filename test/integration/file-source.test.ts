import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { segmentEnd } from '../../shared/media/hls-playlist.ts';
import { probeMedia } from '../../shared/media/probe-media.ts';
import { runFfmpeg } from '../../shared/media/run-ffmpeg.ts';
import { readPlaylist } from '../../shared/streams/stream-store.ts';
import { decodeErrors } from '../helpers/media-checks.ts';
import { startTestRuntime, waitFor, type TestRuntime } from '../helpers/test-runtime.ts';

let t: TestRuntime;
let media: string;

before(async () => {
  t = await startTestRuntime();
  // A 3 s H.264/AAC file with a keyframe every second, generated here (no committed media).
  media = path.join(t.dataDir, '..', `${path.basename(t.dataDir)}-source.mp4`);
  await runFfmpeg(['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=256x144:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=660:sample_rate=48000',
    '-t', '3', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '25', '-keyint_min', '25', '-sc_threshold', '0', '-pix_fmt', 'yuv420p', '-c:a', 'aac', media]);
});
after(async () => {
  await t?.close();
  await rm(media, { force: true });
});

test('a local file played in real time (looped, stream copy) records and clips like a live source', async () => {
  await t.client.request('POST', '/v1/streams', { id: 'vod1', source: { type: 'file', path: media, loop: true }, segmentSec: 1 });
  await waitFor('5 segments', async () => (await readPlaylist(t.rt.store, 'vod1')).segments.length >= 5, 30_000);
  const p = await readPlaylist(t.rt.store, 'vod1');
  // Real time: 5 one-second segments took about 5 s of wall clock.
  const span = segmentEnd(p.segments.at(-1)!).getTime() - p.segments[0]!.start.getTime();
  assert.ok(Math.abs(span / 1000 - p.segments.reduce((a, s) => a + s.durationSec, 0)) < 0.5);
  // Looping carried on past the 3 s file without a discontinuity.
  assert.ok(p.segments.every((s) => !s.discontinuity));

  const { body } = await t.client.request('POST', '/v1/highlights', { streamId: 'vod1', before: 4 });
  const done = await t.client.waitForHighlight(body.id, { timeoutMs: 30_000 });
  assert.equal(done.status, 'succeeded', JSON.stringify(done.error));
  const file = t.rt.store.pathOf(done.result.key);
  const info = await probeMedia(file);
  assert.equal(info.video?.width, 256, 'stream copy keeps the source size');
  assert.equal(info.audio?.codec, 'aac');
  assert.ok(Math.abs(info.durationSec - 4) <= 1, `duration ${info.durationSec}`);
  assert.equal(await decodeErrors(file), '');
  await t.client.request('DELETE', '/v1/streams/vod1');
  await waitFor('stopped', async () => (await t.client.request('GET', '/v1/streams/vod1')).body.state === 'stopped', 15_000);
});
