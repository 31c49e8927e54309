import { z } from 'zod';
import { acceptTrtcRecord } from '../../shared/compat/accept-trtc-record.ts';
import { runTrtcRecordTask } from '../../shared/compat/run-trtc-record-task.ts';
import { toErrorBody } from '../../shared/domain/app-error.ts';
import { idSchema, parseWith } from '../../shared/domain/schemas.ts';
import { defineHandler } from '../../shared/runtime/define-handler.ts';
import { runFinalizeCommand, runRecordCommand } from '../../shared/segmenter/record-command.ts';
import { runTimerTask } from '../../shared/segmenter/run-timer-task.ts';
import { fromApiGatewayEvent, isApiGatewayEvent } from '../../shared/triggers/api-gateway-event.ts';
import { isTimerEvent } from '../../shared/triggers/timer-event.ts';

const segmenterCommand = z.discriminatedUnion('action', [
  z.object({
    action: z.literal('record'),
    streamId: idSchema,
    /** Set when a recorder near its deadline starts this invocation to take over. */
    handoverFrom: z.string().min(1).max(128).optional(),
  }).strict(),
  /** Join a stopped room-recording stream into its file (the watchdog's retry). */
  z.object({ action: z.literal('finalize'), streamId: idSchema }).strict(),
  /** Supervise an SCF-template recording until it ends, then deliver its files and call back. */
  z.object({ action: z.literal('compat-trtc'), taskId: idSchema }).strict(),
]);

/**
 * Recorder. Direct invoke {action:"record", streamId} records until stopped; {action:"finalize",
 * streamId} joins a stopped room stream into its file; {action:"compat-trtc", taskId} supervises
 * a template recording. Timer triggers run the watchdog (restart dead recorders, apply retention
 * to idle streams, retry room files that were never joined, resume template tasks) or a
 * scheduled task from their argument (shared/triggers/timer-task.ts). An API gateway event is a
 * template request deployed as the templates are (integration response off, async): the gateway
 * has answered already, so this invocation accepts it and supervises it to the end, and its
 * return value is the template's result (GetAsyncEventStatus shows it).
 */
export const main_handler = defineHandler('segmenter', async (event, { deps, log, signal, context, deadline }) => {
  if (isTimerEvent(event)) return runTimerTask(event, { ...deps, log });
  const task = { ...deps, log, signal, deadline, owner: context.request_id };
  if (isApiGatewayEvent(event)) {
    const accepted = await acceptTrtcRecord(fromApiGatewayEvent(event), { ...deps, log }, { taskId: context.request_id, invokeSupervisor: false })
      .catch((err: unknown) => ({ error: toErrorBody(err) }));
    if ('error' in accepted) {
      log.warn('compat.refused', accepted.error);
      return accepted;
    }
    return runTrtcRecordTask(accepted.task.id, task);
  }
  const cmd = parseWith(segmenterCommand, event, 'segmenter event');
  if (cmd.action === 'finalize') return runFinalizeCommand(cmd, { ...deps, log, signal });
  if (cmd.action === 'compat-trtc') return runTrtcRecordTask(cmd.taskId, task);
  return runRecordCommand(cmd, { ...deps, log, owner: context.request_id, signal, deadline });
});
