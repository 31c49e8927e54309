import { putJson, type ObjectStore } from '../storage/object-store.ts';
import { readStream, shouldRecord } from '../streams/stream-store.ts';
import type { RecordingFile, RoomRecording } from './room-schemas.ts';
import { listMixedUsers, listRecordingFiles, manifestKey, readRecording, writeRecording } from './room-store.ts';

export interface RoomManifest {
  recordingId: string;
  roomId: string;
  mode: RoomRecording['mode'];
  media: RoomRecording['media'];
  state: RoomRecording['state'];
  recorderUserId: string;
  startedAt: string;
  stoppedAt?: string;
  users: string[];
  files: RecordingFile[];
}

/**
 * Rebuild rooms/<roomId>/<recordingId>/manifest.json from the file entries. A stopping recording
 * whose streams have all stopped and been finalised becomes "stopped". Every finaliser calls it,
 * so the last one to finish writes the complete manifest; reads rebuild it the same way.
 */
export async function writeRoomManifest(store: ObjectStore, roomId: string, recordingId: string): Promise<RoomManifest | null> {
  const r = await readRecording(store, roomId, recordingId);
  if (!r) return null;
  const files = (await listRecordingFiles(store, roomId, recordingId)).sort((a, b) => a.streamId.localeCompare(b.streamId));
  if (r.state === 'stopping') {
    const done = new Set(files.map((f) => f.streamId));
    let complete = true;
    for (const s of r.streams) {
      const st = await readStream(store, s.streamId);
      if (st && (shouldRecord(st) || !done.has(s.streamId))) complete = false;
    }
    if (complete) {
      r.state = 'stopped';
      await writeRecording(store, r);
    }
  }
  const manifest: RoomManifest = {
    recordingId: r.id, roomId: r.roomId, mode: r.mode, media: r.media, state: r.state, recorderUserId: r.recorderUserId,
    startedAt: r.createdAt, stoppedAt: r.state === 'stopped' ? files.map((f) => f.end).sort().at(-1) ?? r.stopRequestedAt : undefined,
    users: [...new Set(r.streams.map((s) => s.userId).filter((u): u is string => Boolean(u)))],
    files: files.filter((f) => f.key || f.error),
  };
  if (r.mode === 'mixed') manifest.users = await listMixedUsers(store, roomId, recordingId);
  await putJson(store, manifestKey(roomId, recordingId), manifest);
  return manifest;
}
