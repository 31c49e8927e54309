import type { Invoker } from '../invoke/invoker.ts';
import type { Logger } from '../log/logger.ts';
import { getJson, listAll, type ObjectStore } from '../storage/object-store.ts';
import { saveTask, type CompatTask } from './compat-task-store.ts';

/**
 * The watchdog's part for template tasks: a running or stopping task whose supervisor has not
 * written a heartbeat for staleSec (its invocation died) gets a new supervisor. Cheap when there
 * are none: one listing of compat/trtc/tasks/.
 */
export async function resumeCompatTasks(d: { store: ObjectStore; invoker: Invoker; log: Logger; staleSec: number; now?: number }): Promise<string[]> {
  const now = d.now ?? Date.now();
  const resumed: string[] = [];
  for (const o of await listAll(d.store, 'compat/trtc/tasks/')) {
    if (!o.key.endsWith('.json') || o.key.endsWith('.stop.json')) continue;
    const t = await getJson<CompatTask>(d.store, o.key).catch(() => null);
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
