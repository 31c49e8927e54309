import { createHash } from 'node:crypto';
import { AppError } from '../domain/app-error.ts';
import { assertId } from '../domain/ids.ts';
import type { MediaKind } from '../domain/schemas.ts';
import { getJson, listAll, putJson, type ObjectStore } from '../storage/object-store.ts';
import type { RecordingFile, RoomRecording, RoomUser } from './room-schemas.ts';

export const roomPrefix = (roomId: string) => `rooms/${assertId(roomId, 'room id')}/`;
/** One object per user (not one room.json), so concurrent joins and leaves never overwrite each other. */
export const roomUserKey = (roomId: string, userId: string) => `${roomPrefix(roomId)}users/${assertId(userId, 'user id')}.json`;
export const recordingPrefix = (roomId: string, recordingId: string) => `${roomPrefix(roomId)}${assertId(recordingId, 'recording id')}/`;
export const recordingKey = (roomId: string, recordingId: string) => `${recordingPrefix(roomId, recordingId)}recording.json`;
export const recordingFileEntryKey = (roomId: string, recordingId: string, streamId: string) => `${recordingPrefix(roomId, recordingId)}files/${assertId(streamId, 'stream id')}.json`;
/** Users that were ever part of a mixed recording (one object each). */
export const mixedUserKey = (roomId: string, recordingId: string, userId: string) => `${recordingPrefix(roomId, recordingId)}mixed-users/${assertId(userId, 'user id')}.json`;
export const manifestKey = (roomId: string, recordingId: string) => `${recordingPrefix(roomId, recordingId)}manifest.json`;

/** The stream id of one recorded track: readable when it fits the 128-character id limit, hashed otherwise. */
export function recordingStreamId(recordingId: string, track: MediaKind | 'mix', userId?: string): string {
  const plain = userId ? `${recordingId}-${track}-${userId}` : `${recordingId}-${track}`;
  if (plain.length <= 128) return assertId(plain, 'stream id');
  // Long ids: a readable head and a hash of the whole, always within the 128-character id limit.
  const hash = createHash('sha256').update(plain).digest('hex').slice(0, 32);
  return assertId(`${recordingId.slice(0, 80)}-${track}-${hash}`, 'stream id');
}

export async function listRoomUsers(store: ObjectStore, roomId: string): Promise<RoomUser[]> {
  const prefix = `${roomPrefix(roomId)}users/`;
  const users: RoomUser[] = [];
  for (const o of await listAll(store, prefix)) {
    const u = await getJson<RoomUser>(store, o.key);
    if (u) users.push(u);
  }
  return users.sort((a, b) => a.joinedAt.localeCompare(b.joinedAt) || a.userId.localeCompare(b.userId));
}

export function readRecording(store: ObjectStore, roomId: string, recordingId: string): Promise<RoomRecording | null> {
  return getJson<RoomRecording>(store, recordingKey(roomId, recordingId));
}

export async function requireRecording(store: ObjectStore, roomId: string, recordingId: string): Promise<RoomRecording> {
  const r = await readRecording(store, roomId, recordingId);
  if (!r) throw new AppError('RECORDING_NOT_FOUND', `no recording ${recordingId} in room ${roomId}`);
  return r;
}

export function writeRecording(store: ObjectStore, r: RoomRecording): Promise<void> {
  return putJson(store, recordingKey(r.roomId, r.id), r);
}

/** Every room with anything stored (rooms/<roomId>/). */
export async function listRoomIds(store: ObjectStore): Promise<string[]> {
  const ids: string[] = [];
  let startAfter: string | undefined;
  for (;;) {
    const page = await store.list('rooms/', { delimiter: '/', startAfter, limit: 1000 });
    ids.push(...page.prefixes.map((p) => p.slice('rooms/'.length, -1)));
    if (!page.nextStartAfter) return ids;
    startAfter = page.nextStartAfter;
  }
}

/** Every recording of a room (rooms/<roomId>/<id>/recording.json). */
export async function listRecordings(store: ObjectStore, roomId: string): Promise<RoomRecording[]> {
  const { prefixes } = await store.list(roomPrefix(roomId), { delimiter: '/' });
  const out: RoomRecording[] = [];
  for (const p of prefixes) {
    const id = p.slice(roomPrefix(roomId).length, -1);
    if (id === 'users') continue;
    const r = await readRecording(store, roomId, id).catch(() => null);
    if (r) out.push(r);
  }
  return out;
}

export async function listRecordingFiles(store: ObjectStore, roomId: string, recordingId: string): Promise<RecordingFile[]> {
  const out: RecordingFile[] = [];
  for (const o of await listAll(store, `${recordingPrefix(roomId, recordingId)}files/`)) {
    const f = await getJson<RecordingFile>(store, o.key);
    if (f) out.push(f);
  }
  return out;
}

/** Users a recording takes: the targeted ones, or everyone. */
export const targets = (r: Pick<RoomRecording, 'userIds'>, userId: string) => !r.userIds || r.userIds.includes(userId);

export async function listMixedUsers(store: ObjectStore, roomId: string, recordingId: string): Promise<string[]> {
  const prefix = `${recordingPrefix(roomId, recordingId)}mixed-users/`;
  return (await listAll(store, prefix)).map((o) => o.key.slice(prefix.length, -'.json'.length));
}
