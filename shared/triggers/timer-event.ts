/** Timer → SCF event (REFERENCE.md §2). */
export interface TimerEvent {
  Type: 'Timer';
  TriggerName: string;
  Time: string;
  Message?: string;
}

export function isTimerEvent(e: unknown): e is TimerEvent {
  return (e as TimerEvent)?.Type === 'Timer';
}

export function makeTimerEvent(name: string, message = '', at = new Date()): TimerEvent {
  return { Type: 'Timer', TriggerName: name, Time: at.toISOString().replace(/\.\d{3}Z$/, 'Z'), Message: message };
}
