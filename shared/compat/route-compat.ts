import { z } from 'zod';
import { verifyRequest } from '../auth/request-signature.ts';
import { AppError, toErrorBody } from '../domain/app-error.ts';
import { assertId } from '../domain/ids.ts';
import type { HttpResponse } from '../http/http-response.ts';
import { parseJsonBody } from '../http/parse-json-body.ts';
import type { Deps } from '../runtime/deps.ts';
import { getJson, putJson } from '../storage/object-store.ts';
import type { HttpRequest } from '../triggers/api-gateway-event.ts';
import { acceptTrtcRecord } from './accept-trtc-record.ts';
import { activeKey, readTask, stopKey, type CompatTask } from './compat-task-store.ts';

const json = (status: number, value: unknown, headers: Record<string, string> = {}): HttpResponse => ({
  status, headers: { 'content-type': 'application/json; charset=utf-8', ...headers }, body: JSON.stringify(value),
});

/** What status shows: the template's result once there is one (the return value GetAsyncEventStatus would show). */
export function taskStatus(t: CompatTask) {
  return {
    RequestId: t.id,
    Status: t.state === 'running' ? 'RUNNING' : t.state === 'stopping' ? 'STOPPING' : t.state === 'finished' ? 'FINISHED' : 'FAILED',
    StopReason: t.stopReason,
    RoomId: t.plan.roomId, RecordingId: t.recordingId, UserId: t.recorderUserId, Mode: t.plan.mode,
    CreatedAt: t.createdAt, FinishedAt: t.finishedAt,
    Result: t.result,
    Callback: t.callbackOutcome,
    Error: t.error,
  };
}

/** TRTC's RemoveUser / RemoveUserByStrRoomId body, pointed here: ends the recordings whose recording user is named. */
const removeUserSchema = z.object({
  SdkAppId: z.union([z.number().int().min(1), z.string().regex(/^\d{1,10}$/).transform(Number)]),
  RoomId: z.union([z.number().int().min(1), z.string().min(1).max(64)]),
  UserIds: z.array(z.string().min(1).max(128)).min(1).max(10),
}).strict();

async function stopTask(id: string, d: Deps): Promise<CompatTask> {
  const t = await readTask(d.store, assertId(id, 'request id'));
  if (!t) throw new AppError('NOT_FOUND', `no template recording ${id}`);
  if (t.state === 'running') await putJson(d.store, stopKey(t.id), { at: new Date().toISOString() });
  return t;
}

function signed(req: HttpRequest, d: Deps): void {
  verifyRequest({ secret: d.config.secret, method: req.method, path: req.path, body: req.body, headers: req.headers, toleranceSec: d.config.signatureToleranceSec, replay: d.replay });
}

/**
 * The SCF recording templates' drop-in (docs/migrating-from-scf-templates.md):
 *   POST   /v1/compat/trtc-record                 the template's body → 202 "Async run task submitted", x-scf-reqid
 *   GET    /v1/compat/trtc-record/:id             status, with the template's result when done (signed)
 *   DELETE /v1/compat/trtc-record/:id             stop: the RemoveUser equivalent (signed)
 *   POST   /v1/compat/trtc-record/remove-user     TRTC's RemoveUser(ByStrRoomId) body (signed)
 */
export async function routeCompat(req: HttpRequest, d: Deps): Promise<HttpResponse> {
  try {
    const sub = req.path.replace(/\/+$/, '').slice('/v1/compat/trtc-record'.length);
    if (sub === '' && req.method === 'POST') {
      const { task, created } = await acceptTrtcRecord(req, d);
      return { status: 202, headers: { 'content-type': 'text/plain; charset=utf-8', 'x-scf-reqid': task.id, ...(created ? {} : { 'x-hl-existing': 'true' }) }, body: 'Async run task submitted' };
    }
    if (sub === '/remove-user' && req.method === 'POST') {
      signed(req, d);
      const b = removeUserSchema.safeParse(parseJsonBody(req.body, null));
      if (!b.success) throw new AppError('VALIDATION_FAILED', b.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
      const stopped: string[] = [];
      for (const userId of b.data.UserIds) {
        const claim = await getJson<{ taskId: string }>(d.store, activeKey({ sdkAppId: b.data.SdkAppId, roomId: String(b.data.RoomId) }, userId)).catch(() => null);
        if (claim) stopped.push((await stopTask(claim.taskId, d)).id);
      }
      return json(200, { RequestIds: stopped });
    }
    const m = /^\/([^/]+)$/.exec(sub);
    if (m && req.method === 'GET') {
      signed(req, d);
      const t = await readTask(d.store, assertId(decodeURIComponent(m[1]!), 'request id'));
      if (!t) throw new AppError('NOT_FOUND', `no template recording ${m[1]}`);
      return json(200, taskStatus(t));
    }
    if (m && req.method === 'DELETE') {
      signed(req, d);
      const t = await stopTask(decodeURIComponent(m[1]!), d);
      const status = taskStatus(t);
      return json(202, { ...status, Status: t.state === 'running' ? 'STOPPING' : status.Status });
    }
    throw new AppError(m || sub === '' ? 'METHOD_NOT_ALLOWED' : 'NOT_FOUND', `no route for ${req.method} ${req.path}`);
  } catch (err) {
    const status = err instanceof AppError ? err.status : 500;
    if (status >= 500) d.log.error('compat.error', { error: err, path: req.path });
    return json(status, { error: toErrorBody(err) });
  }
}
