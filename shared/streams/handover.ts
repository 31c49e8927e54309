import { streamPrefix } from '../domain/store-keys.ts';
import { getJson, putJson, type ObjectStore } from '../storage/object-store.ts';

/**
 * A recorder handing its stream to a fresh invocation before its deadline. The owner writes
 * {from}; the successor records in parallel and, once it holds a finished segment, adds {to,
 * coversFrom}; the owner stops when its published segments reach coversFrom and passes the lease.
 */
export interface Handover {
  from: string;
  requestedAt?: string;
  to?: string;
  /** Start of the successor's first finished segment. */
  coversFrom?: string;
}

export const handoverKey = (streamId: string) => `${streamPrefix(streamId)}handover.json`;

export function readHandover(store: ObjectStore, streamId: string): Promise<Handover | null> {
  return getJson<Handover>(store, handoverKey(streamId));
}

export function requestHandover(store: ObjectStore, streamId: string, from: string): Promise<void> {
  return putJson(store, handoverKey(streamId), { from, requestedAt: new Date().toISOString() } satisfies Handover);
}

export async function offerHandover(store: ObjectStore, streamId: string, h: Required<Pick<Handover, 'from' | 'to' | 'coversFrom'>>): Promise<void> {
  const current = await readHandover(store, streamId);
  await putJson(store, handoverKey(streamId), { ...current, ...h } satisfies Handover);
}

export function clearHandover(store: ObjectStore, streamId: string): Promise<void> {
  return store.delete(handoverKey(streamId));
}
