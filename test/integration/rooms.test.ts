import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ApiError } from '../../cli/api-client.ts';
import { parsePlaylist } from '../../shared/media/hls-playlist.ts';
import { putJson } from '../../shared/storage/object-store.ts';
import { makeTimerEvent } from '../../shared/triggers/timer-event.ts';
import { inspectMedia } from '../../shared/media/inspect-media.ts';
import { probeMedia } from '../../shared/media/probe-media.ts';
import { decodeErrors } from '../helpers/media-checks.ts';
import { publishTestStream, startRtmpServer, type Publisher, type RtmpServer } from '../helpers/rtmp-server.ts';
import { snapshotStore, sleep, startTestRuntime, waitFor, type TestRuntime } from '../helpers/test-runtime.ts';

const ROOM = 'match42';
const USERS = ['alice', 'bob', 'carol'];
let t: TestRuntime;
let rtmp: RtmpServer;
const publishers = new Map<string, Publisher>();

const get = async (p: string) => (await t.client.request('GET', p)).body;
/** A request whose refusal is the point: the status and error body instead of a throw. */
async function call(method: string, p: string, body?: unknown): Promise<{ status: number; body: any }> {
  try {
    return await t.client.request(method, p, body);
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    return { status: err.status, body: { error: { code: err.code, message: err.message } } };
  }
}
const recPath = (id: string) => `/v1/rooms/${ROOM}/recordings/${id}`;

/** Stop a recording and wait for its manifest to be complete. */
async function stopAndWait(id: string) {
  const { status } = await t.client.request('DELETE', recPath(id));
  assert.equal(status, 202);
  return waitFor(`${id} stopped`, async () => {
    const r = await get(recPath(id));
    return r.state === 'stopped' ? r : null;
  }, 45_000, 300);
}

async function segmentsOf(streamId: string) {
  return parsePlaylist((await t.rt.store.get(`streams/${streamId}/index.m3u8`)).toString()).segments;
}

describe('room recording: single-stream, mixed-stream and targeted users from a real RTMP server', () => {
  before(async () => {
    rtmp = await startRtmpServer();
    for (const u of USERS) publishers.set(u, publishTestStream(rtmp.url(`${ROOM}_${u}`), { width: 320, height: 180, fps: 15, gopSec: 1 }));
    await Promise.all([...publishers.values()].map((p) => p.firstFrameWallMs));
    // No timers: the watchdog test below runs the timer's pass itself, deterministically.
    t = await startTestRuntime({}, { services: { timers: false } });
    for (const u of USERS) {
      const { status, body } = await t.client.request('PUT', `/v1/rooms/${ROOM}/users/${u}`, { url: rtmp.url(`${ROOM}_${u}`) });
      assert.equal(status, 200, JSON.stringify(body));
    }
  });
  after(async () => {
    await t?.close();
    await Promise.all([...publishers.values()].map((p) => p.stop()));
    await rtmp?.close();
  });

  it('records single (separate A/V per user), mixed A/V, mixed audio-only and targeted users, and finalises files with a manifest', async () => {
    const start = async (body: Record<string, unknown>) => {
      const { status, body: r } = await t.client.request('POST', `/v1/rooms/${ROOM}/recordings`, { segmentSec: 1, ...body });
      assert.equal(status, 202, JSON.stringify(r));
      return r;
    };
    const single = await start({ id: 'sep', mode: 'single', separateAV: true });
    assert.equal(single.streams.length, 6, 'an audio and a video recording per user');
    assert.match(single.recorderUserId, /^recorder_/, 'an absent recorder user id gets a random one');
    const mixed = await start({ id: 'mix', mode: 'mixed', canvas: { width: 640, height: 360, fps: 15 }, recorderUserId: '0' });
    const mixedAudio = await start({ id: 'mixaudio', mode: 'mixed', media: 'audio' });
    const targeted = await start({ id: 'two', mode: 'single', userIds: ['alice', 'carol'] });
    assert.deepEqual(targeted.streams.map((s: { userId: string }) => s.userId).sort(), ['alice', 'carol']);

    const mixStream = mixed.streams[0].streamId;
    await waitFor('3 mixed segments', async () => (await get(`/v1/streams/${mixStream}`)).available?.segments >= 3, 30_000, 300);

    // The mix is one stream: the 3-user grid on the 640x360 canvas and one mixed audio track.
    const segs = await segmentsOf(mixStream);
    const segInfo = await inspectMedia(t.rt.store.pathOf(`streams/${mixStream}/${segs.at(-1)!.uri}`));
    assert.deepEqual([segInfo.video?.codec, segInfo.video?.width, segInfo.video?.height], ['h264', 640, 360]);
    assert.equal(segInfo.audio?.codec, 'aac');
    const audioStream = mixedAudio.streams[0].streamId;
    await waitFor('mixed audio segments', async () => (await get(`/v1/streams/${audioStream}`)).available?.segments >= 2, 20_000, 300);
    const aSegs = await segmentsOf(audioStream);
    const aInfo = await inspectMedia(t.rt.store.pathOf(`streams/${audioStream}/${aSegs.at(-1)!.uri}`));
    assert.equal(aInfo.video, undefined, 'audio-only mix has no video');
    assert.equal(aInfo.audio?.codec, 'aac');

    // carol leaves: her single recordings stop, the mix re-lays out and goes on with the others.
    const left = await t.client.request('DELETE', `/v1/rooms/${ROOM}/users/carol`);
    assert.equal(left.status, 200);
    assert.equal(left.body.stopped.length, 3, `carol's audio, video and targeted recordings stop: ${JSON.stringify(left.body)}`);
    const leftAt = Date.now();
    // The re-layout is marked in the playlist, and the mix goes on after it.
    const relaid = await waitFor('re-laid-out mix segments', async () => {
      const s = await segmentsOf(mixStream);
      const cut = s.findIndex((x) => x.discontinuity);
      return cut >= 0 && s.length - cut >= 2 ? s[cut]! : null;
    }, 30_000, 300);
    assert.ok(relaid.start.getTime() > leftAt - 1000, 'the discontinuity is the re-layout after the leave');
    const mixState = await get(`/v1/streams/${mixStream}`);
    assert.equal(mixState.state, 'recording', 'the mix continues with the rest');

    await sleep(500);
    const [sep, mix, mixA, two] = await Promise.all(['sep', 'mix', 'mixaudio', 'two'].map(stopAndWait));

    // single + separateAV: per user an audio-only M4A and a video-only MP4.
    const files = sep!.manifest.files as Array<{ userId: string; track: string; key: string; format: string; durationSec: number; start: string; end: string; gaps: unknown[] }>;
    assert.equal(files.length, 6);
    assert.deepEqual(sep!.manifest.users.sort(), USERS);
    for (const f of files) {
      assert.ok(f.key.startsWith(`rooms/${ROOM}/sep/`), f.key);
      const info = await probeMedia(t.rt.store.pathOf(f.key));
      if (f.track === 'audio') {
        assert.equal(f.format, 'm4a');
        assert.equal(info.video, undefined, `${f.key} has no video`);
        assert.equal(info.audio?.codec, 'aac');
      } else {
        assert.equal(f.format, 'mp4');
        assert.equal(info.audio, undefined, `${f.key} has no audio`);
        assert.deepEqual([info.video?.codec, info.video?.width, info.video?.height], ['h264', 320, 180]);
      }
      assert.ok(info.durationSec > 1, `${f.key} lasts ${info.durationSec}s`);
      assert.ok(Date.parse(f.end) > Date.parse(f.start));
      assert.equal(await decodeErrors(t.rt.store.pathOf(f.key)), '');
    }
    // carol left first: her files end before the others'.
    const endOf = (u: string) => Math.max(...files.filter((f) => f.userId === u).map((f) => Date.parse(f.end)));
    assert.ok(endOf('carol') < endOf('alice'), 'carol\'s recording ended when she left');

    // mixed A/V: one MP4 of the canvas size with one audio track; all three users were in it.
    assert.equal(mix!.manifest.files.length, 1);
    assert.deepEqual(mix!.manifest.users.sort(), USERS);
    const mixInfo = await probeMedia(t.rt.store.pathOf(mix!.manifest.files[0].key));
    assert.deepEqual([mixInfo.video?.width, mixInfo.video?.height], [640, 360]);
    assert.equal(mixInfo.streams.filter((s) => s.type === 'audio').length, 1);
    assert.equal(mixInfo.audio?.channels, 2);
    assert.equal(await decodeErrors(t.rt.store.pathOf(mix!.manifest.files[0].key)), '');
    assert.match(mix!.recorderUserId, /^recorder_/, 'recorder user "0" gets a random id');

    // mixed audio-only: one M4A.
    assert.equal(mixA!.manifest.files.length, 1);
    assert.equal(mixA!.manifest.files[0].format, 'm4a');
    const maInfo = await probeMedia(t.rt.store.pathOf(mixA!.manifest.files[0].key));
    assert.equal(maInfo.video, undefined);
    assert.equal(maInfo.audio?.codec, 'aac');

    // targeted: only alice and carol.
    assert.deepEqual(two!.manifest.files.map((f: { userId: string }) => f.userId).sort(), ['alice', 'carol']);
  });

  it('the watchdog joins a stopped stream whose recorder could not (aborted), and completes the manifest', async () => {
    const r = await get(recPath('two'));
    assert.equal(r.state, 'stopped');
    const lost = r.manifest.files.find((f: { userId: string }) => f.userId === 'alice');
    // As if alice's recorder had been aborted before joining its file.
    await t.rt.store.delete(lost.key);
    await t.rt.store.delete(`rooms/${ROOM}/two/files/${lost.streamId}.json`);
    const rec = JSON.parse((await t.rt.store.get(`rooms/${ROOM}/two/recording.json`)).toString());
    await putJson(t.rt.store, `rooms/${ROOM}/two/recording.json`, { ...rec, state: 'stopping' });
    assert.equal((await get(recPath('two'))).state, 'stopping', 'a file is missing: not stopped');
    const report = await t.rt.deps.invoker.invokeSync<{ finalizing: string[] }>('segmenter', makeTimerEvent('watchdog'));
    assert.deepEqual(report.finalizing, [lost.streamId]);
    const again = await t.rt.deps.invoker.invokeSync<{ finalizing: string[] }>('segmenter', makeTimerEvent('watchdog'));
    assert.deepEqual(again.finalizing, [], 'asked once, not on every tick');
    const done = await waitFor('two stopped again', async () => { const x = await get(recPath('two')); return x.state === 'stopped' ? x : null; }, 20_000, 200);
    const back = done.manifest.files.find((f: { userId: string }) => f.userId === 'alice');
    assert.equal(back.key, lost.key);
    assert.equal(await decodeErrors(t.rt.store.pathOf(back.key)), '');
  });

  it('refuses a mix over the user limit, unknown schemes and bad ids, writing nothing', async () => {
    const before = await snapshotStore(t);
    const many = Array.from({ length: 60 }, (_, i) => `user${i}`);
    const tooMany = await call('POST', `/v1/rooms/${ROOM}/recordings`, { mode: 'mixed', userIds: many });
    assert.equal(tooMany.status, 422);
    assert.equal(tooMany.body.error.code, 'TOO_MANY_USERS');
    assert.match(tooMany.body.error.message, /at most 16 users/);
    for (const url of ['file:///etc/passwd', 'concat:a.ts|b.ts', 'lavfi:testsrc']) {
      const r = await call('PUT', `/v1/rooms/${ROOM}/users/mallory`, { url });
      assert.equal(r.status, 422, url);
      assert.equal(r.body.error.code, 'URL_NOT_ALLOWED', url);
    }
    const badMode = await call('POST', `/v1/rooms/${ROOM}/recordings`, { mode: 'single', canvas: { width: 640, height: 360, fps: 15 } });
    assert.equal(badMode.status, 422);
    const badRoom = await call('POST', '/v1/rooms/..%2Fstreams/recordings', { mode: 'single' });
    assert.equal(badRoom.status, 400);
    const roomTag = await call('POST', '/v1/streams', { id: 'sneaky', source: { type: 'url', url: rtmp.url('x') }, room: { roomId: ROOM, recordingId: 'sep', track: 'av' } });
    assert.equal(roomTag.status, 422, 'only room recordings tag streams with a room');
    assert.deepEqual(await snapshotStore(t), before, 'nothing was written');
  });

  it('works through the CLI: record an RTMP stream, join a user, record the room, stop and get the files', async () => {
    const env = { ...process.env, HL_SECRET: t.rt.config.secret };
    const cli = (...args: string[]) => new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, ['--import', 'tsx', 'cli/main.ts', ...args, '--url', t.rt.url], { cwd: path.resolve(import.meta.dirname, '../..'), env, encoding: 'utf8' },
        (err, stdout, stderr) => resolve({ status: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
    });
    const rec = await cli('record', 'start', 'cli-rtmp', '--source', rtmp.url(`${ROOM}_alice`), '--segment', '1', '--json');
    assert.equal(rec.status, 0, rec.stderr);
    const stream = JSON.parse(rec.stdout);
    assert.equal(stream.source, 'url');
    assert.ok(stream.available.segments >= 1, 'record start waits for the first segment');
    const join = await cli('room', 'join', 'cliroom', 'dave', '--source', rtmp.url(`${ROOM}_bob`), '--json');
    assert.equal(join.status, 0, join.stderr);
    const start = await cli('room', 'record', 'cliroom', '--mode', 'single', '--users', 'dave', '--id', 'clirec', '--segment', '1', '--json');
    assert.equal(start.status, 0, start.stderr);
    assert.deepEqual(JSON.parse(start.stdout).streams.map((s: { userId: string }) => s.userId), ['dave']);
    await waitFor('dave recorded', async () => (await get('/v1/streams/clirec-av-dave')).available?.segments >= 2, 20_000, 300);
    const stop = await cli('room', 'stop', 'cliroom', 'clirec', '--wait', '--json');
    assert.equal(stop.status, 0, stop.stderr);
    const done = JSON.parse(stop.stdout);
    assert.equal(done.state, 'stopped');
    assert.equal(done.manifest.files.length, 1);
    assert.equal(done.manifest.files[0].userId, 'dave');
    const bad = await cli('room', 'record', 'cliroom');
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--mode/);
    const stopStream = await cli('record', 'stop', 'cli-rtmp', '--wait', '--json');
    assert.equal(JSON.parse(stopStream.stdout).state, 'stopped');
  });
});
