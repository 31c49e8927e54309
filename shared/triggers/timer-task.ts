import { z } from 'zod';
import { AppError } from '../domain/app-error.ts';
import { idSchema } from '../domain/schemas.ts';
import type { TimerEvent } from './timer-event.ts';

/**
 * What a timer trigger's argument (its Message, ≤ 4 KB) asks for. Empty or {"task":"watchdog"}: the
 * watchdog pass. {"task":"clip", "streamId", "before", …}: a scheduled highlight ("every 10 minutes
 * clip the last 60 s of stream X"). {"task":"record", "stream": {…spec}}: start recording at the
 * cron's time ("start recording match M at T"); {"task":"stop", "streamId"} stops one.
 */
export const timerTaskSchema = z.discriminatedUnion('task', [
  z.object({ task: z.literal('watchdog') }).strict(),
  z.object({ task: z.literal('clip'), highlight: z.record(z.string(), z.unknown()) }).strict(),
  z.object({ task: z.literal('record'), stream: z.record(z.string(), z.unknown()) }).strict(),
  z.object({ task: z.literal('stop'), streamId: idSchema }).strict(),
]);
export type TimerTask = z.infer<typeof timerTaskSchema>;

/** Pure: the task a timer event carries; malformed arguments are refused with the reason. */
export function parseTimerTask(e: TimerEvent): TimerTask {
  const raw = (e.Message ?? '').trim();
  if (!raw) return { task: 'watchdog' };
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new AppError('VALIDATION_FAILED', `timer ${e.TriggerName}: the argument is not JSON: ${raw.slice(0, 80)}`);
  }
  const r = timerTaskSchema.safeParse(json);
  if (!r.success) {
    throw new AppError('VALIDATION_FAILED', `timer ${e.TriggerName}: ${r.error.issues.map((i) => `${i.path.join('.') || 'argument'}: ${i.message}`).join('; ')}`);
  }
  return r.data;
}

/** A scheduled clip's id: one per trigger and tick, so a repeated delivery of the same tick makes one job. */
export function scheduledClipId(e: TimerEvent): string {
  const stamp = e.Time.replace(/[^0-9TZ]/g, '');
  return `sched-${e.TriggerName.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 80)}-${stamp}`;
}
