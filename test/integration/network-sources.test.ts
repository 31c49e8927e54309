/*
 * Network (url) sources end to end on the local runtime, against a real RTMP ingest server
 * (test/helpers/rtmp-server.ts): recording with true wall-clock PROGRAM-DATE-TIME, reconnect after
 * the publisher dies (discontinuity, no papered-over gap, no lost segment), a source gone for good
 * ("ended"), the recorder lease (409, watchdog restart of a stale lease) and the source policy.
 *
 * The time-bound scenarios (reconnect, gone, stale lease) start in before() and run side by side;
 * each `it` awaits its scenario and checks what it recorded.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { signedHeaders } from '../../shared/auth/request-signature.ts';
import { streamSpecSchema, type StreamState } from '../../shared/domain/schemas.ts';
import { ffmpegInputProtocols } from '../../shared/media/ffmpeg-binaries.ts';
import { parsePlaylist, segmentEnd, type Playlist, type PlaylistSegment } from '../../shared/media/hls-playlist.ts';
import { inspectMedia } from '../../shared/media/inspect-media.ts';
import { getJson, putJson } from '../../shared/storage/object-store.ts';
import { publishTestStream, readFrameIndex, startRtmpServer, type Publisher, type RtmpServer } from '../helpers/rtmp-server.ts';
import { sleep, snapshotStore, startTestRuntime, waitFor, type TestRuntime } from '../helpers/test-runtime.ts';

const W = 320;
const H = 180;
const FPS = 15;
const SEG = 1;
const PUBLISH = { width: W, height: H, fps: FPS, gopSec: 1, frameIndex: true };

let t: TestRuntime;
let rtmp: RtmpServer;
const publishers: Publisher[] = [];
const publish = (name: string) => {
  const p = publishTestStream(rtmp.url(name), PUBLISH);
  publishers.push(p);
  return p;
};

/** A request whose refusal is the point: status and parsed JSON body, never a throw. */
async function raw(rt: TestRuntime, method: string, p: string, body: unknown) {
  const text = JSON.stringify(body);
  const res = await fetch(rt.rt.url + p, { method, body: text, headers: { 'content-type': 'application/json', ...signedHeaders(rt.rt.config.secret, method, p, text) } });
  const type = res.headers.get('content-type') ?? '';
  return { status: res.status, type, body: (await res.json()) as any };
}

const getStream = async (id: string) => (await t.client.request('GET', `/v1/streams/${id}`)).body;
const storedStream = async (id: string) => (await getJson<StreamState>(t.rt.store, `streams/${id}/stream.json`))!;
const playlistText = async (id: string) => (await t.rt.store.get(`streams/${id}/index.m3u8`)).toString();
const playlist = async (id: string): Promise<Playlist> => {
  if (!(await t.rt.store.head(`streams/${id}/index.m3u8`))) return { segments: [], discontinuitySequence: 0, ended: false };
  return parsePlaylist(await playlistText(id));
};
const segFile = (id: string, s: PlaylistSegment) => t.rt.store.pathOf(`streams/${id}/${s.uri}`);
const startUrlStream = (id: string, url: string, extra: Record<string, unknown> = {}) =>
  t.client.request('POST', '/v1/streams', { id, source: { type: 'url', url }, segmentSec: SEG, retentionSec: 120, ...extra });

/** Wall-clock offset (ms) of a segment's PROGRAM-DATE-TIME from when the publisher sent its first frame. */
async function pdtOffset(id: string, s: PlaylistSegment, firstFrameWallMs: number): Promise<{ n: number; offsetMs: number }> {
  const n = await readFrameIndex(segFile(id, s)).catch((err: Error) => {
    throw new Error(`${id} segment ${s.seq} (${s.uri}, ${s.durationSec} s): ${err.message}`);
  });
  return { n, offsetMs: s.start.getTime() - (firstFrameWallMs + (n * 1000) / FPS) };
}

/** Run a scenario in the background; the `it` that awaits it reports its failure. */
function background<T>(fn: () => Promise<T>): Promise<T> {
  const p = fn();
  p.catch(() => {});
  return p;
}

interface ReconnectRun { killedAt: number; restartedAt: number; first: Publisher; second: Publisher }
interface GoneRun { stoppedAt: number; endedAfterMs: number }
interface StaleRun { putAt: number; restartedAfterMs: number; segmentsAfterMs: number }

let reconnect: Promise<ReconnectRun>;
let gone: Promise<GoneRun>;
let stale: Promise<StaleRun>;
const STALE_OWNER = 'dead-invocation-0000';

describe('network sources: RTMP pull, reconnect, source gone, lease, policy', () => {
  before(async () => {
    [t, rtmp] = await Promise.all([startTestRuntime(), startRtmpServer()]);
    const a = publish('a');
    const b = publish('b');
    const c = publish('c');
    await Promise.all([a.firstFrameWallMs, b.firstFrameWallMs, c.firstFrameWallMs]);

    // 2. reconnect: ~4 s of recording, publisher SIGKILLed, back on the same URL 4 s later.
    reconnect = background(async () => {
      assert.equal((await startUrlStream('net-b', rtmp.url('b'))).status, 202);
      await waitFor('net-b first segment', async () => (await playlist('net-b')).segments.length >= 1, 20_000, 100);
      await sleep(3000); // the first segment lands ~1 s in: ~4 s recorded
      b.child.kill('SIGKILL');
      await b.exited;
      const killedAt = Date.now();
      await sleep(4000);
      const b2 = publish('b');
      const restartedAt = Date.now();
      await b2.firstFrameWallMs;
      await waitFor('3 segments after the reconnect', async () => {
        const segs = (await playlist('net-b')).segments;
        const gap = segs.findIndex((s) => s.discontinuity);
        return gap >= 0 && segs.length - gap >= 3;
      }, 25_000);
      return { killedAt, restartedAt, first: b, second: b2 };
    });

    // 3. gone: reconnectSec 3, publisher stopped for good after 2 segments.
    gone = background(async () => {
      assert.equal((await startUrlStream('net-c', rtmp.url('c'), { reconnectSec: 3 })).status, 202);
      await waitFor('net-c 2 segments', async () => (await playlist('net-c')).segments.length >= 2, 20_000, 100);
      await c.stop();
      const stoppedAt = Date.now();
      await waitFor('net-c ended', async () => (await storedStream('net-c')).state === 'ended', 25_000, 100);
      return { stoppedAt, endedAfterMs: Date.now() - stoppedAt };
    });

    // 4b. stale lease: stream.json as a recorder that died mid-recording leaves it; no recorder runs.
    stale = background(async () => {
      const long = new Date(Date.now() - 120_000).toISOString();
      const spec = streamSpecSchema.parse({ id: 'net-stale', source: { type: 'url', url: rtmp.url('a') }, segmentSec: SEG, retentionSec: 120 });
      const state: StreamState = { spec, state: 'recording', createdAt: long, startedAt: long, heartbeatAt: long, owner: STALE_OWNER, segmentCount: 0, restarts: 0 };
      await putJson(t.rt.store, 'streams/net-stale/stream.json', state);
      const putAt = Date.now();
      await waitFor('watchdog restart of net-stale', async () => { const s = await storedStream('net-stale'); return s.owner !== STALE_OWNER; }, 25_000, 100);
      const restartedAfterMs = Date.now() - putAt;
      await waitFor('net-stale segments', async () => (await playlist('net-stale')).segments.length >= 2, 15_000, 100);
      return { putAt, restartedAfterMs, segmentsAfterMs: Date.now() - putAt };
    });
  });

  after(async () => {
    await Promise.allSettled([reconnect, gone, stale]);
    await Promise.all(publishers.map((p) => p.stop()));
    await t?.close();
    await rtmp?.close();
  });

  it('records an RTMP pull with true wall-clock PROGRAM-DATE-TIME and clips it to H.264/AAC', async () => {
    const pub = publishers[0]!;
    const accepted = await startUrlStream('net-a', rtmp.url('a'));
    assert.equal(accepted.status, 202);
    assert.equal(accepted.body.state, 'starting');
    assert.equal(accepted.body.source, 'url');
    await waitFor('5 segments', async () => (await playlist('net-a')).segments.length >= 5, 30_000, 100);
    const s = await getStream('net-a');
    assert.equal(s.state, 'recording');

    const { body: job } = await t.client.request('POST', '/v1/highlights', { streamId: 'net-a', before: 3 });
    const done = await t.client.waitForHighlight(job.id, { timeoutMs: 30_000 });
    assert.equal(done.status, 'succeeded', JSON.stringify(done.error));
    const info = await inspectMedia(t.rt.store.pathOf(done.result.key));
    assert.equal(info.video?.codec, 'h264');
    assert.deepEqual([info.video?.width, info.video?.height], [W, H]);
    assert.equal(info.audio?.codec, 'aac');

    // Frames are the published ones, and each segment's PDT is when its first frame was sent.
    const p = await playlist('net-a');
    assert.ok(p.segments.every((x) => !x.discontinuity), 'one uninterrupted run');
    const firstFrame = await pub.firstFrameWallMs;
    const checked = p.segments;
    const offsets: Array<{ seq: number; n: number; offsetMs: number }> = [];
    for (const seg of checked) offsets.push({ seq: seg.seq, ...(await pdtOffset('net-a', seg, firstFrame)) });
    console.log(`net-a PDT offsets (PDT - (firstFrameWallMs + n/fps)): ${offsets.map((o) => `seq ${o.seq} frame ${o.n}: ${o.offsetMs.toFixed(0)} ms`).join('; ')}`);
    assert.ok(offsets.length >= 5);
    for (const o of offsets) assert.ok(Math.abs(o.offsetMs) <= 500, `segment ${o.seq} (frame ${o.n}) PDT is ${o.offsetMs} ms off the publish time`);
    for (let k = 0; k + 1 < checked.length; k++) {
      const expected = offsets[k]!.n + Math.round(checked[k]!.durationSec * FPS);
      assert.ok(Math.abs(offsets[k + 1]!.n - expected) <= 1, `segment ${checked[k + 1]!.seq} starts at frame ${offsets[k + 1]!.n}, expected ${expected}`);
      const joint = checked[k + 1]!.start.getTime() - segmentEnd(checked[k]!).getTime();
      assert.ok(Math.abs(joint) <= 500, `segment ${checked[k + 1]!.seq} starts ${joint} ms from the end of the one before (no overlap, no hole)`);
    }
  });

  it('reconnects after the publisher dies: one discontinuity, the real gap, no lost segment', async () => {
    const r = await reconnect;
    const text = await playlistText('net-b');
    const p = parsePlaylist(text);
    assert.equal(text.match(/#EXT-X-DISCONTINUITY\n/g)?.length, 1, `exactly one discontinuity:\n${text}`);
    const cut = p.segments.findIndex((s) => s.discontinuity);
    assert.ok(cut >= 2, `segments before the drop: ${cut}`);
    const before = p.segments.slice(0, cut);
    const afterGap = p.segments.slice(cut);
    const gapMs = afterGap[0]!.start.getTime() - segmentEnd(before.at(-1)!).getTime();
    const downMs = r.restartedAt - r.killedAt;
    console.log(`net-b: ${before.length} segments, killed, publisher down ${downMs} ms, PDT gap ${gapMs} ms, ${afterGap.length} segments after`);
    assert.ok(gapMs >= 3000, `the gap (${gapMs} ms) is in the timeline, not papered over`);
    assert.ok(gapMs <= downMs + 3000, `the gap (${gapMs} ms) is no longer than the outage (${downMs} ms) and reconnect`);

    // Nothing lost: sequence numbers contiguous, every named segment is in the store.
    p.segments.forEach((s, i) => assert.equal(s.seq, p.segments[0]!.seq + i, `contiguous sequence numbers:\n${text}`));
    assert.equal(p.segments[0]!.seq, 0, 'nothing slid out (120 s retention)');
    for (const s of p.segments) assert.ok((await t.rt.store.head(`streams/net-b/${s.uri}`))?.size, `${s.uri} is in the store`);

    // Inside each run, frames continue without holes; each run's PDT matches its own publisher.
    const runs: Array<[PlaylistSegment[], Publisher]> = [[before, r.first], [afterGap, r.second]];
    for (const [all, pub] of runs) {
      // A run cut by a dead publisher can end in a segment of a frame or two, too short for ffmpeg
      // to probe on its own (it byte-joins fine into clips): its frames are not read here.
      const segs = all.filter((s, i) => !(i === all.length - 1 && i > 0 && s.durationSec < 0.2));
      const firstFrame = await pub.firstFrameWallMs;
      const frames: number[] = [];
      const offs: number[] = [];
      for (const s of segs) {
        const { n, offsetMs } = await pdtOffset('net-b', s, firstFrame);
        frames.push(n);
        offs.push(Math.round(offsetMs));
      }
      console.log(`net-b run: first frames ${frames.join(',')}; PDT offsets ${offs.join(',')} ms`);
      for (let k = 0; k + 1 < segs.length; k++) {
        const expected = frames[k]! + Math.round(segs[k]!.durationSec * FPS);
        assert.ok(Math.abs(frames[k + 1]! - expected) <= 1, `segment ${segs[k + 1]!.seq} starts at frame ${frames[k + 1]}, expected ${expected}`);
        const joint = segs[k + 1]!.start.getTime() - segmentEnd(segs[k]!).getTime();
        assert.ok(Math.abs(joint) <= 500, `segment ${segs[k + 1]!.seq} starts ${joint} ms from the end of the one before`);
      }
      for (const [k, o] of offs.entries()) assert.ok(Math.abs(o) <= 500, `segment ${segs[k]!.seq} PDT is ${o} ms off its publish time`);
    }

    const view = await getStream('net-b');
    assert.equal(view.state, 'recording');
    assert.ok(view.reconnects >= 1, `reconnects ${view.reconnects}`);
    assert.equal((await storedStream('net-b')).reconnects, view.reconnects);

    const stop = await t.client.request('DELETE', '/v1/streams/net-b');
    assert.equal(stop.status, 202);
    await waitFor('net-b stopped', async () => (await getStream('net-b')).state === 'stopped', 15_000, 100);
    const final = await playlist('net-b');
    assert.equal(final.ended, true);
    assert.match(await playlistText('net-b'), /#EXT-X-ENDLIST\n$/);
    assert.ok(final.segments.length >= p.segments.length);
  });

  it('ends a stream whose source stays gone past reconnectSec', async () => {
    const g = await gone;
    console.log(`net-c ended ${g.endedAfterMs} ms after its publisher stopped`);
    assert.ok(g.endedAfterMs <= 8_000, `ends about reconnectSec (3 s) after the drop, not after a full stall timeout: ${g.endedAfterMs} ms`);
    const view = await getStream('net-c');
    assert.equal(view.state, 'ended');
    assert.equal(view.error?.code, 'SOURCE_GONE');
    assert.ok(view.stoppedAt);
    assert.equal((await storedStream('net-c')).owner, undefined, 'the lease is released');
    const p = await playlist('net-c');
    assert.equal(p.ended, true);
    assert.ok(p.segments.length >= 2);
  });

  it('holds one recorder per stream: 409 while alive; the watchdog restarts a stale lease', async () => {
    const beforeState = await storedStream('net-a');
    assert.equal(beforeState.state, 'recording');
    assert.ok(beforeState.owner);
    const again = await raw(t, 'POST', '/v1/streams', { id: 'net-a', source: { type: 'url', url: rtmp.url('a') }, segmentSec: SEG, retentionSec: 120 });
    assert.equal(again.status, 409);
    assert.equal(again.body.error.code, 'STREAM_ACTIVE');
    const afterState = await storedStream('net-a');
    assert.equal(afterState.owner, beforeState.owner, 'owner unchanged');
    assert.equal(afterState.state, 'recording');
    assert.equal(afterState.startedAt, beforeState.startedAt);
    assert.deepEqual(afterState.spec, beforeState.spec);
    assert.equal(await t.rt.store.head('streams/net-a/stop.json'), null, 'no stop request');

    const s = await stale;
    console.log(`net-stale: new owner after ${s.restartedAfterMs} ms, 2 segments after ${s.segmentsAfterMs} ms`);
    assert.ok(s.segmentsAfterMs <= 20_000, `watchdog restart took ${s.segmentsAfterMs} ms`);
    const restarted = await storedStream('net-stale');
    assert.equal(restarted.state, 'recording');
    assert.ok(restarted.owner && restarted.owner !== STALE_OWNER, `owner ${restarted.owner}`);
    assert.ok(Date.now() - Date.parse(restarted.heartbeatAt!) < 3000, 'fresh heartbeat');
    assert.ok(restarted.restarts >= 1, `restarts ${restarted.restarts}`);
    // It joined publisher a mid-stream (the server's cached GOP first): PDTs are still its publish times.
    const firstFrame = await publishers[0]!.firstFrameWallMs;
    const joined = (await playlist('net-stale')).segments;
    const offs: string[] = [];
    for (const seg of joined) {
      const { n, offsetMs } = await pdtOffset('net-stale', seg, firstFrame);
      offs.push(`frame ${n}: ${Math.round(offsetMs)} ms`);
      assert.ok(Math.abs(offsetMs) <= 500, `net-stale segment ${seg.seq} (frame ${n}) PDT is ${offsetMs} ms off the publish time`);
    }
    console.log(`net-stale PDT offsets: ${offs.join('; ')}`);
    const n = joined.length;
    await waitFor('net-stale keeps recording', async () => (await playlist('net-stale')).segments.length > n, 5000, 100);
    assert.equal((await getStream('net-stale')).restarts, restarted.restarts);

    for (const id of ['net-a', 'net-stale']) assert.equal((await t.client.request('DELETE', `/v1/streams/${id}`)).status, 202);
    await waitFor('all stopped', async () => (await getStream('net-a')).state === 'stopped' && (await getStream('net-stale')).state === 'stopped', 15_000, 100);
  });

  it('refuses bad network sources with a 4xx JSON error, writing nothing', async () => {
    // A quiet store (even when an earlier test failed before stopping its stream).
    const { body } = await t.client.request('GET', '/v1/streams');
    for (const s of body.streams.filter((x: any) => ['starting', 'recording', 'reconnecting'].includes(x.state))) await t.client.request('DELETE', `/v1/streams/${s.id}`);
    await waitFor('no recorder running', async () => (await t.client.request('GET', '/v1/streams')).body.streams.every((x: any) => !['starting', 'recording', 'reconnecting', 'stopping'].includes(x.state)), 15_000, 100);
    const before = await snapshotStore(t);
    const cases: Array<[string, unknown, number, string, RegExp?]> = [
      ['file URL', { type: 'url', url: 'file:///etc/passwd' }, 422, 'URL_NOT_ALLOWED', /scheme file/],
      ['concat protocol', { type: 'url', url: 'concat:a|b' }, 422, 'URL_NOT_ALLOWED', /scheme concat/],
      ['unknown source type', { type: 'lavfi' }, 422, 'VALIDATION_FAILED'],
      ['no url', { type: 'url' }, 422, 'VALIDATION_FAILED'],
    ];
    if (!(await ffmpegInputProtocols())?.has('srt')) cases.push(['srt on an ffmpeg without srt', { type: 'url', url: 'srt://127.0.0.1:9000' }, 422, 'SOURCE_NOT_ALLOWED', /srt/]);
    else console.log('this ffmpeg has srt: the srt refusal is not checked');
    for (const [name, source, status, code, message] of cases) {
      const r = await raw(t, 'POST', '/v1/streams', { id: 'bad-src', source, segmentSec: SEG });
      assert.equal(r.status, status, `${name}: ${JSON.stringify(r.body)}`);
      assert.match(r.type, /application\/json/, name);
      assert.equal(r.body.error.code, code, name);
      if (message) assert.match(r.body.error.message, message, name);
    }
    assert.deepEqual(await snapshotStore(t), before, 'the store is unchanged');
  });

  it('applies the cloud policy: no private hosts, no local sources', async () => {
    const cloud = await startTestRuntime({ allowPrivateUrls: false, allowLocalSources: false });
    try {
      const before = await snapshotStore(cloud);
      const priv = await raw(cloud, 'POST', '/v1/streams', { id: 'priv', source: { type: 'url', url: rtmp.url('a') }, segmentSec: SEG });
      assert.equal(priv.status, 422, JSON.stringify(priv.body));
      assert.equal(priv.body.error.code, 'URL_NOT_ALLOWED');
      assert.match(priv.body.error.message, /private or loopback/);
      const local = await raw(cloud, 'POST', '/v1/streams', { id: 'local', source: { type: 'testsrc' }, segmentSec: SEG });
      assert.equal(local.status, 422, JSON.stringify(local.body));
      assert.equal(local.body.error.code, 'SOURCE_NOT_ALLOWED');
      assert.deepEqual(await snapshotStore(cloud), before, 'the store is unchanged');
    } finally {
      await cloud.close();
    }
  });
});
