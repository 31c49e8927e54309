import pLimit from 'p-limit';
import { AppError, toErrorBody } from '../domain/app-error.ts';
import { assertId } from '../domain/ids.ts';
import { playlistKey } from '../domain/store-keys.ts';
import { verifyRequest } from '../auth/request-signature.ts';
import { acceptHighlight, acceptOptionsFrom } from '../clips/accept-highlight.ts';
import { requireJob } from '../clips/clip-job-store.ts';
import { cancelHighlight } from '../clips/cancel-highlight.ts';
import type { Deps } from '../runtime/deps.ts';
import type { ClipJob } from '../domain/schemas.ts';
import type { HttpRequest } from '../triggers/api-gateway-event.ts';
import { listStreams, readPlaylist, readStream, requireStream } from '../streams/stream-store.ts';
import { joinRoom, leaveRoom } from '../rooms/room-users.ts';
import { listRecordings, listRoomIds, listRoomUsers, requireRecording } from '../rooms/room-store.ts';
import { listJobs } from '../clips/list-jobs.ts';
import { writeRoomManifest } from '../rooms/room-manifest.ts';
import { startRoomRecording } from '../rooms/start-room-recording.ts';
import { stopRoomRecording } from '../rooms/stop-room-recording.ts';
import { sourcePolicyFrom } from '../streams/resolve-source.ts';
import { startStream, stopStream } from '../streams/start-stream.ts';
import { recordingView, streamView } from './views.ts';
import { jobView } from '../clips/job-view.ts';
import { openApiDocument } from './openapi.ts';
import { parseJsonBody } from './parse-json-body.ts';

export interface HttpResult {
  status: number;
  body: unknown;
}

const parseBody = (req: HttpRequest): unknown => parseJsonBody(req.body);

type Handler = (req: HttpRequest, params: string[], d: Deps) => Promise<HttpResult>;

const streamDeps = async (d: Deps) => ({
  store: d.store, invoker: d.invoker, heartbeatTtlSec: d.config.heartbeatTtlSec, sourcePolicy: await sourcePolicyFrom(d.config),
});

const routes: Array<{ method: string; pattern: RegExp; handler: Handler }> = [
  {
    method: 'POST', pattern: /^\/v1\/streams$/,
    handler: async (req, _p, d) => {
      const state = await startStream(parseBody(req), await streamDeps(d));
      return { status: 202, body: streamView(state, undefined, await d.store.url(playlistKey(state.spec.id))) };
    },
  },
  {
    method: 'GET', pattern: /^\/v1\/streams$/,
    handler: async (_req, _p, d) => {
      const limit = pLimit(8);
      const streams = await Promise.all((await listStreams(d.store)).map((s) => limit(async () =>
        streamView(s, await readPlaylist(d.store, s.spec.id).catch(() => undefined), await d.store.url(playlistKey(s.spec.id))))));
      return { status: 200, body: { streams } };
    },
  },
  {
    method: 'GET', pattern: /^\/v1\/streams\/([^/]+)$/,
    handler: async (_req, [id], d) => {
      const s = await requireStream(d.store, assertId(id, 'stream id'));
      return { status: 200, body: streamView(s, await readPlaylist(d.store, s.spec.id), await d.store.url(playlistKey(s.spec.id))) };
    },
  },
  {
    method: 'DELETE', pattern: /^\/v1\/streams\/([^/]+)$/,
    handler: async (_req, [id], d) => {
      const { state, stopping } = await stopStream(assertId(id, 'stream id'), await streamDeps(d));
      return { status: stopping ? 202 : 200, body: { ...streamView(state), state: stopping ? 'stopping' : state.state } };
    },
  },
  {
    method: 'POST', pattern: /^\/v1\/highlights$/,
    handler: async (req, _p, d) => {
      const { job, created } = await acceptHighlight(parseBody(req), { ...acceptOptionsFrom(d.config, d.store), source: 'api' });
      if (created) await d.invoker.invokeAsync('clipper', { action: 'clip', jobId: job.id });
      return { status: created ? 202 : 200, body: jobView(job) };
    },
  },
  {
    method: 'GET', pattern: /^\/v1\/highlights$/,
    handler: async (req, _p, d) => ({ status: 200, body: { highlights: await Promise.all((await listJobs(d.store, req.query)).map(async (j) => jobView(await withFreshUrls(j, d)))) } }),
  },
  {
    method: 'DELETE', pattern: /^\/v1\/highlights\/([^/]+)$/,
    handler: async (_req, [id], d) => {
      const { job, changed } = await cancelHighlight(assertId(id, 'highlight id'), { store: d.store, invoker: d.invoker });
      return { status: changed ? 202 : 200, body: jobView(job) };
    },
  },
  {
    method: 'GET', pattern: /^\/v1\/highlights\/([^/]+)$/,
    handler: async (_req, [id], d) => ({ status: 200, body: jobView(await withFreshUrls(await requireJob(d.store, assertId(id, 'highlight id')), d)) }),
  },
  {
    method: 'GET', pattern: /^\/v1\/rooms$/,
    handler: async (_req, _p, d) => {
      const limit = pLimit(8);
      const rooms = await Promise.all((await listRoomIds(d.store)).map((roomId) => limit(async () => {
        const [users, recordings] = await Promise.all([listRoomUsers(d.store, roomId), listRecordings(d.store, roomId)]);
        return { roomId, users: users.length, recordings: recordings.length, recording: recordings.filter((r) => r.state === 'recording').length };
      })));
      return { status: 200, body: { rooms } };
    },
  },
  {
    method: 'GET', pattern: /^\/v1\/rooms\/([^/]+)$/,
    handler: async (_req, [roomId], d) => {
      const id = assertId(roomId, 'room id');
      return { status: 200, body: { roomId: id, users: await listRoomUsers(d.store, id), recordings: (await listRecordings(d.store, id)).map((r) => recordingView(r)) } };
    },
  },
  {
    method: 'PUT', pattern: /^\/v1\/rooms\/([^/]+)\/users\/([^/]+)$/,
    handler: async (req, [roomId, userId], d) => ({ status: 200, body: await joinRoom(roomId!, userId!, parseBody(req), await streamDeps(d)) }),
  },
  {
    method: 'DELETE', pattern: /^\/v1\/rooms\/([^/]+)\/users\/([^/]+)$/,
    handler: async (_req, [roomId, userId], d) => {
      const r = await leaveRoom(roomId!, userId!, await streamDeps(d));
      if (!r.left) throw new AppError('NOT_FOUND', `user ${userId} is not in room ${roomId}`);
      return { status: 200, body: r };
    },
  },
  {
    method: 'POST', pattern: /^\/v1\/rooms\/([^/]+)\/recordings$/,
    handler: async (req, [roomId], d) => {
      const { recording, created } = await startRoomRecording(roomId!, parseBody(req), await streamDeps(d));
      return { status: created ? 202 : 200, body: recordingView(recording) };
    },
  },
  {
    method: 'GET', pattern: /^\/v1\/rooms\/([^/]+)\/recordings\/([^/]+)$/,
    handler: async (_req, [roomId, id], d) => {
      const recording = await requireRecording(d.store, assertId(roomId, 'room id'), assertId(id, 'recording id'));
      const manifest = recording.state === 'recording' ? undefined : await writeRoomManifest(d.store, recording.roomId, recording.id);
      const streams = await Promise.all(recording.streams.map(async (s) => ({ ...s, state: (await readStream(d.store, s.streamId))?.state })));
      return { status: 200, body: { ...recordingView(manifest ? { ...recording, state: manifest.state } : recording), streams, manifest } };
    },
  },
  {
    method: 'DELETE', pattern: /^\/v1\/rooms\/([^/]+)\/recordings\/([^/]+)$/,
    handler: async (_req, [roomId, id], d) => {
      const { recording, changed } = await stopRoomRecording(roomId!, id!, await streamDeps(d));
      return { status: changed ? 202 : 200, body: recordingView(recording) };
    },
  },
];

/** The routes' methods and patterns (the OpenAPI test checks every one is documented). */
export const routeTable: ReadonlyArray<{ method: string; pattern: RegExp }> = routes;

/**
 * URLs stored in a job were made when it finished; a presigned one (COS) expires, so a status read
 * signs them again from their keys.
 */
async function withFreshUrls(job: ClipJob, d: Deps): Promise<ClipJob> {
  const r = job.result;
  return {
    ...job,
    ...(job.preview ? { preview: { ...job.preview, url: await d.store.url(job.preview.key) } } : {}),
    ...(r ? { result: { ...r, url: await d.store.url(r.key), posterUrl: await d.store.url(r.posterKey) } } : {}),
  };
}

/** GET /openapi.json: built on the first request, then the same object. */
let openApiCache: object | undefined;

/**
 * The HTTP API core, runtime-neutral: a request in, a status and JSON body out. Everything under
 * /v1 is signed (request-signature.ts); /healthz and /openapi.json (openapi.ts) are open.
 */
export async function routeRequest(req: HttpRequest, d: Deps): Promise<HttpResult> {
  try {
    if (req.method === 'GET' && req.path === '/healthz') return { status: 200, body: { ok: true } };
    if (req.method === 'GET' && req.path === '/openapi.json') return { status: 200, body: (openApiCache ??= openApiDocument()) };
    if (Buffer.byteLength(req.body) > d.config.maxBodyBytes) {
      throw new AppError('PAYLOAD_TOO_LARGE', `request body is larger than ${d.config.maxBodyBytes} bytes`);
    }
    verifyRequest({
      secret: d.config.secret, method: req.method, path: req.path, body: req.body, headers: req.headers,
      toleranceSec: d.config.signatureToleranceSec, replay: d.replay,
    });
    const path = req.path.replace(/\/+$/, '') || '/';
    const matching = routes.map((r) => ({ r, m: r.pattern.exec(path) })).filter((x) => x.m);
    if (matching.length === 0) throw new AppError('NOT_FOUND', `no route for ${req.method} ${req.path}`);
    const hit = matching.find((x) => x.r.method === req.method);
    if (!hit) throw new AppError('METHOD_NOT_ALLOWED', `${req.method} is not allowed on ${req.path}`);
    const params = hit.m!.slice(1).map((p) => decodeURIComponent(p));
    return await hit.r.handler(req, params, d);
  } catch (err) {
    const e = toErrorBody(err);
    const status = err instanceof AppError ? err.status : 500;
    if (status >= 500) d.log.error('api.error', { ...e, path: req.path });
    return { status, body: { error: e } };
  }
}
