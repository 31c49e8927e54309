import { clipPrefix } from '../domain/store-keys.ts';
import type { ObjectStore } from '../storage/object-store.ts';

export const cancelKey = (clipId: string) => `${clipPrefix(clipId)}cancel.json`;

export async function cancelRequested(store: ObjectStore, clipId: string): Promise<boolean> {
  return (await store.head(cancelKey(clipId))) !== null;
}
