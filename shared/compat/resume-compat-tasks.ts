import type { Invoker } from '../invoke/invoker.ts';
import type { Logger } from '../log/logger.ts';
import { getJson, listAll, type ObjectStore } from '../storage/object-store.ts';
import { readTask, saveTask } from './compat-task-store.ts';

/**
 * The watchdog's part for template tasks: a running or stopping task whose supervisor has not
 * written a heartbeat for staleSec (its invocation died) gets a new supervisor. It walks the
 * claims under compat/trtc/active/ (one per unfinished task, removed when it finishes), so its
 * cost follows the tasks running now, not every task ever made.
 */
export async function resumeCompatTasks(d: { store: ObjectStore; invoker: Invoker; log: Logger; staleSec: number; now?: number }): Promise<string[]> {
  const now = d.now ?? Date.now();
  const resumed: string[] = [];
  for (const o of await listAll(d.store, 'compat/trtc/active/')) {
    const claim = await getJson<{ taskId: string }>(d.store, o.key).catch(() => null);
    const t = claim && (await readTask(d.store, claim.taskId).catch(() => null));
    if (!t || (t.state !== 'running' && t.state !== 'stopping')) continue;
    const beat = Date.parse(t.heartbeatAt ?? t.updatedAt);
    if (now - beat < d.staleSec * 1000) continue;
    const { requestId } = await d.invoker.invokeAsync('segmenter', { action: 'compat-trtc', taskId: t.id });
    await saveTask(d.store, { ...t, supervisor: requestId, heartbeatAt: new Date(now).toISOString() });
    d.log.warn('compat.resumed', { taskId: t.id, lastHeartbeat: t.heartbeatAt, supervisor: requestId });
    resumed.push(t.id);
  }
  return resumed;
}
