import { z } from 'zod';
import { idSchema, parseWith } from '../../shared/domain/schemas.ts';
import { defineHandler } from '../../shared/runtime/define-handler.ts';
import { recordStream } from '../../shared/streams/record-stream.ts';
import { runWatchdog } from '../../shared/streams/watchdog.ts';
import { isTimerEvent } from '../../shared/triggers/timer-event.ts';

const recordCommand = z.object({ action: z.literal('record'), streamId: idSchema }).strict();

/**
 * Recorder. Direct invoke {action:"record", streamId} records until stopped; the timer trigger
 * runs the watchdog (restart dead recorders, apply retention to idle streams).
 */
export const main_handler = defineHandler('segmenter', async (event, { deps, log, signal, context }) => {
  if (isTimerEvent(event)) {
    const report = await runWatchdog({ store: deps.store, invoker: deps.invoker, log, heartbeatTtlSec: deps.config.heartbeatTtlSec });
    if (report.restarted.length || Object.keys(report.pruned).length) log.info('watchdog.report', { ...report });
    return report;
  }
  const cmd = parseWith(recordCommand, event, 'segmenter event');
  return recordStream({ store: deps.store, log, streamId: cmd.streamId, owner: context.request_id, heartbeatTtlSec: deps.config.heartbeatTtlSec, signal });
});
