import { streamPrefix } from '../domain/store-keys.ts';
import { getJson, listAll, putJson, type ObjectStore } from '../storage/object-store.ts';

export interface Pin {
  start: string;
  end: string;
  /** The pin holds until then (pending clips: far enough out; finished clips: the preview grace). */
  until: string;
}

export const pinKey = (streamId: string, clipId: string) => `${streamPrefix(streamId)}pins/${clipId}.json`;

/** Keep a window's segments past retention (a clip is pending, or its preview should keep playing). */
export function pinWindow(store: ObjectStore, streamId: string, clipId: string, pin: Pin): Promise<void> {
  return putJson(store, pinKey(streamId, clipId), pin);
}

/** Pins still holding; expired pins are deleted on the way. */
export async function activePins(store: ObjectStore, streamId: string, now = Date.now()): Promise<Array<{ start: number; end: number }>> {
  const out: Array<{ start: number; end: number }> = [];
  for (const o of await listAll(store, `${streamPrefix(streamId)}pins/`)) {
    const p = await getJson<Pin>(store, o.key).catch(() => null);
    if (!p) continue;
    if (Date.parse(p.until) < now) await store.delete(o.key);
    else out.push({ start: Date.parse(p.start), end: Date.parse(p.end) });
  }
  return out;
}

export function isPinned(seg: { start: number; end: number }, pins: Array<{ start: number; end: number }>): boolean {
  return pins.some((p) => seg.start < p.end && seg.end > p.start);
}
