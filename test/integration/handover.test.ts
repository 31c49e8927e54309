import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parsePlaylist, segmentEnd } from '../../shared/media/hls-playlist.ts';
import { readFrameIndexes } from '../helpers/frame-index.ts';
import { publishTestStream, startRtmpServer, type Publisher, type RtmpServer } from '../helpers/rtmp-server.ts';
import { startTestRuntime, waitFor, type TestRuntime } from '../helpers/test-runtime.ts';

const FPS = 15;
const STREAM = 'longmatch';
let t: TestRuntime;
let rtmp: RtmpServer;
let pub: Publisher;

describe('recording outlives one function run: hand-over before the deadline', () => {
  before(async () => {
    rtmp = await startRtmpServer();
    pub = publishTestStream(rtmp.url(STREAM), { width: 320, height: 180, fps: FPS, gopSec: 1, frameIndex: true });
    await pub.firstFrameWallMs;
    // A 16 s segmenter: each recorder hands over after ~6 s (the lead is 10 s) and must be done 3 s before its end.
    t = await startTestRuntime({}, { timeoutSec: { segmenter: 16 } });
  });
  after(async () => {
    await t?.close();
    await pub?.stop();
    await rtmp?.close();
  });

  it('a fresh invocation takes over the playlist without losing a frame, and the gap is marked', async () => {
    const { status } = await t.client.request('POST', '/v1/streams', { id: STREAM, source: { type: 'url', url: rtmp.url(STREAM) }, segmentSec: 1, retentionSec: 300 });
    assert.equal(status, 202);
    const state = await waitFor('two hand-overs', async () => {
      const s = (await t.client.request('GET', `/v1/streams/${STREAM}`)).body;
      return s.handovers >= 2 ? s : null;
    }, 60_000, 500);
    assert.equal(state.state, 'recording');
    assert.equal(state.restarts, 0, 'no watchdog restart was needed');

    const playlist = parsePlaylist((await t.rt.store.get(`streams/${STREAM}/index.m3u8`)).toString());
    const segs = playlist.segments;
    const joins = segs.map((s, i) => ({ s, i })).filter(({ s, i }) => i > 0 && s.discontinuity);
    assert.ok(joins.length >= 2, `each hand-over is a discontinuity: ${joins.length}`);
    assert.deepEqual(segs.map((s) => s.seq), segs.map((_, i) => segs[0]!.seq + i), 'sequence numbers are contiguous');
    for (const { s, i } of joins) {
      const prev = segs[i - 1]!;
      const prevFrames = await readFrameIndexes(t.rt.store.pathOf(`streams/${STREAM}/${prev.uri}`));
      const [first] = await readFrameIndexes(t.rt.store.pathOf(`streams/${STREAM}/${s.uri}`), { frames: 1 });
      const lastBefore = prevFrames.at(-1)!;
      assert.ok(first! <= lastBefore + 1, `no frame lost at the hand-over: ${lastBefore} then ${first}`);
      assert.ok(first! >= lastBefore - FPS, `at most a segment repeats: ${lastBefore} then ${first}`);
      const gapMs = s.start.getTime() - segmentEnd(prev).getTime();
      assert.ok(Math.abs(gapMs) < 500, `wall clock continues across the hand-over (${gapMs} ms)`);
    }
  });

  it('a recorder that finds its lease taken stops writing (no two writers)', async () => {
    await t.client.request('POST', '/v1/streams', { id: 'contested', source: { type: 'testsrc', width: 160, height: 90, fps: 15, clock: false }, segmentSec: 1, retentionSec: 60 });
    await waitFor('3 segments', async () => (await t.client.request('GET', '/v1/streams/contested')).body.segmentCount >= 3, 20_000, 200);
    const state = JSON.parse((await t.rt.store.get('streams/contested/stream.json')).toString());
    // Another recorder took the stream (as a watchdog restart racing a live one would) and keeps
    // its lease fresh, as a live one does: a single write can be lost to the old recorder's
    // heartbeat landing just after it (read-modify-write; docs/deploy.md §9), the next one is not.
    const intrude = () => t.rt.store.put('streams/contested/stream.json', JSON.stringify({ ...state, owner: 'intruder', heartbeatAt: new Date().toISOString() }));
    await intrude();
    const takenAt = Date.now();
    const heartbeat = setInterval(() => void intrude(), 1000);
    try {
      await waitFor('the old recorder to notice', async () => {
        const p = parsePlaylist((await t.rt.store.get('streams/contested/index.m3u8')).toString());
        return Date.now() - takenAt > 4000 && Date.now() - segmentEnd(p.segments.at(-1)!).getTime() > 3000;
      }, 20_000, 250);
    } finally {
      clearInterval(heartbeat);
    }
    await intrude();
    await new Promise((r) => setTimeout(r, 2000));
    const after = JSON.parse((await t.rt.store.get('streams/contested/stream.json')).toString());
    assert.equal(after.owner, 'intruder', 'the old recorder no longer overwrites the lease');
  });
});
