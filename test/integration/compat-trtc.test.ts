import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../shared/config/config.ts';
import { inspectMedia } from '../../shared/media/inspect-media.ts';
import { toApiGatewayEvent } from '../../shared/triggers/api-gateway-event.ts';
import { decodeErrors } from '../helpers/media-checks.ts';
import { publishTestStream, startRtmpServer, type Publisher, type RtmpServer } from '../helpers/rtmp-server.ts';
import { snapshotStore, startTestRuntime, waitFor, type TestRuntime } from '../helpers/test-runtime.ts';

/**
 * The SCF recording templates' requests, unchanged, against the local runtime: the six modes
 * from real RTMP publishers, the callback in the template's exact shape, idle stop, RemoveUser
 * and DELETE, idempotent repeats, UserId 0, and malformed bodies.
 */
const require = createRequire(import.meta.url);
const TLSSigAPIv2 = require('tls-sig-api-v2') as { Api: new (sdkAppId: number, key: string) => { genSig(userId: string, expire: number): string } };
const APP = 1400012345;
const KEY = 'f3e1c0ffee5ecret0123456789abcdef0123456789abcdef0123456789abcd';
const sig = (userId: string) => new TLSSigAPIv2.Api(APP, KEY).genSig(userId, 3600);
const USERS = ['alice', 'bob'];

let t: TestRuntime;
let rtmp: RtmpServer;
const publishers: Publisher[] = [];
let hook: http.Server;
let hookUrl: string;
const callbacks: Array<{ headers: http.IncomingHttpHeaders; body: any }> = [];

/** POST as the template's caller does: no signing headers, the UserSig in the body. */
async function templatePost(body: unknown): Promise<{ status: number; text: string; reqId: string | null; existing: boolean }> {
  const res = await fetch(`${t.rt.url}/v1/compat/trtc-record`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, text: await res.text(), reqId: res.headers.get('x-scf-reqid'), existing: res.headers.get('x-hl-existing') === 'true' };
}

const request = (mode: string, room: Record<string, unknown>, userId: string | 0, extra: Record<string, unknown> = {}) => ({
  SdkAppId: APP, ...room, UserId: userId, UserSig: sig(String(userId)),
  CosConfig: { Region: 'ap-guangzhou', Bucket: 'records-1250000000', Path: 'trtc/' },
  Callback: hookUrl, Mode: mode, ...extra,
});

before(async () => {
  rtmp = await startRtmpServer();
  for (const u of USERS) publishers.push(publishTestStream(rtmp.url(`cmp_${u}`), { width: 320, height: 180, fps: 15, gopSec: 1 }));
  await Promise.all(publishers.map((p) => p.firstFrameWallMs));
  hook = http.createServer((req, res) => {
    let b = '';
    req.on('data', (c) => { b += c; });
    req.on('end', () => { callbacks.push({ headers: req.headers, body: JSON.parse(b) }); res.end('ok'); });
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/trtc/callback`;
  const base = loadConfig(process.env).compat;
  t = await startTestRuntime({ compat: { ...base, idleSec: 2, output: 'local', canvas: { width: 320, height: 180, fps: 15 }, trtcKeys: { [APP]: KEY } } }, { services: { timers: false } });
});

after(async () => {
  await t?.close();
  await Promise.all(publishers.map((p) => p.stop()));
  await rtmp?.close();
  hook?.closeAllConnections();
  await new Promise((r) => hook?.close(r));
});

const join = (room: string) => Promise.all(USERS.map((u) => t.client.request('PUT', `/v1/rooms/${room}/users/${u}`, { url: rtmp.url(`cmp_${u}`) })));
const leave = (room: string) => Promise.all(USERS.map((u) => t.client.request('DELETE', `/v1/rooms/${room}/users/${u}`)));
const keyOf = (recordFile: string) => decodeURIComponent(new URL(recordFile).pathname.replace(/^\/files\//, ''));

describe('SCF recording templates, drop-in', () => {
  it('refuses malformed or unauthenticated requests with 4xx and a code, starting nothing', async () => {
    const before = await snapshotStore(t);
    const ok = request('02', { RoomId: 7001 }, 'bot_a');
    const cases: Array<[string, unknown, number, string]> = [
      ['unknown Mode', { ...ok, Mode: '03' }, 422, 'VALIDATION_FAILED'],
      ['both RoomId and StrRoomId', { ...ok, StrRoomId: 'x7001' }, 422, 'VALIDATION_FAILED'],
      ['neither RoomId nor StrRoomId', { ...ok, RoomId: undefined }, 422, 'VALIDATION_FAILED'],
      ['a bucket without its appid', { ...ok, CosConfig: { ...ok.CosConfig, Bucket: 'records' } }, 422, 'VALIDATION_FAILED'],
      ['a SecretId without its SecretKey', { ...ok, CosConfig: { ...ok.CosConfig, SecretId: 'AKIDx' } }, 422, 'VALIDATION_FAILED'],
      ['a Path escaping upwards', { ...ok, CosConfig: { ...ok.CosConfig, Path: '../../etc' } }, 422, 'VALIDATION_FAILED'],
      ['a UserSig for another user', { ...ok, UserSig: sig('someone_else') }, 401, 'SIGNATURE_INVALID'],
      ['a UserSig of another app', { ...ok, SdkAppId: APP + 1 }, 401, 'UNAUTHORIZED'],
      ['a callback that is not http(s)', { ...ok, Callback: 'ftp://x/y' }, 422, 'URL_NOT_ALLOWED'],
    ];
    for (const [what, body, status, code] of cases) {
      const r = await templatePost(body);
      assert.equal(r.status, status, `${what}: ${r.text}`);
      assert.equal(JSON.parse(r.text).error.code, code, what);
      assert.equal(r.reqId, null, `${what}: no task`);
    }
    const notJson = await fetch(`${t.rt.url}/v1/compat/trtc-record`, { method: 'POST', body: '{"SdkAppId":' });
    assert.equal(notJson.status, 400);
    assert.deepEqual(await snapshotStore(t), before, 'nothing was written');
  });

  it('records all six modes, stops on idle, RemoveUser and DELETE, and calls back in the template\'s shape', { timeout: 180_000 }, async () => {
    const modes = [
      { mode: '00', room: { RoomId: 7100 }, user: 0 as const, stop: 'idle' },
      { mode: '01', room: { RoomId: 7101 }, user: 'bot_01', stop: 'remove-user' },
      { mode: '02', room: { RoomId: 7102 }, user: 'bot_02', stop: 'idle' },
      { mode: '10', room: { RoomId: 7110 }, user: 'bot_10', stop: 'idle' },
      { mode: '11', room: { RoomId: 0, StrRoomId: 'cmp_7111' }, user: 'bot_11', stop: 'idle' },
      { mode: '12', room: { RoomId: 7112 }, user: 'bot_12', stop: 'delete' },
    ];
    const roomOf = (m: (typeof modes)[number]) => String((m.room as { StrRoomId?: string }).StrRoomId ?? m.room.RoomId);
    for (const m of modes) await join(roomOf(m));
    const ids = new Map<string, string>();
    for (const m of modes) {
      const r = await templatePost(request(m.mode, m.room, m.user));
      assert.equal(r.status, 202, r.text);
      assert.equal(r.text, 'Async run task submitted');
      assert.ok(r.reqId, 'x-scf-reqid names the task');
      ids.set(m.mode, r.reqId);
    }
    // The same request again with the same non-zero UserId: the same task, not a second recording.
    const again = await templatePost(request('01', { RoomId: 7101 }, 'bot_01'));
    assert.equal(again.reqId, ids.get('01'));
    assert.equal(again.existing, true);
    assert.equal((await t.client.request('GET', '/v1/rooms/7101')).body.recordings.length, 1, 'one recording for the room');

    // Let every stream record a few segments.
    await waitFor('3+ segments in every recording', async () => {
      for (const m of modes) {
        const room = (await t.client.request('GET', `/v1/rooms/${roomOf(m)}`)).body;
        const rec = room.recordings[0];
        if (!rec) return false;
        for (const s of rec.streams) if (!((await t.client.request('GET', `/v1/streams/${s.streamId}`)).body.available?.segments >= 3)) return false;
      }
      return true;
    }, 60_000, 500);

    // Status while running.
    const running = (await t.client.request('GET', `/v1/compat/trtc-record/${ids.get('02')}`)).body;
    assert.equal(running.Status, 'RUNNING');
    // Stops: idle (everyone left), TRTC's RemoveUser body, and DELETE on the task.
    const stopAsked = Date.now();
    for (const m of modes.filter((x) => x.stop === 'idle')) await leave(roomOf(m));
    const removed = await t.client.request('POST', '/v1/compat/trtc-record/remove-user', { SdkAppId: APP, RoomId: 7101, UserIds: ['bot_01'] });
    assert.deepEqual(removed.body.RequestIds, [ids.get('01')]);
    assert.equal((await t.client.request('DELETE', `/v1/compat/trtc-record/${ids.get('12')}`)).status, 202);

    await waitFor('six callbacks', async () => callbacks.length >= 6, 90_000, 300);
    console.log(`# compat: six modes stopped and called back ${((Date.now() - stopAsked) / 1000).toFixed(1)} s after the stops (idle 2 s)`);
    assert.equal(callbacks.length, 6, 'one callback per request');

    for (const m of modes) {
      const status = (await t.client.request('GET', `/v1/compat/trtc-record/${ids.get(m.mode)}`)).body;
      assert.equal(status.Status, 'FINISHED', `${m.mode}: ${JSON.stringify(status)}`);
      assert.equal(status.StopReason, m.stop === 'idle' ? 'idle' : 'removed', m.mode);
      const cb = callbacks.find((c) => c.body.UserId === status.Result.UserId)!;
      assert.ok(cb, `${m.mode}: a callback for ${status.Result.UserId}`);
      assert.deepEqual(cb.body, status.Result, `${m.mode}: status returns what was called back`);
      // Exactly the template's fields and types.
      const r = cb.body;
      assert.deepEqual(Object.keys(r).sort(), ['Files', 'RoomId', 'SdkAppId', 'StrRoomId', 'UserId']);
      assert.equal(r.SdkAppId, APP);
      assert.equal(typeof r.RoomId, 'number');
      assert.equal(typeof r.StrRoomId, 'string');
      assert.deepEqual([r.RoomId, r.StrRoomId], 'StrRoomId' in m.room ? [0, 'cmp_7111'] : [m.room.RoomId, '']);
      if (m.user === 0) assert.match(r.UserId, /^recorder_[a-z0-9]{12}$/, 'UserId 0 gets a random id');
      else assert.equal(r.UserId, m.user);
      const single = m.mode.startsWith('0');
      assert.equal(r.Files.length, single ? 2 : 1, `${m.mode}: one file per user, or one mix`);
      for (const f of r.Files) {
        assert.deepEqual(Object.keys(f).sort(), ['Message', 'RecordFile', 'Status', 'UserId']);
        assert.equal(f.Status, 0, `${m.mode}: ${f.Message}`);
        assert.equal(typeof f.Message, 'string');
        assert.equal(f.UserId, single ? f.UserId : r.UserId);
        if (single) assert.ok(USERS.includes(f.UserId), f.UserId);
        const key = keyOf(f.RecordFile);
        assert.match(key, new RegExp(`^compat/output/records-1250000000/trtc/${APP}_${roomOf(m)}_${single ? f.UserId : 'mix'}_\\d{14}\\.${m.mode.endsWith('0') ? 'mp3' : 'mp4'}$`));
        const res = await fetch(f.RecordFile);
        assert.equal(res.status, 200, `${f.RecordFile} is served`);
        await res.arrayBuffer();
        const file = t.rt.store.pathOf(key);
        const info = await inspectMedia(file);
        if (m.mode.endsWith('0')) {
          assert.equal(info.audio?.codec, 'mp3', `${m.mode}: MP3`);
          assert.equal(info.video, undefined, `${m.mode}: audio only`);
        } else if (m.mode.endsWith('1')) {
          assert.equal(info.video?.codec, 'h264', `${m.mode}: H.264`);
          assert.equal(info.audio, undefined, `${m.mode}: video only`);
        } else {
          assert.equal(info.video?.codec, 'h264', `${m.mode}: H.264`);
          assert.equal(info.audio?.codec, 'aac', `${m.mode}: and AAC`);
        }
        assert.equal(await decodeErrors(file), '', `${m.mode}: ${key} decodes cleanly`);
      }
      // Signed like every callback, so a receiver can check it.
      assert.match(String(cb.headers['x-hl-signature']), /^v1=[0-9a-f]{64}$/);
    }
  });

  it('a template request as an API gateway event straight to the segmenter (integration response off) records and returns the result', { timeout: 90_000 }, async () => {
    await join('7200');
    const event = toApiGatewayEvent({ method: 'POST', path: '/v1/compat/trtc-record', headers: { 'content-type': 'application/json' }, query: {}, body: JSON.stringify(request('02', { RoomId: 7200 }, 'bot_gw', { Callback: undefined })) });
    const { requestId } = await t.rt.deps.invoker.invokeAsync('segmenter', event);
    await waitFor('the task to record', async () => (await t.client.request('GET', `/v1/compat/trtc-record/${requestId}`).catch(() => null))?.body.Status === 'RUNNING', 20_000, 300);
    await waitFor('segments', async () => {
      const rec = (await t.client.request('GET', '/v1/rooms/7200')).body.recordings[0];
      return rec && (await t.client.request('GET', `/v1/streams/${rec.streams[0].streamId}`)).body.available?.segments >= 2;
    }, 30_000, 300);
    await leave('7200');
    const done = await waitFor('the invocation to end', async () => {
      const s = await t.rt.deps.invoker.status(requestId);
      return s !== 'RUNNING' && s;
    }, 60_000, 300);
    assert.equal(done, 'FINISHED', 'the async invocation (what GetAsyncEventStatus reports) finished');
    const status = (await t.client.request('GET', `/v1/compat/trtc-record/${requestId}`)).body;
    assert.equal(status.Status, 'FINISHED');
    const result = status.Result;
    assert.equal(result.UserId, 'bot_gw');
    assert.equal(result.Files.length, 2);
    assert.ok(result.Files.every((f: { Status: number }) => f.Status === 0));
  });
});
