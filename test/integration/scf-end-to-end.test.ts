/*
 * The cloud path with no cloud: the four functions run as SCF would run them (a child process per
 * invocation, SCF's event, context and environment, the role's keys) under the local SCF-compatible
 * API server, store everything in the local COS-compatible server, and call each other through the
 * real SCF SDK (TC3-signed Invoke). A game server's signed webhook (an API gateway event) starts a
 * recording and asks for a transcoded highlight: api → segmenter (async) records into COS; api →
 * clipper (async) → K transcoder invocations (sync) → MP4 in a second bucket (HL_OUTPUT_COS_*, a
 * user's own destination) behind a presigned URL.
 *
 * The functions run from their packaged bundles (packaging/bundle.ts, as `npm run package` builds
 * them: one self-contained CommonJS file each, no node_modules beside it).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { scf as scfSdk } from 'tencentcloud-sdk-nodejs-scf';
import { bundleFunction } from '../../packaging/bundle.ts';
import { signedHeaders } from '../../shared/auth/request-signature.ts';
import { resolveFfmpeg } from '../../shared/media/ffmpeg-binaries.ts';
import { probeMedia } from '../../shared/media/probe-media.ts';
import { CosStore } from '../../shared/storage/cos-store.ts';
import { getJson } from '../../shared/storage/object-store.ts';
import type { StreamState } from '../../shared/domain/schemas.ts';
import { decodeErrors } from '../helpers/media-checks.ts';
import { publishTestStream, startRtmpServer } from '../helpers/rtmp-server.ts';
import { waitFor } from '../helpers/test-runtime.ts';
import { inspectMedia } from '../../shared/media/inspect-media.ts';
import { startCosServer, type CosServer } from '../servers/cos-server.ts';
import { startScfServer, type ScfServer } from '../servers/scf-server.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const FUNCTIONS = { api: 30, segmenter: 120, clipper: 120, transcoder: 60 } as const;
const SECRET = 'webhook-' + randomBytes(8).toString('hex');
const role = { secretId: 'AKID' + randomBytes(8).toString('hex'), secretKey: randomBytes(16).toString('hex'), token: 'token-' + randomBytes(8).toString('hex') };

const TRTC_APP = 1400099999;
const TRTC_KEY = randomBytes(32).toString('hex');
const require = createRequire(import.meta.url);
const TLSSigAPIv2 = require('tls-sig-api-v2') as { Api: new (sdkAppId: number, key: string) => { genSig(userId: string, expire: number): string } };

let cos: CosServer;
/** The user's own bucket for finished clips (the seed's custom upload destination). */
let outCos: CosServer;
let scf: ScfServer;
let store: CosStore;
let tmp: string;
let client: InstanceType<typeof scfSdk.v20180416.Client>;

/** The game server's webhook, as API gateway hands it to the api function (signed like README says). */
async function api(method: string, p: string, body?: unknown): Promise<{ status: number; body: any }> {
  const text = body === undefined ? '' : JSON.stringify(body);
  const event = {
    requestContext: { requestId: randomBytes(8).toString('hex'), httpMethod: method, path: p, sourceIp: '10.0.0.1', stage: 'release' },
    httpMethod: method, path: p, headers: { 'content-type': 'application/json', ...signedHeaders(SECRET, method, p, text) },
    queryString: {}, queryStringParameters: {}, body: text, isBase64Encoded: false,
  };
  const r = await client.Invoke({ FunctionName: 'api', InvocationType: 'RequestResponse', ClientContext: JSON.stringify(event), Namespace: 'default' });
  assert.equal(r.Result?.ErrMsg || '', '', `api failed: ${r.Result?.ErrMsg}`);
  const res = JSON.parse(r.Result!.RetMsg!) as { statusCode: number; body: string };
  return { status: res.statusCode, body: JSON.parse(res.body) };
}

describe('the SCF path end to end: packaged functions under a local SCF server, COS as the store', () => {
  before(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'hl-scf-e2e-'));
    cos = await startCosServer({ credentials: [role] });
    outCos = await startCosServer({ credentials: [role] });
    const bundles = path.join(tmp, 'dist');
    await Promise.all(Object.keys(FUNCTIONS).map((name) => bundleFunction(name, { root: ROOT, outDir: bundles })));
    const env: Record<string, string> = {
      HL_STORE: 'cos', HL_COS_BUCKET: cos.bucket, HL_COS_REGION: cos.region, HL_COS_DOMAIN: cos.endpoint, HL_COS_PROTOCOL: 'http:',
      HL_OUTPUT_COS_BUCKET: outCos.bucket, HL_OUTPUT_COS_REGION: outCos.region, HL_OUTPUT_COS_DOMAIN: outCos.endpoint, HL_OUTPUT_COS_PROTOCOL: 'http:',
      HL_SCF_PROTOCOL: 'http://', HL_SECRET: SECRET, HL_ALLOW_LOCAL_SOURCES: '1', HL_ALLOW_PRIVATE_URLS: '1',
      // In SCF the ffmpeg layer puts these at /opt/bin; here the npm builds stand in for the layer.
      FFMPEG_PATH: resolveFfmpeg().ffmpeg, FFPROBE_PATH: resolveFfmpeg().ffprobe,
      HL_HEARTBEAT_TTL_SEC: '10', HL_LOG_LEVEL: 'warn', HOME: tmp, TMPDIR: tmp,
      // The recording templates' drop-in: files to the request's bucket (the second COS server), a short idle stop.
      HL_COMPAT_COS_DOMAIN: outCos.endpoint, HL_COMPAT_COS_PROTOCOL: 'http:', HL_COMPAT_IDLE_SEC: '2', HL_COMPAT_CANVAS: '320x180@15',
      HL_TRTC_SDK_SECRET_KEYS: `${TRTC_APP}:${TRTC_KEY}`,
    };
    scf = await startScfServer({
      credentials: role,
      functions: Object.entries(FUNCTIONS).map(([name, timeoutSec]) => ({ name, timeoutSec, memoryMb: 1024, env, entry: path.join(bundles, name, 'index.js') })),
    });
    env.HL_SCF_ENDPOINT = scf.endpoint;
    client = new scfSdk.v20180416.Client({ credential: role, region: scf.region, profile: { httpProfile: { endpoint: scf.endpoint, protocol: 'http://' } } });
    store = new CosStore({ bucket: cos.bucket, region: cos.region, domain: cos.endpoint, protocol: 'http:', ...{ secretId: role.secretId, secretKey: role.secretKey, sessionToken: role.token } });
  });
  after(async () => {
    await scf?.close();
    await cos?.close();
    await outCos?.close();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('records through the segmenter, then a transcode highlight fans out to transcoder invocations', async () => {
    const start = await api('POST', '/v1/streams', { id: 'scfgame', source: { type: 'testsrc', width: 320, height: 180, fps: 15 }, segmentSec: 1, retentionSec: 120 });
    assert.equal(start.status, 202, JSON.stringify(start.body));
    await waitFor('6 segments recorded into COS by the segmenter function', async () => ((await getJson<StreamState>(store, 'streams/scfgame/stream.json'))?.segmentCount ?? 0) >= 6, 60_000, 500);

    const refused = await api('POST', '/v1/highlights', { streamId: 'nope', before: 2 });
    assert.equal(refused.status, 404, 'errors come back through the gateway response');

    const t0 = Date.now();
    const { status, body: job } = await api('POST', '/v1/highlights', { streamId: 'scfgame', before: 4, mode: 'transcode', profile: 'source', preset: 'ultrafast', parts: 3 });
    assert.equal(status, 202, JSON.stringify(job));
    const done = await waitFor('the highlight', async () => {
      const r = (await api('GET', `/v1/highlights/${job.id}`)).body;
      return r.status === 'succeeded' || r.status === 'failed' ? r : null;
    }, 120_000, 500);
    const triggerToReadyMs = Date.now() - t0;
    assert.equal(done.status, 'succeeded', JSON.stringify(done.error));
    assert.equal(done.result.parts.total, 3);
    const transcoderCalls = scf.invocations().filter((i) => i.functionName === 'transcoder' && i.invocationType === 'RequestResponse');
    assert.equal(transcoderCalls.length, 3, 'one synchronous transcoder invocation per part');
    assert.ok(scf.invocations().some((i) => i.functionName === 'clipper' && i.invocationType === 'Event'), 'the clipper ran as an async event');
    assert.match(done.result.url, /q-signature=/);
    assert.ok(done.result.url.startsWith(`http://${outCos.endpoint}/clips/`), `the MP4 went to the output bucket: ${done.result.url}`);
    assert.equal(await store.head(done.result.key), null, 'not to the recordings bucket');
    assert.ok(await store.head(`clips/${job.id}/job.json`), 'the job stays with the recordings');
    const file = path.join(tmp, 'clip.mp4');
    await writeFile(file, Buffer.from(await (await fetch(done.result.url)).arrayBuffer()));
    const info = await probeMedia(file);
    assert.deepEqual([info.video?.width, info.video?.height], [320, 180]);
    assert.ok(Math.abs(info.durationSec - 4) < 0.2, `duration ${info.durationSec}`);
    assert.equal(await decodeErrors(file), '');
    console.log(`# SCF path from bundles: trigger → MP4 ready ${triggerToReadyMs} ms (api → clipper → 3 transcoders, a cold process per invocation)`);

    const stop = await api('DELETE', '/v1/streams/scfgame');
    assert.equal(stop.status, 202);
    await waitFor('stopped', async () => (await getJson<StreamState>(store, 'streams/scfgame/stream.json'))?.state === 'stopped', 20_000, 300);
  });

  it('a recording template request, deployed as the templates are (API gateway, integration response off, async), runs on the segmenter bundle and lands in the request\'s bucket', async () => {
    const rtmp = await startRtmpServer();
    const alice = publishTestStream(rtmp.url('tpl_alice'), { width: 320, height: 180, fps: 15, gopSec: 1 });
    try {
      await alice.firstFrameWallMs;
      assert.equal((await api('PUT', '/v1/rooms/7400/users/alice', { url: rtmp.url('tpl_alice') })).status, 200);
      // Exactly what the template's caller sends (no X-HL-* headers): the UserSig authenticates it.
      const body = JSON.stringify({
        SdkAppId: TRTC_APP, RoomId: 7400, UserId: 'tpl_bot', UserSig: new TLSSigAPIv2.Api(TRTC_APP, TRTC_KEY).genSig('tpl_bot', 3600),
        CosConfig: { Region: outCos.region, Bucket: outCos.bucket, Path: 'trtc' }, Mode: '02',
      });
      const event = {
        requestContext: { requestId: randomBytes(8).toString('hex'), httpMethod: 'POST', path: '/v1/compat/trtc-record', sourceIp: '10.0.0.2', stage: 'release' },
        httpMethod: 'POST', path: '/v1/compat/trtc-record', headers: { 'content-type': 'application/json' },
        queryString: {}, queryStringParameters: {}, body: Buffer.from(body).toString('base64'), isBase64Encoded: 'true',
      };
      const r = await client.Invoke({ FunctionName: 'segmenter', InvocationType: 'Event', ClientContext: JSON.stringify(event), Namespace: 'default' });
      const reqId = r.Result!.FunctionRequestId!;
      await waitFor('the template task running', async () => (await api('GET', `/v1/compat/trtc-record/${reqId}`).catch(() => null))?.body.Status === 'RUNNING', 60_000, 500);
      await waitFor('3 segments of alice in COS', async () => {
        const rec = (await api('GET', '/v1/rooms/7400')).body.recordings[0];
        return rec && ((await getJson<StreamState>(store, `streams/${rec.streams[0].streamId}/stream.json`))?.segmentCount ?? 0) >= 3;
      }, 60_000, 500);
      await api('DELETE', '/v1/rooms/7400/users/alice');
      await waitFor('the async event to finish (idle stop, delivery)', async () => {
        const st = await client.GetAsyncEventStatus({ InvokeRequestId: reqId });
        return st.Result?.Status === 'FINISHED' || st.Result?.Status === 'FAILED' ? st : null;
      }, 90_000, 500).then((st) => assert.equal(st.Result?.Status, 'FINISHED'));
      const status = (await api('GET', `/v1/compat/trtc-record/${reqId}`)).body;
      assert.equal(status.Status, 'FINISHED', JSON.stringify(status));
      assert.deepEqual(Object.keys(status.Result).sort(), ['Files', 'RoomId', 'SdkAppId', 'StrRoomId', 'UserId']);
      const [f] = status.Result.Files;
      assert.equal(f.Status, 0, f.Message);
      const key = decodeURIComponent(new URL(f.RecordFile).pathname.split('/').slice(2).join('/'));
      assert.match(key, new RegExp(`^trtc/${TRTC_APP}_7400_alice_\\d{14}\\.mp4$`));
      const out = new CosStore({ bucket: outCos.bucket, region: outCos.region, domain: outCos.endpoint, protocol: 'http:', secretId: role.secretId, secretKey: role.secretKey, sessionToken: role.token });
      const file = path.join(tmp, 'template.mp4');
      await writeFile(file, await out.get(key));
      const info = await inspectMedia(file);
      assert.deepEqual([info.video?.codec, info.audio?.codec], ['h264', 'aac']);
      assert.equal(await decodeErrors(file), '');
    } finally {
      await alice.stop();
      await rtmp.close();
    }
  });
});
