/*
 * The other live sources, each from a real server on loopback: an HLS live playlist served over
 * HTTP (segments written by ffmpeg's HLS muxer, served by a node http server), HTTP-FLV (ffmpeg
 * itself serving with -listen 1), a TRTC user's relay (stream id <sdkAppId>_<roomId>_<userId>_main
 * on the RTMP server, found through HL_TRTC_RELAY_* config), and a source with sparse keyframes
 * recorded by stream copy (long segments, a warning) and with normalize (segments as asked).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createReadStream, existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { resolveFfmpeg } from '../../shared/media/ffmpeg-binaries.ts';
import { parsePlaylist } from '../../shared/media/hls-playlist.ts';
import { inspectMedia } from '../../shared/media/inspect-media.ts';
import { publishTestStream, startRtmpServer, type Publisher, type RtmpServer } from '../helpers/rtmp-server.ts';
import { startTestRuntime, waitFor, type TestRuntime } from '../helpers/test-runtime.ts';

let t: TestRuntime;
let rtmp: RtmpServer;
let hlsDir: string;
let hlsServer: http.Server;
const procs: ChildProcess[] = [];
const publishers: Publisher[] = [];

/** A live A/V test stream into `out` (args after the inputs), as a game client or CDN edge would. */
function ffmpegLive(out: string[], gopSec = 1): ChildProcess {
  const p = spawn(resolveFfmpeg().ffmpeg, [
    '-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=15',
    '-re', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-pix_fmt', 'yuv420p',
    '-g', String(15 * gopSec), '-keyint_min', String(15 * gopSec), '-sc_threshold', '0', '-c:a', 'aac', '-b:a', '64k', ...out,
  ], { stdio: ['pipe', 'ignore', 'ignore'] });
  p.stdin?.on('error', () => {});
  procs.push(p);
  return p;
}

const freePort = () => new Promise<number>((resolve) => {
  const s = http.createServer().listen(0, '127.0.0.1', () => {
    const { port } = s.address() as AddressInfo;
    s.close(() => resolve(port));
  });
});

const stream = async (id: string) => (await t.client.request('GET', `/v1/streams/${id}`)).body;
const segments = async (id: string) => parsePlaylist((await t.rt.store.get(`streams/${id}/index.m3u8`)).toString()).segments;

describe('http(s) HLS and FLV pulls, TRTC relays, sparse keyframes', () => {
  before(async () => {
    rtmp = await startRtmpServer();
    const [host, port] = [rtmp.url('x').split('/')[2]!.split(':')[0]!, rtmp.url('x').split('/')[2]!.split(':')[1]!];
    t = await startTestRuntime({ trtcRelay: { domain: `${host}:${port}`, protocol: 'rtmp', app: 'live' } });

    // Live HLS: ffmpeg's HLS muxer writes 1 s segments and a sliding playlist; node serves the folder.
    hlsDir = await mkdtemp(path.join(os.tmpdir(), 'hl-hls-src-'));
    ffmpegLive(['-f', 'hls', '-hls_time', '1', '-hls_list_size', '6', '-hls_flags', 'delete_segments+temp_file', path.join(hlsDir, 'live.m3u8')]);
    hlsServer = http.createServer((req, res) => {
      const name = path.basename(new URL(req.url ?? '/', 'http://x').pathname);
      const file = path.join(hlsDir, name);
      if (!/^[\w.-]+$/.test(name) || !existsSync(file)) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': name.endsWith('.m3u8') ? 'application/vnd.apple.mpegurl' : 'video/mp2t' });
      createReadStream(file).pipe(res);
    });
    await new Promise<void>((resolve) => hlsServer.listen(0, '127.0.0.1', resolve));
    await waitFor('source HLS playlist', async () => existsSync(path.join(hlsDir, 'live.m3u8')), 15_000, 200);
  });
  after(async () => {
    await t?.close();
    for (const p of procs) p.kill('SIGKILL');
    await Promise.all(publishers.map((p) => p.stop()));
    await rtmp?.close();
    hlsServer?.close();
    if (hlsDir) await rm(hlsDir, { recursive: true, force: true });
  });

  it('records a live HLS playlist over HTTP and clips it', async () => {
    const url = `http://127.0.0.1:${(hlsServer.address() as AddressInfo).port}/live.m3u8`;
    const { status } = await t.client.request('POST', '/v1/streams', { id: 'hls-in', source: { type: 'url', url }, segmentSec: 1, retentionSec: 120 });
    assert.equal(status, 202);
    await waitFor('hls-in segments', async () => (await stream('hls-in')).available?.segments >= 4, 40_000, 300);
    const segs = await segments('hls-in');
    const info = await inspectMedia(t.rt.store.pathOf(`streams/hls-in/${segs.at(-1)!.uri}`));
    assert.deepEqual([info.video?.codec, info.video?.width, info.video?.height, info.audio?.codec], ['h264', 320, 180, 'aac']);
    const { body: job } = await t.client.request('POST', '/v1/highlights', { streamId: 'hls-in', before: 2 });
    const done = await t.client.waitForHighlight(job.id, { timeoutMs: 30_000 });
    assert.equal(done.status, 'succeeded', JSON.stringify(done.error));
    assert.ok(done.result.durationSec >= 2);
    await t.client.request('DELETE', '/v1/streams/hls-in');
  });

  it('records HTTP-FLV (ffmpeg serving one client with -listen 1)', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/live.flv`;
    ffmpegLive(['-f', 'flv', '-listen', '1', url]);
    await new Promise((r) => setTimeout(r, 500));
    const { status } = await t.client.request('POST', '/v1/streams', { id: 'flv-in', source: { type: 'url', url }, segmentSec: 1, retentionSec: 120 });
    assert.equal(status, 202);
    await waitFor('flv-in segments', async () => (await stream('flv-in')).available?.segments >= 3, 30_000, 300);
    const segs = await segments('flv-in');
    const info = await inspectMedia(t.rt.store.pathOf(`streams/flv-in/${segs.at(-1)!.uri}`));
    assert.deepEqual([info.video?.codec, info.audio?.codec], ['h264', 'aac']);
    await t.client.request('DELETE', '/v1/streams/flv-in');
  });

  it('records a TRTC user through the configured relay (stream id <sdkAppId>_<roomId>_<userId>_main)', async () => {
    publishers.push(publishTestStream(rtmp.url('1400000001_8888_alice_main'), { width: 320, height: 180, fps: 15, gopSec: 1 }));
    const { status, body } = await t.client.request('POST', '/v1/streams', {
      id: 'trtc-alice', source: { type: 'trtc', sdkAppId: 1400000001, roomId: 8888, userId: 'alice' }, segmentSec: 1, retentionSec: 120,
    });
    assert.equal(status, 202);
    assert.equal(body.source, 'trtc');
    await waitFor('trtc-alice segments', async () => (await stream('trtc-alice')).available?.segments >= 3, 30_000, 300);
    await t.client.request('DELETE', '/v1/streams/trtc-alice');
  });

  it('copy mode follows sparse source keyframes (and says so); normalize cuts segments as asked', async () => {
    publishers.push(publishTestStream(rtmp.url('sparse'), { width: 320, height: 180, fps: 15, gopSec: 3 }));
    const base = { source: { type: 'url', url: rtmp.url('sparse') }, segmentSec: 1, retentionSec: 120 };
    await t.client.request('POST', '/v1/streams', { id: 'sparse-copy', ...base });
    await t.client.request('POST', '/v1/streams', { id: 'sparse-norm', ...base, source: { ...base.source, normalize: true } });
    await waitFor('sparse segments', async () => (await stream('sparse-copy')).available?.segments >= 3 && (await stream('sparse-norm')).available?.segments >= 6, 40_000, 300);
    const copy = (await segments('sparse-copy')).slice(1, -1);
    const norm = (await segments('sparse-norm')).slice(1, -1);
    assert.ok(copy.every((s) => Math.abs(s.durationSec - 3) < 0.1), `copy segments follow the 3 s GOP: ${copy.map((s) => s.durationSec)}`);
    assert.ok(norm.every((s) => Math.abs(s.durationSec - 1) < 0.1), `normalized segments are 1 s: ${norm.map((s) => s.durationSec)}`);
    assert.match((await stream('sparse-copy')).warning ?? '', /keyframes are sparse/);
    assert.equal((await stream('sparse-norm')).warning, undefined);
    await t.client.request('DELETE', '/v1/streams/sparse-copy');
    await t.client.request('DELETE', '/v1/streams/sparse-norm');
  });
});
