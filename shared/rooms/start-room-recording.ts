import { AppError } from '../domain/app-error.ts';
import { assertId, randomId } from '../domain/ids.ts';
import { parseWith, type MediaKind, type StreamSpec } from '../domain/schemas.ts';
import { putJsonIfAbsent } from '../storage/object-store.ts';
import { startStream, type StreamControlDeps } from '../streams/start-stream.ts';
import { roomRecordingRequestSchema, type RecordingStream, type RoomRecording, type RoomUser } from './room-schemas.ts';
import { listRoomUsers, readRecording, recordingKey, recordingStreamId, targets, writeRecording } from './room-store.ts';

/** The tracks single-stream recording makes per user. */
export function singleTracks(r: Pick<RoomRecording, 'media' | 'separateAV'>): MediaKind[] {
  if (r.media === 'av' && r.separateAV) return ['audio', 'video'];
  return [r.media];
}

/** The stream spec of one user's track in a single-stream recording. */
export function userStreamSpec(r: RoomRecording, user: RoomUser, track: MediaKind): StreamSpec {
  return {
    id: recordingStreamId(r.id, track, user.userId),
    source: { type: 'url', url: user.url, media: track, normalize: false },
    segmentSec: r.segmentSec, retentionSec: r.retentionSec, reconnectSec: r.reconnectSec, stallSec: 10,
    room: { roomId: r.roomId, recordingId: r.id, userId: user.userId, track },
  };
}

/** Start one user's streams in a recording (a join, or the users present at start). */
export async function startUserStreams(r: RoomRecording, user: RoomUser, d: StreamControlDeps): Promise<RecordingStream[]> {
  const started: RecordingStream[] = [];
  for (const track of singleTracks(r)) {
    const spec = userStreamSpec(r, user, track);
    await startStream(spec, d, { internal: true });
    started.push({ streamId: spec.id, userId: user.userId, track });
  }
  return started;
}

/**
 * POST /v1/rooms/:roomId/recordings. single: one stream per targeted user (and per track with
 * separateAV), started now for the users in the room and on join for the rest. mixed: one stream
 * compositing the targeted users, re-laid out as they join and leave. Everything is validated
 * before anything is written; the same id twice returns the existing recording.
 */
export async function startRoomRecording(roomIdRaw: string, raw: unknown, d: StreamControlDeps, internal: Pick<RoomRecording, 'delivery'> = {}): Promise<{ recording: RoomRecording; created: boolean }> {
  const roomId = assertId(roomIdRaw, 'room id');
  const req = parseWith(roomRecordingRequestSchema, raw, 'recording');
  const id = req.id ?? randomId('rec');
  const existing = await readRecording(d.store, roomId, id);
  if (existing) return { recording: existing, created: false };

  const users = (await listRoomUsers(d.store, roomId)).filter((u) => targets(req, u.userId));
  const max = d.sourcePolicy.maxMixUsers;
  if (req.mode === 'mixed') {
    const count = req.userIds?.length ?? users.length;
    if (count > max) throw new AppError('TOO_MANY_USERS', `a mixed recording takes at most ${max} users (HL_MAX_MIX_USERS); ${req.userIds ? 'userIds names' : 'the room has'} ${count}`);
  }
  const recorderUserId = !req.recorderUserId || req.recorderUserId === '0' ? randomId('recorder') : assertId(req.recorderUserId, 'recorderUserId');
  const recording: RoomRecording = {
    id, roomId, mode: req.mode, media: req.media, separateAV: req.separateAV, userIds: req.userIds, recorderUserId,
    canvas: req.mode === 'mixed' ? (req.canvas ?? { width: 1280, height: 720, fps: 30 }) : undefined,
    segmentSec: req.segmentSec, retentionSec: req.retentionSec, reconnectSec: req.reconnectSec,
    state: 'recording', createdAt: new Date().toISOString(), streams: [],
    ...(internal.delivery ? { delivery: internal.delivery } : {}),
  };

  if (req.mode === 'mixed') {
    const spec: StreamSpec = {
      id: recordingStreamId(id, 'mix'),
      // The inputs are re-read from the room by the recorder (room-mix-source.ts); these validate the start.
      source: { type: 'mix', media: req.media, canvas: recording.canvas!, inputs: users.map((u) => ({ userId: u.userId, url: u.url })) },
      segmentSec: req.segmentSec, retentionSec: req.retentionSec, reconnectSec: Math.max(req.reconnectSec, 3600), stallSec: 10,
      room: { roomId, recordingId: id, track: req.media },
    };
    recording.streams = [{ streamId: spec.id, track: req.media }];
    if (!(await putJsonIfAbsent(d.store, recordingKey(roomId, id), recording))) {
      return { recording: (await readRecording(d.store, roomId, id))!, created: false };
    }
    await startStream(spec, d, { internal: true });
    return { recording, created: true };
  }

  if (!(await putJsonIfAbsent(d.store, recordingKey(roomId, id), recording))) {
    return { recording: (await readRecording(d.store, roomId, id))!, created: false };
  }
  for (const u of users) recording.streams.push(...(await startUserStreams(recording, u, d)));
  await writeRecording(d.store, recording);
  return { recording, created: true };
}
