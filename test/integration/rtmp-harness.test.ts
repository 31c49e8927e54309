/*
 * The RTMP test harness itself (test/helpers/rtmp-server.ts): a real ingest server on a loopback
 * port, an ffmpeg publisher, and pulls with ffmpeg as a recorder would; the server survives the
 * publisher dying and a new one taking the same stream name.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { inspectMedia } from '../../shared/media/inspect-media.ts';
import { runFfmpeg } from '../../shared/media/run-ffmpeg.ts';
import { publishTestStream, readFrameIndex, startRtmpServer, type Publisher, type RtmpServer } from '../helpers/rtmp-server.ts';

const W = 320;
const H = 180;
const FPS = 15;
const SECONDS = 4;

describe('RTMP test harness', () => {
  let dir: string;
  let server: RtmpServer;
  const publishers: Publisher[] = [];

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'hl-rtmp-'));
    server = await startRtmpServer();
  });
  after(async () => {
    await Promise.all(publishers.map((p) => p.stop()));
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** Pull 2 s of the stream to MPEG-TS as the recorder would, and check what arrived. */
  async function pull(name: string, out: string): Promise<number> {
    const t0 = Date.now();
    await runFfmpeg(['-v', 'error', '-y', '-rw_timeout', '5000000', '-i', server.url(name), '-t', '2', '-c', 'copy', out], { what: 'pull' });
    const pullMs = Date.now() - t0;
    const info = await inspectMedia(out);
    assert.equal(info.video?.codec, 'h264');
    assert.equal(info.video?.width, W);
    assert.equal(info.video?.height, H);
    assert.equal(info.audio?.codec, 'aac');
    assert.equal(info.audio?.sampleRate, 48_000);
    const n = await readFrameIndex(out);
    assert.ok(n >= 0 && n < FPS * SECONDS, `first pulled frame is published frame ${n}`);
    return pullMs;
  }

  it('serves a live publish to a puller, and a republish to the same stream name', async () => {
    assert.match(server.url('abc'), new RegExp(`^rtmp://127\\.0\\.0\\.1:${server.port}/live/abc$`));

    const first = publishTestStream(server.url('game'), { width: W, height: H, fps: FPS, seconds: SECONDS, frameIndex: true });
    publishers.push(first);
    const pullMs = await pull('game', path.join(dir, 'first.ts'));
    const firstFrameMs = (await first.firstFrameWallMs) - first.startedAt;
    console.log(`publish → first frame ${firstFrameMs} ms after spawn; 2 s pulled in ${pullMs} ms`);
    // The publisher dies (no FLV trailer, no unpublish): the server must drop it and take a new one.
    first.child.kill('SIGKILL');
    await first.exited;

    const second = publishTestStream(server.url('game'), { width: W, height: H, fps: FPS, frameIndex: true });
    publishers.push(second);
    await second.firstFrameWallMs;
    await pull('game', path.join(dir, 'second.ts'));
    await second.stop();
    assert.notEqual(await second.exited, null, `ffmpeg did not end on SIGINT (needed SIGKILL): ${second.stderr()}`);
  });
});
