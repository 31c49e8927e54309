import { z } from 'zod';
import { idSchema, parseWith } from '../../shared/domain/schemas.ts';
import { clipHighlight } from '../../shared/clips/clip-highlight.ts';
import { acceptTriggerFile } from '../../shared/clips/accept-trigger-file.ts';
import { localThreadsPerPart } from '../../shared/clips/transcode-fan-out.ts';
import { defineHandler } from '../../shared/runtime/define-handler.ts';
import { isCosEvent, parseCosEvent } from '../../shared/triggers/cos-event.ts';

const clipCommand = z.object({ action: z.literal('clip'), jobId: idSchema }).strict();

/**
 * One highlight end to end. Direct invoke {action:"clip", jobId} (from the api); or a COS event
 * for a request JSON dropped under triggers/highlights/, which is accepted like an API call first.
 */
export const main_handler = defineHandler('clipper', async (event, { deps, log, signal, context }) => {
  const c = deps.config;
  const clip = (jobId: string) => clipHighlight({
    store: deps.store, invoker: deps.invoker, log, jobId, signal, invocationId: context.request_id,
    postRollWaitSec: c.postRollWaitSec, heartbeatTtlSec: c.heartbeatTtlSec, previewGraceSec: c.previewGraceSec,
    fanout: {
      concurrency: c.fanoutConcurrency,
      defaultPartSec: c.partSec,
      // Locally the parts share this machine; an SCF transcoder instance has its cores to itself.
      threadsPerPart: c.runtime === 'local' ? localThreadsPerPart(c.concurrency) : () => 0,
    },
    callback: { secret: c.secret, attempts: c.callbackAttempts, baseDelayMs: c.callbackBaseDelayMs },
  });
  if (isCosEvent(event)) {
    const results = [];
    for (const obj of parseCosEvent(event)) {
      const accepted = await acceptTriggerFile(obj.key, { store: deps.store, log, config: c });
      results.push(accepted ? await clip(accepted.id) : null);
    }
    return results.map((j) => (j ? { id: j.id, state: j.state } : null));
  }
  const cmd = parseWith(clipCommand, event, 'clipper event');
  const job = await clip(cmd.jobId);
  return { id: job.id, state: job.state, error: job.error };
});
