import { AppError } from '../domain/app-error.ts';
import { assertId } from '../domain/ids.ts';
import { parseWith } from '../domain/schemas.ts';
import { getJson, putJson } from '../storage/object-store.ts';
import { resolveSource, trtcRelayUrl } from '../streams/resolve-source.ts';
import { readStream, recorderAlive } from '../streams/stream-store.ts';
import { stopStream, type StreamControlDeps } from '../streams/start-stream.ts';
import { roomUserInputSchema, type RoomUser } from './room-schemas.ts';
import { listRecordings, recordingStreamId, roomUserKey, targets, writeRecording } from './room-store.ts';
import { singleTracks, startUserStreams } from './start-room-recording.ts';

/**
 * PUT /v1/rooms/:roomId/users/:userId: a user joined with their stream. Locally the body names any
 * source URL; in the cloud {trtc:{sdkAppId}} derives the user's CDN relay. Single-stream recordings
 * that target the user start recording them; mixed recordings pick the user up on their own.
 */
export async function joinRoom(roomIdRaw: string, userIdRaw: string, raw: unknown, d: StreamControlDeps): Promise<{ user: RoomUser; started: string[] }> {
  const roomId = assertId(roomIdRaw, 'room id');
  const userId = assertId(userIdRaw, 'user id');
  const input = parseWith(roomUserInputSchema, raw, 'user');
  let url: string;
  if ('url' in input) {
    url = input.url;
    resolveSource({ type: 'url', url, media: 'av', normalize: false }, d.sourcePolicy);
  } else {
    const relay = d.sourcePolicy.trtcRelay;
    if (!relay) throw new AppError('SOURCE_NOT_ALLOWED', 'trtc users need a relay domain (set HL_TRTC_RELAY_DOMAIN)');
    const src = { type: 'trtc' as const, sdkAppId: input.trtc.sdkAppId, roomId, userId, stream: input.trtc.stream, media: 'av' as const, normalize: false };
    url = trtcRelayUrl(src, relay);
    resolveSource(src, d.sourcePolicy);
  }
  const previous = await getJson<RoomUser>(d.store, roomUserKey(roomId, userId));
  const user: RoomUser = { roomId, userId, url, joinedAt: previous?.url === url ? previous.joinedAt : new Date().toISOString() };
  await putJson(d.store, roomUserKey(roomId, userId), user);

  const started: string[] = [];
  for (const r of await listRecordings(d.store, roomId)) {
    if (r.state !== 'recording' || r.mode !== 'single' || !targets(r, userId)) continue;
    const running = await Promise.all(singleTracks(r).map(async (t) => {
      const s = await readStream(d.store, recordingStreamId(r.id, t, userId));
      return s !== null && recorderAlive(s, d.heartbeatTtlSec);
    }));
    if (running.every(Boolean)) continue;
    const streams = await startUserStreams(r, user, d);
    const known = new Set(r.streams.map((s) => s.streamId));
    r.streams.push(...streams.filter((s) => !known.has(s.streamId)));
    await writeRecording(d.store, r);
    started.push(...streams.map((s) => s.streamId));
  }
  return { user, started };
}

/** DELETE /v1/rooms/:roomId/users/:userId: the user left. Their single-stream recordings stop (and finalise); mixes re-lay out. */
export async function leaveRoom(roomIdRaw: string, userIdRaw: string, d: StreamControlDeps): Promise<{ left: boolean; stopped: string[] }> {
  const roomId = assertId(roomIdRaw, 'room id');
  const userId = assertId(userIdRaw, 'user id');
  const key = roomUserKey(roomId, userId);
  if (!(await d.store.head(key))) return { left: false, stopped: [] };
  await d.store.delete(key);
  const stopped: string[] = [];
  for (const r of await listRecordings(d.store, roomId)) {
    if (r.mode !== 'single') continue;
    for (const s of r.streams.filter((x) => x.userId === userId)) {
      if (!(await readStream(d.store, s.streamId))) continue;
      const { stopping } = await stopStream(s.streamId, d);
      if (stopping) stopped.push(s.streamId);
    }
  }
  return { left: true, stopped };
}
