import { isFinal, type ClipJob } from '../domain/schemas.ts';
import type { Invoker } from '../invoke/invoker.ts';
import { putJson, type ObjectStore } from '../storage/object-store.ts';
import { cancelKey } from './cancel-marker.ts';
import { requireJob, saveJob } from './clip-job-store.ts';

/**
 * Cancel a highlight: leave a cancel marker (the clipper checks it between steps and before
 * publishing), terminate the clipper's invocation, and give it a moment to record the
 * cancellation itself. A job nobody is working on is marked cancelled here. Finished jobs stay.
 */
export async function cancelHighlight(id: string, d: { store: ObjectStore; invoker: Invoker; waitMs?: number }): Promise<{ job: ClipJob; changed: boolean }> {
  let job = await requireJob(d.store, id);
  if (isFinal(job.state)) return { job, changed: false };
  await putJson(d.store, cancelKey(id), { requestedAt: new Date().toISOString() });
  if (job.invocationId) await d.invoker.terminate(job.invocationId).catch(() => undefined);
  const deadline = Date.now() + (d.waitMs ?? 3000);
  while (Date.now() < deadline) {
    job = await requireJob(d.store, id);
    if (isFinal(job.state)) return { job, changed: true };
    if (job.state === 'queued' && !job.invocationId) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  job = await saveJob(d.store, { ...job, state: 'cancelled', finishedAt: new Date().toISOString(), progress: { ...job.progress, phase: 'cancelled' } });
  return { job, changed: true };
}
