import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { consoleLoginToken } from '../../shared/console/console-session.ts';
import { signedHeaders } from '../../shared/auth/request-signature.ts';
import { parsePlaylist, segmentEnd } from '../../shared/media/hls-playlist.ts';
import { probeMedia } from '../../shared/media/probe-media.ts';
import { runFfmpeg } from '../../shared/media/run-ffmpeg.ts';
import { listAll, putJson } from '../../shared/storage/object-store.ts';
import { makeTimerEvent } from '../../shared/triggers/timer-event.ts';
import { decodeErrors, topLevelBoxes } from '../helpers/media-checks.ts';
import { snapshotStore, startTestRuntime, waitFor, type TestRuntime } from '../helpers/test-runtime.ts';

const STREAM = 'game1';
const SEG = 1;
const ROOT = path.resolve(import.meta.dirname, '../..');
let t: TestRuntime;

/** A request with full control over body and headers (for the refusal cases). */
async function raw(method: string, p: string, body: string, headers?: Record<string, string>) {
  const res = await fetch(t.rt.url + p, {
    method, body: body || undefined,
    headers: { 'content-type': 'application/json', ...(headers ?? signedHeaders(t.rt.config.secret, method, p, body)) },
  });
  return { status: res.status, body: (await res.json()) as any };
}

const getStream = async () => (await t.client.request('GET', `/v1/streams/${STREAM}`)).body;
const playlist = async () => parsePlaylist((await t.rt.store.get(`streams/${STREAM}/index.m3u8`)).toString());

async function clip(body: Record<string, unknown>) {
  const { status, body: job } = await t.client.request('POST', '/v1/highlights', body);
  const done = await t.client.waitForHighlight(job.id, { timeoutMs: 60_000 });
  return { status, accepted: job, done };
}

describe('spine: record → highlight → MP4 on the local runtime', () => {
  before(async () => {
    t = await startTestRuntime();
    const { status } = await t.client.request('POST', '/v1/streams', {
      id: STREAM, source: { type: 'testsrc', width: 320, height: 180, fps: 15 }, segmentSec: SEG, retentionSec: 60,
    });
    assert.equal(status, 202);
    await waitFor('6 segments', async () => (await getStream()).available?.segments >= 6, 30_000);
  });
  after(async () => { await t?.close(); });

  it('records keyframe-aligned TS segments and a live playlist with PROGRAM-DATE-TIME', async () => {
    const p = await playlist();
    assert.ok(p.segments.length >= 6);
    assert.equal(p.ended, false);
    for (const [i, s] of p.segments.entries()) {
      assert.ok(Math.abs(s.durationSec - SEG) < 0.2, `segment ${i} lasts ${s.durationSec}s`);
      const next = p.segments[i + 1];
      if (next) assert.ok(Math.abs(next.start.getTime() - segmentEnd(s).getTime()) < 60, 'segments are contiguous in wall-clock time');
    }
    // The newest segment is recent (PROGRAM-DATE-TIME is wall clock, not stream time).
    assert.ok(Date.now() - segmentEnd(p.segments.at(-1)!).getTime() < 3000);
    const keys = (await listAll(t.rt.store, `streams/${STREAM}/seg/`)).map((o) => o.key);
    assert.deepEqual(keys, p.segments.map((s) => `streams/${STREAM}/${s.uri}`), 'segment keys sort in playlist (time) order');
    const text = (await t.rt.store.get(`streams/${STREAM}/index.m3u8`)).toString();
    assert.equal(text.match(/#EXT-X-PROGRAM-DATE-TIME:/g)?.length, p.segments.length);
    const s = await getStream();
    assert.equal(s.state, 'recording');
    assert.ok(Date.now() - Date.parse(s.heartbeatAt) < 3000, 'heartbeat is fresh');
  });

  it('turns a signed highlight request into a faststart MP4 with video and audio covering the window', async () => {
    const { status, accepted, done } = await clip({ id: 'hl-a', streamId: STREAM, before: 3, after: 0 });
    assert.equal(status, 202);
    assert.equal(accepted.status, 'queued');
    assert.equal(accepted.statusUrl, '/v1/highlights/hl-a');
    assert.equal(done.status, 'succeeded', JSON.stringify(done.error));
    const file = t.rt.store.pathOf(done.result.key);
    const info = await probeMedia(file);
    assert.deepEqual(info.streams.map((s) => s.type).sort(), ['audio', 'video']);
    assert.equal(info.video?.codec, 'h264');
    assert.equal(info.audio?.codec, 'aac');
    assert.ok(Math.abs(info.durationSec - 3) <= SEG, `duration ${info.durationSec}s is within one segment of 3s`);
    assert.equal(await decodeErrors(file), '');
    const boxes = await topLevelBoxes(file);
    assert.ok(boxes.indexOf('moov') >= 0 && boxes.indexOf('moov') < boxes.indexOf('mdat'), `moov before mdat: ${boxes}`);
    // Requested vs actual: starts on the keyframe at or before the asked start, ends where asked.
    const askedStart = Date.parse(done.requested.start);
    const actualStart = Date.parse(done.result.actual.start);
    assert.ok(actualStart <= askedStart && askedStart - actualStart < SEG * 1000 + 50);
    assert.equal(done.result.actual.end, done.requested.end);
    const poster = await readFile(t.rt.store.pathOf(done.result.posterKey));
    assert.equal(poster.readUInt16BE(0), 0xffd8, 'poster is a JPEG');
    // The MP4 is served for sharing.
    const res = await fetch(done.result.url);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'video/mp4');
    assert.equal(Number(res.headers.get('content-length')), done.result.sizeBytes);
    const part = await fetch(done.result.url, { headers: { range: 'bytes=0-99' } });
    assert.equal(part.status, 206);
    assert.equal((await part.arrayBuffer()).byteLength, 100);
  });

  it('waits for post-roll segments when the window ends after the request', async () => {
    const { done } = await clip({ streamId: STREAM, at: new Date().toISOString(), before: 2, after: 2 });
    assert.equal(done.status, 'succeeded', JSON.stringify(done.error));
    assert.equal(done.result.actual.end, done.requested.end, 'the clip reaches the asked end');
    // Copy mode starts on the keyframe at or before the asked start: up to one segment (GOP) more, plus a frame of jitter.
    assert.ok(Math.abs(done.result.durationSec - 4) <= SEG + 1 / 15, `duration ${done.result.durationSec}`);
  });

  it('gives one job and one MP4 for the same request id, and refuses the id for a different request', async () => {
    const first = await t.client.request('POST', '/v1/highlights', { id: 'hl-dup', streamId: STREAM, before: 2 });
    const second = await t.client.request('POST', '/v1/highlights', { id: 'hl-dup', streamId: STREAM, before: 2 });
    assert.equal(first.status, 202);
    assert.equal(second.status, 200);
    assert.equal(second.body.id, 'hl-dup');
    assert.equal(second.body.createdAt, first.body.createdAt);
    const done = await t.client.waitForHighlight('hl-dup');
    assert.equal(done.status, 'succeeded');
    const again = await t.client.request('POST', '/v1/highlights', { id: 'hl-dup', streamId: STREAM, before: 2 });
    assert.equal(again.body.status, 'succeeded');
    assert.equal(again.body.result.key, done.result.key);
    const keys = (await listAll(t.rt.store, 'clips/hl-dup/')).map((o) => o.key);
    assert.deepEqual(keys, ['clips/hl-dup/hl-dup.mp4', 'clips/hl-dup/job.json', 'clips/hl-dup/poster.jpg', 'clips/hl-dup/preview.m3u8']);
    const conflict = await raw('POST', '/v1/highlights', JSON.stringify({ id: 'hl-dup', streamId: STREAM, before: 3 }));
    assert.equal(conflict.status, 409);
    assert.equal(conflict.body.error.code, 'JOB_CONFLICT');
  });

  it('clips a request dropped as JSON under triggers/highlights/ (COS-event path)', async () => {
    await putJson(t.rt.store, 'triggers/highlights/drop1.json', { streamId: STREAM, before: 2 });
    const result = await waitFor('trigger result', async () => {
      const head = await t.rt.store.head('triggers/results/drop1.json');
      return head && JSON.parse((await t.rt.store.get('triggers/results/drop1.json')).toString());
    }, 20_000);
    assert.match(result.id, /^trg-[0-9a-f]{24}$/);
    const done = await t.client.waitForHighlight(result.id);
    assert.equal(done.status, 'succeeded', JSON.stringify(done.error));
    assert.ok((await t.rt.store.head(done.result.key))!.size > 1000);

    await t.rt.store.put('triggers/highlights/bad.json', '{"streamId": "no-such-stream"}');
    const bad = await waitFor('bad trigger result', async () => {
      const head = await t.rt.store.head('triggers/results/bad.json');
      return head && JSON.parse((await t.rt.store.get('triggers/results/bad.json')).toString());
    }, 20_000);
    assert.equal(bad.error.code, 'STREAM_NOT_FOUND');
  });

  it('encodes a part through the transcoder function, invoked synchronously through the invoker', async () => {
    const p = await playlist();
    const out = await t.rt.deps.invoker.invokeSync<{ key: string; sizeBytes: number }>('transcoder', {
      action: 'part', streamId: STREAM, clipId: 'part-test', index: 0,
      segments: p.segments.slice(0, 2).map((s) => s.uri), startFrame: 6, frames: 18,
      settings: { profile: 'source', fit: 'blur', crf: 30, preset: 'ultrafast' }, threads: 1, hash: 'ab'.repeat(16),
    });
    assert.equal(out.key, 'clips/part-test/parts/0000.mp4');
    const meta = JSON.parse((await t.rt.store.get('clips/part-test/parts/0000.json')).toString());
    assert.equal(meta.hash, 'ab'.repeat(16), 'the part carries the hash of its task, for resume');
    const part = t.rt.store.pathOf(out.key);
    assert.equal(await decodeErrors(part), '');
    const info = await probeMedia(part);
    assert.deepEqual([info.video?.width, info.video?.height], [320, 180]);
    assert.equal(info.audio, undefined, 'parts carry video only (audio is encoded once per clip)');
    assert.ok(Math.abs(info.durationSec - 18 / 15) < 0.001, `part lasts ${info.durationSec}s: exactly its 18 frames at 15 fps`);
    const bad = await t.rt.deps.invoker.invokeSync('transcoder', { action: 'part', streamId: STREAM }).then(() => null, (e) => e);
    assert.equal(bad?.code, 'VALIDATION_FAILED');
  });

  it('serves the live playlist so a standard HLS client can play the recent past', async () => {
    const { stderr } = await runFfmpeg(['-v', 'error', '-i', `${t.rt.url}/files/streams/${STREAM}/index.m3u8`, '-t', '2', '-f', 'null', '-']);
    assert.equal(stderr.trim(), '');
  });

  it('lists streams from the CLI with --json and exits 2 on bad usage', async () => {
    const env = { ...process.env, HL_SECRET: t.rt.config.secret };
    // Async: the runtime answering the CLI lives in this process.
    const cli = (...args: string[]) => new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, ['--import', 'tsx', 'cli/main.ts', ...args, '--url', t.rt.url], { cwd: ROOT, env, encoding: 'utf8' },
        (err, stdout, stderr) => resolve({ status: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
    });
    const list = await cli('record', 'list', '--json');
    assert.equal(list.status, 0, list.stderr);
    assert.deepEqual(JSON.parse(list.stdout).streams.map((s: any) => s.id), [STREAM]);
    const bad = await cli('clip');
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /clip needs --stream/);
    const refused = await cli('clip', '--stream', 'nope', '--before', '2');
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /STREAM_NOT_FOUND/);
    assert.match(refused.stderr, /hint: list the streams/, 'a refusal comes with what to try next');
    const refusedJson = await cli('clip', '--stream', 'nope', '--before', '2', '--json');
    assert.equal(refusedJson.status, 1);
    assert.deepEqual(JSON.parse(refusedJson.stdout).error.code, 'STREAM_NOT_FOUND', '--json: the error is JSON on stdout too');
    assert.match(JSON.parse(refusedJson.stdout).error.hint, /list the streams/);
    const clip = await cli('clip', '--stream', STREAM, '--before', '2', '--wait');
    assert.equal(clip.status, 0, clip.stderr);
    assert.match(clip.stderr, /\[[#.]{20}\] \d+\/\d+/, 'clip progress shows a bar of parts done/total');
    assert.match(clip.stdout, /\.mp4/);
    const rec = await cli('record', 'start', 'cli-startup', '--size', '160x90', '--fps', '10', '--retention', '30', '--segment', '1');
    assert.equal(rec.status, 0, rec.stderr);
    assert.match(rec.stderr, /starting cli-startup \[#{20}\] 3\/3 first segment published/, 'start-up shows its steps as a bar');
    assert.match(rec.stdout, /recording cli-startup \(recording\); playlist http/);
    assert.equal((await cli('record', 'stop', 'cli-startup', '--wait')).status, 0);
    const link = await cli('console', '--json');
    assert.equal(link.status, 0, link.stderr);
    assert.equal(JSON.parse(link.stdout).loginLink, `${t.rt.url}/console/#token=${consoleLoginToken(t.rt.config.secret)}`);
    // A port nothing listens on (taken, then let go).
    const free = await new Promise<number>((resolve) => { const srv = net.createServer().listen(0, '127.0.0.1', () => { const { port } = srv.address() as net.AddressInfo; srv.close(() => resolve(port)); }); });
    const down = await new Promise<{ status: number; stdout: string }>((resolve) => {
      execFile(process.execPath, ['--import', 'tsx', 'cli/main.ts', 'record', 'list', '--json', '--url', `http://127.0.0.1:${free}`], { cwd: ROOT, env, encoding: 'utf8' },
        (err, stdout) => resolve({ status: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout }));
    });
    assert.equal(down.status, 4, 'an unreachable API exits 4');
    assert.equal(JSON.parse(down.stdout).error.code, 'UNREACHABLE');
  });

  it('stops on request, finalising the last segment and ending the playlist', async () => {
    const { status, body } = await t.client.request('DELETE', `/v1/streams/${STREAM}`);
    assert.equal(status, 202);
    assert.equal(body.state, 'stopping');
    const s = await waitFor('stopped', async () => { const x = await getStream(); return x.state === 'stopped' && x; }, 15_000);
    const p = await playlist();
    assert.equal(p.ended, true);
    assert.equal(p.segments.length, s.segmentCount, 'every recorded segment is in the playlist (60 s retention)');
    assert.ok(p.segments.at(-1)!.durationSec > 0);
  });

  it('refuses bad requests with 4xx and a code, writing nothing', async () => {
    const before = await snapshotStore(t);
    const hl = (b: unknown) => raw('POST', '/v1/highlights', JSON.stringify(b));
    const cases: Array<[string, Promise<{ status: number; body: any }>, number, string]> = [
      ['malformed JSON', raw('POST', '/v1/highlights', '{"streamId": '), 400, 'INVALID_JSON'],
      ['negative before', hl({ streamId: STREAM, before: -1 }), 422, 'VALIDATION_FAILED'],
      ['unknown field', hl({ streamId: STREAM, before: 2, sneaky: true }), 422, 'VALIDATION_FAILED'],
      ['id escaping its prefix', hl({ id: '../x', streamId: STREAM, before: 2 }), 422, 'VALIDATION_FAILED'],
      ['unknown stream', hl({ streamId: 'nope', before: 2 }), 404, 'STREAM_NOT_FOUND'],
      ['window older than retention', hl({ streamId: STREAM, at: new Date(Date.now() - 120_000).toISOString(), before: 5 }), 422, 'WINDOW_EXPIRED'],
      ['window after a stopped stream', hl({ streamId: STREAM, at: new Date(Date.now() + 20_000).toISOString(), before: 1 }), 422, 'WINDOW_EMPTY'],
      ['unsigned', raw('POST', '/v1/highlights', '{}', {}), 401, 'UNAUTHORIZED'],
      ['bad signature', raw('POST', '/v1/highlights', JSON.stringify({ streamId: STREAM }), signedHeaders('wrong-secret', 'POST', '/v1/highlights', JSON.stringify({ streamId: STREAM }))), 401, 'SIGNATURE_INVALID'],
      ['stale signature', raw('POST', '/v1/highlights', '{}', signedHeaders(t.rt.config.secret, 'POST', '/v1/highlights', '{}', Date.now() - 10 * 60_000)), 401, 'SIGNATURE_STALE'],
      ['too large', raw('POST', '/v1/highlights', JSON.stringify({ pad: 'x'.repeat(70_000) })), 413, 'PAYLOAD_TOO_LARGE'],
      ['missing source file', raw('POST', '/v1/streams', JSON.stringify({ id: 'f1', source: { type: 'file', path: '/nonexistent.mp4' } })), 422, 'VALIDATION_FAILED'],
      ['bad stream id', raw('POST', '/v1/streams', JSON.stringify({ id: 'a/b', source: { type: 'testsrc' } })), 422, 'VALIDATION_FAILED'],
      ['unknown highlight', raw('GET', '/v1/highlights/nope', ''), 404, 'JOB_NOT_FOUND'],
      ['unknown route', raw('GET', '/v1/nothing', ''), 404, 'NOT_FOUND'],
    ];
    for (const [name, pending, status, code] of cases) {
      const r = await pending;
      assert.equal(r.status, status, `${name}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.error.code, code, name);
      assert.ok(r.body.error.message.length > 10, `${name} has a human message`);
    }
    // A captured request cannot be replayed.
    const headers = signedHeaders(t.rt.config.secret, 'GET', '/v1/streams', '');
    assert.equal((await raw('GET', '/v1/streams', '', headers)).status, 200);
    const replay = await raw('GET', '/v1/streams', '', headers);
    assert.equal(replay.status, 401);
    assert.equal(replay.body.error.code, 'SIGNATURE_REPLAYED');
    assert.deepEqual(await snapshotStore(t), before, 'the store is unchanged');
  });

  it('watchdog restarts a recorder whose heartbeat expired and continues the playlist after a discontinuity', async () => {
    const crashed = JSON.parse((await t.rt.store.get(`streams/${STREAM}/stream.json`)).toString());
    const segmentsBefore = (await playlist()).segments.length;
    // As a function killed mid-recording leaves it: recording, owned, stale heartbeat, no stop request.
    await t.rt.store.delete(`streams/${STREAM}/stop.json`);
    await putJson(t.rt.store, `streams/${STREAM}/stream.json`, { ...crashed, state: 'recording', owner: 'dead-invocation', heartbeatAt: new Date(Date.now() - 60_000).toISOString() });
    const report = await t.rt.deps.invoker.invokeSync<{ restarted: string[] }>('segmenter', makeTimerEvent('watchdog'));
    assert.deepEqual(report.restarted, [STREAM]);
    await waitFor('new segments', async () => (await playlist()).segments.length >= segmentsBefore + 2, 20_000);
    const p = await playlist();
    const resumed = p.segments[segmentsBefore]!;
    assert.equal(resumed.discontinuity, true, 'the first new segment follows a discontinuity');
    assert.equal(resumed.seq, p.segments[segmentsBefore - 1]!.seq + 1, 'sequence numbers continue');
    assert.equal(p.ended, false);
    const s = await getStream();
    assert.equal(s.restarts, 1);
    assert.equal(s.state, 'recording');
    await t.client.request('DELETE', `/v1/streams/${STREAM}`);
    await waitFor('stopped', async () => (await getStream()).state === 'stopped', 15_000);
  });
});
