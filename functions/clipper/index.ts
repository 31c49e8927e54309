import { z } from 'zod';
import { idSchema, parseWith } from '../../shared/domain/schemas.ts';
import { clipHighlight } from '../../shared/clips/clip-highlight.ts';
import { acceptTriggerFile } from '../../shared/clips/accept-trigger-file.ts';
import { defineHandler } from '../../shared/runtime/define-handler.ts';
import { isCosEvent, parseCosEvent } from '../../shared/triggers/cos-event.ts';

const clipCommand = z.object({ action: z.literal('clip'), jobId: idSchema }).strict();

/**
 * One highlight end to end. Direct invoke {action:"clip", jobId} (from the api); or a COS event
 * for a request JSON dropped under triggers/highlights/, which is accepted like an API call first.
 */
export const main_handler = defineHandler('clipper', async (event, { deps, log, signal }) => {
  const clip = (jobId: string) => clipHighlight({
    store: deps.store, log, jobId, signal,
    postRollWaitSec: deps.config.postRollWaitSec, heartbeatTtlSec: deps.config.heartbeatTtlSec,
  });
  if (isCosEvent(event)) {
    const results = [];
    for (const obj of parseCosEvent(event)) {
      const accepted = await acceptTriggerFile(obj.key, { store: deps.store, log, heartbeatTtlSec: deps.config.heartbeatTtlSec });
      results.push(accepted ? await clip(accepted.id) : null);
    }
    return results.map((j) => (j ? { id: j.id, state: j.state } : null));
  }
  const cmd = parseWith(clipCommand, event, 'clipper event');
  const job = await clip(cmd.jobId);
  return { id: job.id, state: job.state, error: job.error };
});
