import { z } from 'zod';
import { idSchema, parseWith } from '../../shared/domain/schemas.ts';
import { defineHandler } from '../../shared/runtime/define-handler.ts';
import { runRecordCommand } from '../../shared/streams/record-command.ts';
import { runWatchdog } from '../../shared/streams/watchdog.ts';
import { isTimerEvent } from '../../shared/triggers/timer-event.ts';

const recordCommand = z.object({
  action: z.literal('record'),
  streamId: idSchema,
  /** Set when a recorder near its deadline starts this invocation to take over. */
  handoverFrom: z.string().min(1).max(128).optional(),
}).strict();

/**
 * Recorder. Direct invoke {action:"record", streamId} records until stopped; the timer trigger
 * runs the watchdog (restart dead recorders, apply retention to idle streams).
 */
export const main_handler = defineHandler('segmenter', async (event, { deps, log, signal, context, deadline }) => {
  if (isTimerEvent(event)) {
    const report = await runWatchdog({ store: deps.store, invoker: deps.invoker, log, heartbeatTtlSec: deps.config.heartbeatTtlSec });
    if (report.restarted.length || Object.keys(report.pruned).length) log.info('watchdog.report', { ...report });
    return report;
  }
  const cmd = parseWith(recordCommand, event, 'segmenter event');
  return runRecordCommand(cmd, { ...deps, log, owner: context.request_id, signal, deadline });
});
