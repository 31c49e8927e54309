import { SIGNATURE_HEADER, verifyRequest } from '../auth/request-signature.ts';
import { AppError } from '../domain/app-error.ts';
import { randomId } from '../domain/ids.ts';
import { checkOutboundUrl } from '../domain/url-policy.ts';
import { startRoomRecording } from '../rooms/start-room-recording.ts';
import { parseJsonBody } from '../http/parse-json-body.ts';
import type { Deps } from '../runtime/deps.ts';
import { getJson, putJsonIfAbsent } from '../storage/object-store.ts';
import { sourcePolicyFrom } from '../streams/resolve-source.ts';
import type { HttpRequest } from '../triggers/api-gateway-event.ts';
import { activeKey, createTask, readTask, saveTask, type CompatTask } from './compat-task-store.ts';
import { seal } from './seal.ts';
import { planCompatRecording, type TrtcRecordRequest } from './trtc-record-request.ts';
import { verifyUserSig } from './user-sig.ts';

/**
 * Who may start a recording: a request signed like every API call (X-HL-*), or, as the template
 * requests come, one whose UserSig verifies with the TRTC app's key (HL_TRTC_SDK_SECRET_KEYS).
 */
function authenticate(http: HttpRequest, req: TrtcRecordRequest, d: Deps): 'signature' | 'usersig' {
  if (http.headers[SIGNATURE_HEADER]) {
    verifyRequest({ secret: d.config.secret, method: http.method, path: http.path, body: http.body, headers: http.headers, toleranceSec: d.config.signatureToleranceSec, replay: d.replay });
    return 'signature';
  }
  const key = d.config.compat.trtcKeys[String(req.SdkAppId)];
  if (!key) {
    throw new AppError('UNAUTHORIZED', `sign the request (X-HL-Signature), or set HL_TRTC_SDK_SECRET_KEYS=${req.SdkAppId}:<key> so the request's UserSig authenticates it`);
  }
  const check = verifyUserSig(req.UserSig, req.SdkAppId, String(req.UserId), key);
  if (!check.ok) throw new AppError('SIGNATURE_INVALID', check.reason);
  return 'usersig';
}

/**
 * POST /v1/compat/trtc-record: a template request → a room recording whose files a supervisor
 * task streams to the request's bucket when it ends (run-trtc-record-task.ts). Everything is
 * checked before anything is written; a repeat with the same non-zero UserId while its
 * recording runs returns that task instead of starting another (the template would start two).
 */
export async function acceptTrtcRecord(http: HttpRequest, d: Deps, o: { taskId?: string; invokeSupervisor?: boolean } = {}): Promise<{ task: CompatTask; created: boolean }> {
  const { req, plan } = planCompatRecording(parseJsonBody(http.body, null));
  const via = authenticate(http, req, d);
  if (req.Callback) checkOutboundUrl(req.Callback, { allowPrivate: d.config.allowPrivateUrls, allowedHosts: d.config.allowedHosts, schemes: ['http', 'https'] }, 'Callback');
  if (d.config.compat.output === 'cos' && !req.CosConfig.SecretId && !process.env.TENCENTCLOUD_SECRETID) {
    throw new AppError('VALIDATION_FAILED', 'CosConfig has no SecretId/SecretKey and this function has no role keys (TENCENTCLOUD_SECRETID)');
  }

  const fixedUser = plan.userId !== '0';
  if (fixedUser) {
    const active = await getJson<{ taskId: string }>(d.store, activeKey(plan, plan.userId));
    const running = active && (await readTask(d.store, active.taskId));
    if (running && (running.state === 'running' || running.state === 'stopping')) return { task: running, created: false };
  }
  const id = o.taskId ?? randomId('trtc');
  const now = new Date().toISOString();
  const task: CompatTask = {
    id, state: 'running', plan, recorderUserId: fixedUser ? plan.userId : randomId('recorder'), recordingId: id,
    cos: {
      Region: req.CosConfig.Region, Bucket: req.CosConfig.Bucket, Path: req.CosConfig.Path,
      ...(req.CosConfig.SecretId ? { SecretId: req.CosConfig.SecretId, sealedSecretKey: seal(d.config.secret, req.CosConfig.SecretKey!) } : {}),
    },
    ...(req.Callback ? { callback: req.Callback } : {}),
    ...(req.IsReserve !== undefined ? { isReserve: req.IsReserve } : {}),
    idleSec: d.config.compat.idleSec, createdAt: now, updatedAt: now,
  };
  {
    // Claim (app, room, recording user): repeats find it, RemoveUser finds it; a stale claim (its task ended) is replaced.
    const key = activeKey(plan, task.recorderUserId);
    if (!(await putJsonIfAbsent(d.store, key, { taskId: id }))) {
      const other = await getJson<{ taskId: string }>(d.store, key);
      const otherTask = other && (await readTask(d.store, other.taskId));
      if (otherTask && (otherTask.state === 'running' || otherTask.state === 'stopping')) return { task: otherTask, created: false };
      await d.store.put(key, JSON.stringify({ taskId: id }));
    }
  }
  if (!(await createTask(d.store, task))) return { task: (await readTask(d.store, id))!, created: false };
  d.log.info('compat.accepted', { taskId: id, via, mode: plan.mode, roomId: plan.roomId, recorderUserId: task.recorderUserId });

  const streamDeps = { store: d.store, invoker: d.invoker, heartbeatTtlSec: d.config.heartbeatTtlSec, sourcePolicy: await sourcePolicyFrom(d.config) };
  try {
    await startRoomRecording(plan.roomId, {
      id: task.recordingId, mode: plan.recording.mode, media: plan.recording.media, recorderUserId: task.recorderUserId,
      ...(plan.recording.mode === 'mixed' ? { canvas: d.config.compat.canvas } : {}),
    }, streamDeps, { delivery: { kind: 'compat-trtc', taskId: id } });
  } catch (err) {
    await saveTask(d.store, { ...task, state: 'failed', finishedAt: new Date().toISOString(), error: { code: (err as AppError).code ?? 'INTERNAL', message: (err as Error).message } });
    await d.store.delete(activeKey(plan, task.recorderUserId));
    throw err;
  }
  if (o.invokeSupervisor !== false) await d.invoker.invokeAsync('segmenter', { action: 'compat-trtc', taskId: id });
  return { task, created: true };
}
