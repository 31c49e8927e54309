import { assertId } from '../domain/ids.ts';
import { readStream } from '../streams/stream-store.ts';
import { stopStream, type StreamControlDeps } from '../streams/start-stream.ts';
import type { RoomRecording } from './room-schemas.ts';
import { writeRoomManifest } from './room-manifest.ts';
import { requireRecording, writeRecording } from './room-store.ts';

/**
 * DELETE /v1/rooms/:roomId/recordings/:id: ask every stream of the recording to stop. Each
 * recorder finalises its segments into a file as it stops; the last one completes the manifest.
 * Stopping twice changes nothing.
 */
export async function stopRoomRecording(roomIdRaw: string, idRaw: string, d: StreamControlDeps): Promise<{ recording: RoomRecording; changed: boolean }> {
  const recording = await requireRecording(d.store, assertId(roomIdRaw, 'room id'), assertId(idRaw, 'recording id'));
  if (recording.state !== 'recording') return { recording, changed: false };
  recording.state = 'stopping';
  recording.stopRequestedAt = new Date().toISOString();
  await writeRecording(d.store, recording);
  for (const s of recording.streams) {
    if (await readStream(d.store, s.streamId)) await stopStream(s.streamId, d);
  }
  await writeRoomManifest(d.store, recording.roomId, recording.id);
  return { recording: (await requireRecording(d.store, recording.roomId, recording.id)), changed: true };
}
