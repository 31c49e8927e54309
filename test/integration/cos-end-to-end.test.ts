/*
 * The spine once more with COS as the store: the recorder's segments and playlist, the job, the
 * MP4 and poster all go through the COS SDK to the local COS-compatible server (signed requests),
 * and the result URL is a presigned COS URL that plays.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parsePlaylist } from '../../shared/media/hls-playlist.ts';
import { probeMedia } from '../../shared/media/probe-media.ts';
import { CosStore } from '../../shared/storage/cos-store.ts';
import { decodeErrors } from '../helpers/media-checks.ts';
import { startTestRuntime, waitFor, type TestRuntime } from '../helpers/test-runtime.ts';
import { startCosServer, type CosServer } from '../servers/cos-server.ts';

let cos: CosServer;
let t: TestRuntime;
let tmp: string;

describe('record → highlight → MP4 with the COS store', () => {
  before(async () => {
    cos = await startCosServer();
    tmp = await mkdtemp(path.join(os.tmpdir(), 'hl-cos-e2e-'));
    const store = new CosStore({ bucket: cos.bucket, region: cos.region, domain: cos.endpoint, protocol: 'http:', secretId: cos.credentials.secretId, secretKey: cos.credentials.secretKey, baseDelayMs: 10 });
    t = await startTestRuntime({}, { store, services: { timers: false } });
  });
  after(async () => {
    await t?.close();
    await cos?.close();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('records into COS and clips from it, the MP4 reachable by a presigned URL', async () => {
    const { status } = await t.client.request('POST', '/v1/streams', { id: 'cosgame', source: { type: 'testsrc', width: 320, height: 180, fps: 15 }, segmentSec: 1, retentionSec: 60 });
    assert.equal(status, 202);
    await waitFor('4 segments in COS', async () => (await t.client.request('GET', '/v1/streams/cosgame')).body.available?.segments >= 4, 30_000);
    const store = t.rt.deps.store;
    const playlist = parsePlaylist((await store.get('streams/cosgame/index.m3u8')).toString());
    for (const s of playlist.segments) assert.ok(await store.head(`streams/cosgame/${s.uri}`), `${s.uri} is in COS`);
    assert.ok(cos.requests.some((r) => r.method === 'PUT' && r.key.startsWith('streams/cosgame/seg/')), 'segments went to the COS server');

    const { body: job } = await t.client.request('POST', '/v1/highlights', { streamId: 'cosgame', before: 3 });
    const done = await t.client.waitForHighlight(job.id, { timeoutMs: 30_000 });
    assert.equal(done.status, 'succeeded', JSON.stringify(done.error));
    assert.match(done.result.url, new RegExp(`^http://${cos.endpoint.replace('.', '\\.')}/clips/`));
    assert.match(done.result.url, /q-signature=/, 'a presigned URL');
    const res = await fetch(done.result.url);
    assert.equal(res.status, 200);
    const file = path.join(tmp, 'clip.mp4');
    await writeFile(file, Buffer.from(await res.arrayBuffer()));
    const info = await probeMedia(file);
    assert.deepEqual([info.video?.width, info.video?.height], [320, 180]);
    assert.ok(Math.abs(info.durationSec - done.result.durationSec) < 0.1);
    assert.equal(await decodeErrors(file), '');
    assert.equal((await fetch(done.result.posterUrl)).status, 200);
    // A status read signs the URLs again (a stored presigned URL would expire).
    const stored = JSON.parse((await store.get(`clips/${job.id}/job.json`)).toString());
    await new Promise((r) => setTimeout(r, 1100));
    const fresh = (await t.client.request('GET', `/v1/highlights/${job.id}`)).body.result.url;
    assert.notEqual(fresh, stored.result.url, 'signed anew at read time');
    assert.equal((await fetch(fresh)).status, 200);
    await t.client.request('DELETE', '/v1/streams/cosgame');
  });

  it('keeps recording through 20% injected COS faults: no segment lost, the playlist valid at every read', async () => {
    await t.client.request('POST', '/v1/streams', { id: 'flaky', source: { type: 'testsrc', width: 320, height: 180, fps: 15 }, segmentSec: 1, retentionSec: 60 });
    await waitFor('2 segments', async () => (await t.client.request('GET', '/v1/streams/flaky')).body.available?.segments >= 2, 30_000);
    const store = t.rt.deps.store;
    const faultsBefore = cos.requests.filter((r) => r.fault).length;
    cos.setFaults({ rate: 0.2, kinds: ['503', 'reset'] });
    let reads = 0;
    try {
      const until = Date.now() + 6000;
      while (Date.now() < until) {
        // Every read of the playlist parses and names only segments that exist.
        const text = (await store.get('streams/flaky/index.m3u8')).toString();
        const p = parsePlaylist(text);
        for (const s of p.segments.slice(-3)) assert.ok(await store.head(`streams/flaky/${s.uri}`), `${s.uri} named before it exists`);
        reads++;
        await new Promise((r) => setTimeout(r, 200));
      }
    } finally {
      cos.setFaults({ rate: 0 });
    }
    assert.ok(cos.requests.filter((r) => r.fault).length - faultsBefore > 5, 'faults were injected while recording');
    const final = parsePlaylist((await store.get('streams/flaky/index.m3u8')).toString());
    const seqs = final.segments.map((s) => s.seq);
    assert.deepEqual(seqs, seqs.map((_, i) => seqs[0]! + i), 'no segment lost: sequence numbers are contiguous');
    assert.equal(final.segments.filter((s) => s.discontinuity).length, 0, 'no gap: the recorder never restarted');
    assert.ok(final.segments.length >= 7, `${final.segments.length} segments`);
    const state = (await t.client.request('GET', '/v1/streams/flaky')).body;
    assert.equal(state.state, 'recording');
    assert.ok(reads > 10);
    await t.client.request('DELETE', '/v1/streams/flaky');
  });
});
