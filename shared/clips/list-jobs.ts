import pLimit from 'p-limit';
import { z } from 'zod';
import { AppError } from '../domain/app-error.ts';
import { idSchema, type ClipJob } from '../domain/schemas.ts';
import { jobKey } from '../domain/store-keys.ts';
import { getJson, type ObjectStore } from '../storage/object-store.ts';

export const listJobsQuerySchema = z.object({
  streamId: idSchema.optional().describe('Only this stream\'s highlights.'),
  limit: z.coerce.number().int().min(1).max(200).default(50).describe('At most this many, newest first (default 50).'),
}).strict();

/**
 * The newest highlights, for the console's gallery. Reads every clips/<id>/job.json (a prefix
 * listing, then 8 reads at a time): fine for thousands of clips, not millions (docs/deploy.md).
 */
export async function listJobs(store: ObjectStore, query: Record<string, string>): Promise<ClipJob[]> {
  const q = listJobsQuerySchema.safeParse(query);
  if (!q.success) throw new AppError('VALIDATION_FAILED', q.error.issues.map((i) => `${i.path.join('.') || 'query'}: ${i.message}`).join('; '));
  const ids: string[] = [];
  let startAfter: string | undefined;
  for (;;) {
    const page = await store.list('clips/', { delimiter: '/', startAfter, limit: 1000 });
    ids.push(...page.prefixes.map((p) => p.slice('clips/'.length, -1)));
    if (!page.nextStartAfter) break;
    startAfter = page.nextStartAfter;
  }
  const limit = pLimit(8);
  const jobs = (await Promise.all(ids.map((id) => limit(() => getJson<ClipJob>(store, jobKey(id)).catch(() => null)))))
    .filter((j): j is ClipJob => j !== null && (!q.data.streamId || j.streamId === q.data.streamId));
  jobs.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id));
  return jobs.slice(0, q.data.limit);
}
