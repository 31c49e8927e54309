import { postSignedJson } from '../clips/send-callback.ts';
import type { Config } from '../config/config.ts';
import { AppError } from '../domain/app-error.ts';
import type { Invoker } from '../invoke/invoker.ts';
import type { Logger } from '../log/logger.ts';
import { listRoomUsers, readRecording } from '../rooms/room-store.ts';
import { stopRoomRecording } from '../rooms/stop-room-recording.ts';
import { getJson, type ObjectStore } from '../storage/object-store.ts';
import { sourcePolicyFrom } from '../streams/resolve-source.ts';
import { readStream, shouldRecord } from '../streams/stream-store.ts';
import { activeKey, readTask, saveTask, stopKey, type CompatTask, type TemplateResult } from './compat-task-store.ts';
import { deliverCompatFiles } from './deliver-compat-files.ts';

export interface TaskDeps {
  store: ObjectStore;
  invoker: Invoker;
  config: Config;
  log: Logger;
  signal: AbortSignal;
  /** Epoch ms when this invocation is killed. */
  deadline: number;
  /** This invocation's request id. */
  owner: string;
  pollMs?: number;
}

const sleep = (ms: number, signal: AbortSignal) => new Promise<void>((resolve) => {
  const done = () => { clearTimeout(t); signal.removeEventListener('abort', done); resolve(); };
  const t = setTimeout(done, ms);
  signal.addEventListener('abort', done, { once: true });
});

/** Users that count as publishing: in the room, and (single mode) with a stream of this recording still live. */
async function publishers(task: CompatTask, d: TaskDeps): Promise<number> {
  const users = await listRoomUsers(d.store, task.plan.roomId);
  if (task.plan.recording.mode === 'mixed') return users.length;
  const recording = await readRecording(d.store, task.plan.roomId, task.recordingId);
  let live = 0;
  for (const u of users) {
    const streams = recording?.streams.filter((s) => s.userId === u.userId) ?? [];
    const states = await Promise.all(streams.map((s) => readStream(d.store, s.streamId)));
    if (streams.length === 0 || states.some((st) => st && shouldRecord(st))) live++;
  }
  return live;
}

/**
 * The template task's supervisor (the segmenter, invoked async): watch the room until it has had
 * no publisher for idleSec or the recording user was removed (DELETE), stop the recording, stream
 * its files to the bucket, then POST the template's result to Callback and keep it for status.
 * Near the invocation's deadline it hands itself to a new invocation; a rerun after a crash picks
 * up where the task is (a finished task returns its result; a stopping one delivers again).
 */
export async function runTrtcRecordTask(taskId: string, d: TaskDeps): Promise<TemplateResult | { continued: string }> {
  const first = await readTask(d.store, taskId);
  if (!first) throw new AppError('NOT_FOUND', `no compatibility task ${taskId}`);
  let task = first;
  if (task.result && (task.state === 'finished' || task.state === 'failed')) return task.result;
  const log = d.log.child({ taskId, roomId: task.plan.roomId });
  task = await saveTask(d.store, { ...task, supervisor: d.owner, heartbeatAt: new Date().toISOString() });
  // Each poll reads the stop marker and the room (a few COS requests): every idleSec/4, at most 5 s.
  const pollMs = d.pollMs ?? Math.min(5000, Math.max(500, (task.idleSec * 1000) / 4));
  let idleSince: number | undefined;
  let beat = Date.now();

  while (task.state === 'running') {
    if (d.signal.aborted) return { continued: 'aborted: the watchdog resumes the task' };
    if (Date.now() > d.deadline - 15_000) {
      const { requestId } = await d.invoker.invokeAsync('segmenter', { action: 'compat-trtc', taskId });
      log.info('compat.continued', { next: requestId });
      return { continued: requestId };
    }
    let reason: CompatTask['stopReason'];
    if (await d.store.head(stopKey(taskId))) reason = 'removed';
    else if ((await publishers(task, d)) === 0) {
      idleSince ??= Date.now();
      if (Date.now() - idleSince >= task.idleSec * 1000) reason = 'idle';
    } else idleSince = undefined;
    if (reason) {
      log.info('compat.stopping', { reason, idleSec: task.idleSec });
      task = await saveTask(d.store, { ...task, state: 'stopping', stopReason: reason });
      break;
    }
    if (Date.now() - beat > 5000) {
      beat = Date.now();
      // Another supervisor took over (the watchdog's resume raced this one): leave it the task.
      const current = await readTask(d.store, taskId);
      if (current?.supervisor && current.supervisor !== d.owner) return { continued: current.supervisor };
      task = await saveTask(d.store, { ...task, heartbeatAt: new Date().toISOString() });
    }
    await sleep(pollMs, d.signal);
  }

  // Stop, wait for every stream to have stopped, deliver, answer.
  const sd = { store: d.store, invoker: d.invoker, heartbeatTtlSec: d.config.heartbeatTtlSec, sourcePolicy: await sourcePolicyFrom(d.config) };
  await stopRoomRecording(task.plan.roomId, task.recordingId, sd).catch((err) => log.warn('compat.stop_failed', { error: err }));
  const until = Date.now() + 120_000;
  for (;;) {
    const recording = await readRecording(d.store, task.plan.roomId, task.recordingId);
    const states = await Promise.all((recording?.streams ?? []).map((s) => readStream(d.store, s.streamId)));
    if (states.every((s) => !s || !shouldRecord(s) && s.state !== 'stopping')) break;
    if (Date.now() > until || d.signal.aborted) throw new AppError('DEADLINE_EXCEEDED', 'the recording\'s streams did not stop within 120 s');
    await sleep(500, d.signal);
  }
  const recording = (await readRecording(d.store, task.plan.roomId, task.recordingId))!;
  const files = await deliverCompatFiles(task, recording, { ...d, log });
  const result: TemplateResult = {
    SdkAppId: task.plan.sdkAppId, RoomId: task.plan.roomIdNum, StrRoomId: task.plan.strRoomId, UserId: task.recorderUserId, Files: files,
  };
  const ok = files.length > 0 && files.every((f) => f.Status === 0);
  task = await saveTask(d.store, { ...task, state: ok ? 'finished' : 'failed', result, finishedAt: new Date().toISOString(), ...(files.length === 0 ? { error: { code: 'WINDOW_EMPTY', message: 'nobody was recorded' } } : {}) });
  if (task.callback) {
    // The template's plain JSON body; our X-HL-* signature headers ride along for receivers that check them.
    const outcome = await postSignedJson(task.callback, JSON.stringify(result), {
      secret: d.config.secret, attempts: d.config.callbackAttempts, baseDelayMs: d.config.callbackBaseDelayMs, log, what: { taskId },
    });
    log[outcome.delivered ? 'info' : 'error']('compat.callback', { ...outcome });
    task = await saveTask(d.store, { ...task, callbackOutcome: outcome });
  }
  const claim = activeKey(task.plan, task.recorderUserId);
  if ((await getJson<{ taskId: string }>(d.store, claim).catch(() => null))?.taskId === task.id) await d.store.delete(claim);
  log.info('compat.finished', { state: task.state, files: files.length, reason: task.stopReason });
  return result;
}
