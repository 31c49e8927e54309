import { z } from 'zod';
import { idSchema, parseWith } from '../../shared/domain/schemas.ts';
import { defineHandler } from '../../shared/runtime/define-handler.ts';
import { runFinalizeCommand, runRecordCommand } from '../../shared/segmenter/record-command.ts';
import { runTimerTask } from '../../shared/segmenter/run-timer-task.ts';
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
]);

/**
 * Recorder. Direct invoke {action:"record", streamId} records until stopped; {action:"finalize",
 * streamId} joins a stopped room stream into its file; timer triggers run the watchdog (restart
 * dead recorders, apply retention to idle streams, retry room files that were never joined) or a
 * scheduled task from their argument (a clip, a start, a stop: shared/triggers/timer-task.ts).
 */
export const main_handler = defineHandler('segmenter', async (event, { deps, log, signal, context, deadline }) => {
  if (isTimerEvent(event)) return runTimerTask(event, { ...deps, log });
  const cmd = parseWith(segmenterCommand, event, 'segmenter event');
  if (cmd.action === 'finalize') return runFinalizeCommand(cmd, { ...deps, log, signal });
  return runRecordCommand(cmd, { ...deps, log, owner: context.request_id, signal, deadline });
});
