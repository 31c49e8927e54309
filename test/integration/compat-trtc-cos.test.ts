import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { resumeCompatTasks } from '../../shared/compat/resume-compat-tasks.ts';
import { loadConfig } from '../../shared/config/config.ts';
import { inspectMedia } from '../../shared/media/inspect-media.ts';
import { CosStore } from '../../shared/storage/cos-store.ts';
import { decodeErrors, topLevelBoxes } from '../helpers/media-checks.ts';
import { publishTestStream, startRtmpServer, type Publisher, type RtmpServer } from '../helpers/rtmp-server.ts';
import { startTestRuntime, waitFor, type TestRuntime } from '../helpers/test-runtime.ts';
import { startCosServer, type CosServer } from '../servers/cos-server.ts';

/**
 * Template requests whose files go to a COS bucket (the local COS server, which checks the
 * request's own SecretId/SecretKey signatures): streamed by multipart with no local file, or
 * through a mounted file system (CFS_PATH); wrong keys fail the file, not the task silently; a
 * supervisor that died is resumed by the watchdog's pass.
 */
const require = createRequire(import.meta.url);
const TLSSigAPIv2 = require('tls-sig-api-v2') as { Api: new (sdkAppId: number, key: string) => { genSig(userId: string, expire: number): string } };
const APP = 1400054321;
const KEY = '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef';

let rtmp: RtmpServer;
let publisher: Publisher;
let cos: CosServer;
let cfs: string;
let streaming: TestRuntime;
let viaCfs: TestRuntime;

before(async () => {
  rtmp = await startRtmpServer();
  publisher = publishTestStream(rtmp.url('cos_alice'), { width: 320, height: 180, fps: 15, gopSec: 1 });
  await publisher.firstFrameWallMs;
  cos = await startCosServer({ bucket: 'records-1250000000' });
  cfs = await mkdtemp(path.join(os.tmpdir(), 'hl-cfs-'));
  const base = loadConfig(process.env).compat;
  const compat = { ...base, idleSec: 2, output: 'cos' as const, cosDomain: cos.endpoint, cosProtocol: 'http:' as const, trtcKeys: { [APP]: KEY } };
  streaming = await startTestRuntime({ compat }, { services: { timers: false } });
  viaCfs = await startTestRuntime({ compat: { ...compat, cfsPath: cfs } }, { services: { timers: false } });
});

after(async () => {
  await streaming?.close();
  await viaCfs?.close();
  await publisher?.stop();
  await rtmp?.close();
  await cos?.close();
  await rm(cfs, { recursive: true, force: true });
});

/** Record alice in `room` for a few segments through a template request, stop it by DELETE, return the finished status. */
async function recordOnce(t: TestRuntime, room: number, cosKeys: { SecretId: string; SecretKey: string } | undefined, hooks: { whileRunning?: (id: string) => Promise<void> } = {}) {
  await t.client.request('PUT', `/v1/rooms/${room}/users/alice`, { url: rtmp.url('cos_alice') });
  const res = await fetch(`${t.rt.url}/v1/compat/trtc-record`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      SdkAppId: APP, RoomId: room, UserId: `bot_${room}`, UserSig: new TLSSigAPIv2.Api(APP, KEY).genSig(`bot_${room}`, 3600),
      CosConfig: { ...cosKeys, Region: cos.region, Bucket: cos.bucket, Path: `rooms/${room}` }, Mode: '02',
    }),
  });
  assert.equal(res.status, 202, await res.text());
  const id = res.headers.get('x-scf-reqid')!;
  await waitFor('segments', async () => {
    const rec = (await t.client.request('GET', `/v1/rooms/${room}`)).body.recordings[0];
    return rec && (await t.client.request('GET', `/v1/streams/${rec.streams[0].streamId}`)).body.available?.segments >= 3;
  }, 30_000, 300);
  await hooks.whileRunning?.(id);
  assert.equal((await t.client.request('DELETE', `/v1/compat/trtc-record/${id}`)).status, 202);
  return waitFor('finished', async () => {
    const s = (await t.client.request('GET', `/v1/compat/trtc-record/${id}`)).body;
    return (s.Status === 'FINISHED' || s.Status === 'FAILED') && s;
  }, 60_000, 300);
}

async function fetchObject(key: string): Promise<string> {
  const store = new CosStore({ bucket: cos.bucket, region: cos.region, domain: cos.endpoint, protocol: 'http:', secretId: cos.credentials.secretId, secretKey: cos.credentials.secretKey });
  const file = path.join(cfs, `fetched-${path.basename(key)}`);
  await writeFile(file, await store.get(key));
  return file;
}

describe('template recordings into a COS bucket', () => {
  it('streams the MP4 to the bucket with the request\'s own keys, by multipart upload', { timeout: 90_000 }, async () => {
    const before = cos.requests.length;
    const status = await recordOnce(streaming, 7301, { SecretId: cos.credentials.secretId, SecretKey: cos.credentials.secretKey });
    assert.equal(status.Status, 'FINISHED', JSON.stringify(status));
    const [f] = status.Result.Files;
    assert.equal(f.Status, 0, f.Message);
    assert.match(f.RecordFile, new RegExp(`^http://${cos.endpoint}/${cos.bucket}/rooms/7301/${APP}_7301_alice_\\d{14}\\.mp4$`));
    const key = decodeURIComponent(new URL(f.RecordFile).pathname.split('/').slice(2).join('/'));
    const writes = cos.requests.slice(before).filter((r) => r.key === key);
    assert.ok(writes.some((r) => r.method === 'POST' && r.query.includes('uploads')), 'a multipart upload was started');
    assert.ok(writes.some((r) => r.method === 'PUT' && r.query.includes('uploadId') && r.status === 200), 'its parts were accepted (the signature with the request\'s keys verified)');
    const file = await fetchObject(key);
    const info = await inspectMedia(file);
    assert.deepEqual([info.video?.codec, info.audio?.codec], ['h264', 'aac']);
    assert.equal(await decodeErrors(file), '');
    // The MP4 never was a local file: no MP4 anywhere in the data folder (only the recorded segments).
    assert.deepEqual((await readdir(streaming.dataDir, { recursive: true })).filter((n) => /\.(mp4|m4a|mp3)$/.test(n)), []);
  });

  it('with CFS_PATH writes a seekable faststart MP4 there first, uploads it, and leaves nothing behind', { timeout: 90_000 }, async () => {
    const status = await recordOnce(viaCfs, 7302, { SecretId: cos.credentials.secretId, SecretKey: cos.credentials.secretKey });
    assert.equal(status.Status, 'FINISHED', JSON.stringify(status));
    const key = decodeURIComponent(new URL(status.Result.Files[0].RecordFile).pathname.split('/').slice(2).join('/'));
    const file = await fetchObject(key);
    const boxes = await topLevelBoxes(file);
    assert.ok(boxes.indexOf('moov') < boxes.indexOf('mdat'), `faststart: ${boxes.join(',')}`);
    assert.equal(await decodeErrors(file), '');
    const left = (await readdir(cfs, { recursive: true })).filter((n) => !n.startsWith('fetched-'));
    assert.deepEqual(left.filter((n) => /\.(mp4|mp3)$/.test(n)), [], 'the CFS copy is removed after the upload');
  });

  it('wrong keys fail the file with STORAGE_DENIED and the task as FAILED, nothing published', { timeout: 90_000 }, async () => {
    const status = await recordOnce(streaming, 7303, { SecretId: cos.credentials.secretId, SecretKey: 'not-the-key' });
    assert.equal(status.Status, 'FAILED');
    const [f] = status.Result.Files;
    assert.equal(f.Status, 1);
    assert.equal(f.RecordFile, '');
    assert.match(f.Message, /^STORAGE_DENIED/);
    const store = new CosStore({ bucket: cos.bucket, region: cos.region, domain: cos.endpoint, protocol: 'http:', secretId: cos.credentials.secretId, secretKey: cos.credentials.secretKey });
    assert.deepEqual((await store.list('rooms/7303/')).objects, [], 'nothing published');
  });

  it('a supervisor that died is resumed by the watchdog\'s pass and still delivers', { timeout: 90_000 }, async () => {
    const status = await recordOnce(streaming, 7304, { SecretId: cos.credentials.secretId, SecretKey: cos.credentials.secretKey }, {
      whileRunning: async (id) => {
        const task = JSON.parse((await streaming.rt.store.get(`compat/trtc/tasks/${id}.json`)).toString());
        await streaming.rt.deps.invoker.terminate(task.supervisor);
        await waitFor('the supervisor to end', async () => (await streaming.rt.deps.invoker.status(task.supervisor)) !== 'RUNNING', 10_000, 100);
        const resumed = await resumeCompatTasks({ store: streaming.rt.store, invoker: streaming.rt.deps.invoker, log: streaming.rt.deps.log, staleSec: 0 });
        assert.deepEqual(resumed, [id]);
      },
    });
    assert.equal(status.Status, 'FINISHED', JSON.stringify(status));
    assert.equal(status.Result.Files[0].Status, 0);
    // Finished tasks drop their claim: the watchdog's pass has nothing left to look at.
    assert.deepEqual(await resumeCompatTasks({ store: streaming.rt.store, invoker: streaming.rt.deps.invoker, log: streaming.rt.deps.log, staleSec: 0 }), []);
    assert.deepEqual((await streaming.rt.store.list('compat/trtc/active/')).objects, []);
  });
});
