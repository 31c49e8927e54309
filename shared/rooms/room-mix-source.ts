import type { SourceSpec } from '../domain/schemas.ts';
import { putJsonIfAbsent, type ObjectStore } from '../storage/object-store.ts';
import { listRoomUsers, mixedUserKey, readRecording, targets } from './room-store.ts';

/**
 * The live inputs of a mixed room recording: the users in the room that the recording targets, in
 * join order. The recorder asks again while it runs; a different answer re-lays out the mix.
 * Null when nobody to mix is in the room (the recorder waits, as for a dropped source).
 */
export async function roomMixSource(store: ObjectStore, source: Extract<SourceSpec, { type: 'mix' }>, room: { roomId: string; recordingId: string }, maxUsers: number, noted: Set<string> = new Set()): Promise<Extract<SourceSpec, { type: 'mix' }> | null> {
  const recording = await readRecording(store, room.roomId, room.recordingId);
  if (!recording) return null;
  const users = (await listRoomUsers(store, room.roomId)).filter((u) => targets(recording, u.userId)).slice(0, maxUsers);
  if (users.length === 0) return null;
  // Remember who was ever in the mix, for the manifest.
  // `noted`: users this recorder already wrote down (it asks every few seconds).
  for (const u of users.filter((x) => !noted.has(x.userId))) {
    await putJsonIfAbsent(store, mixedUserKey(room.roomId, room.recordingId, u.userId), { userId: u.userId, firstSeenAt: new Date().toISOString() });
    noted.add(u.userId);
  }
  return { ...source, inputs: users.map((u) => ({ userId: u.userId, url: u.url })) };
}
