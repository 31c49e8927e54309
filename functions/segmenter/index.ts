import { z } from 'zod';
import { idSchema, parseWith } from '../../shared/domain/schemas.ts';
import { defineHandler } from '../../shared/runtime/define-handler.ts';
import { finalizeStragglers } from '../../shared/rooms/finalize-stragglers.ts';
import { runFinalizeCommand, runRecordCommand } from '../../shared/segmenter/record-command.ts';
import { runWatchdog } from '../../shared/streams/watchdog.ts';
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
 * streamId} joins a stopped room stream into its file; the timer trigger runs the watchdog (restart
 * dead recorders, apply retention to idle streams, retry room files that were never joined).
 */
export const main_handler = defineHandler('segmenter', async (event, { deps, log, signal, context, deadline }) => {
  if (isTimerEvent(event)) {
    const report = await runWatchdog({ store: deps.store, invoker: deps.invoker, log, heartbeatTtlSec: deps.config.heartbeatTtlSec });
    const finalizing = await finalizeStragglers({ store: deps.store, invoker: deps.invoker, log });
    if (report.restarted.length || Object.keys(report.pruned).length || finalizing.length) log.info('watchdog.report', { ...report, finalizing });
    return { ...report, finalizing };
  }
  const cmd = parseWith(segmenterCommand, event, 'segmenter event');
  if (cmd.action === 'finalize') return runFinalizeCommand(cmd, { ...deps, log, signal });
  return runRecordCommand(cmd, { ...deps, log, owner: context.request_id, signal, deadline });
});
