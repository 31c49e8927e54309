import { AppError } from '../domain/app-error.ts';
import type { ClipJob } from '../domain/schemas.ts';
import { jobKey } from '../domain/store-keys.ts';
import { getJson, putJson, putJsonIfAbsent, type ObjectStore } from '../storage/object-store.ts';

export async function readJob(store: ObjectStore, id: string): Promise<ClipJob | null> {
  return getJson<ClipJob>(store, jobKey(id));
}

export async function requireJob(store: ObjectStore, id: string): Promise<ClipJob> {
  const job = await readJob(store, id);
  if (!job) throw new AppError('JOB_NOT_FOUND', `no highlight named ${id}`);
  return job;
}

/** Create-if-absent: true when this call created it. */
export function createJob(store: ObjectStore, job: ClipJob): Promise<boolean> {
  return putJsonIfAbsent(store, jobKey(job.id), job);
}

export async function saveJob(store: ObjectStore, job: ClipJob): Promise<ClipJob> {
  const next = { ...job, updatedAt: new Date().toISOString() };
  await putJson(store, jobKey(job.id), next);
  return next;
}
