import { AppError } from '../domain/app-error.ts';
import type { StreamState } from '../domain/schemas.ts';
import { playlistKey, streamStateKey, streamStopKey } from '../domain/store-keys.ts';
import { parsePlaylist, type Playlist } from '../media/hls-playlist.ts';
import { getIfExists, getJson, putJson, type ObjectStore } from '../storage/object-store.ts';

export async function readStream(store: ObjectStore, streamId: string): Promise<StreamState | null> {
  return getJson<StreamState>(store, streamStateKey(streamId));
}

export async function requireStream(store: ObjectStore, streamId: string): Promise<StreamState> {
  const s = await readStream(store, streamId);
  if (!s) throw new AppError('STREAM_NOT_FOUND', `no stream named ${streamId}`);
  return s;
}

export function writeStream(store: ObjectStore, state: StreamState): Promise<void> {
  return putJson(store, streamStateKey(state.spec.id), state);
}

/** The stream's rolling playlist, or an empty one when nothing has been recorded yet. */
export async function readPlaylist(store: ObjectStore, streamId: string): Promise<Playlist> {
  const text = await getIfExists(store, playlistKey(streamId));
  return text ? parsePlaylist(text.toString('utf8')) : { segments: [], discontinuitySequence: 0, ended: false };
}

export async function stopRequested(store: ObjectStore, streamId: string): Promise<boolean> {
  return (await store.head(streamStopKey(streamId))) !== null;
}

/** States in which a recorder should be running. */
export const shouldRecord = (s: StreamState) => s.state === 'recording' || s.state === 'starting' || s.state === 'reconnecting';

/** A recorder is alive while its state says so and its heartbeat is fresh. */
export function recorderAlive(s: StreamState, heartbeatTtlSec: number, now = Date.now()): boolean {
  if (!shouldRecord(s) && s.state !== 'stopping') return false;
  const beat = Date.parse(s.heartbeatAt ?? s.startedAt ?? s.createdAt);
  return now - beat <= heartbeatTtlSec * 1000;
}

/** Every stream's state, by listing streams/<id>/stream.json. */
export async function listStreams(store: ObjectStore): Promise<StreamState[]> {
  const { prefixes } = await store.list('streams/', { delimiter: '/' });
  const out: StreamState[] = [];
  for (const p of prefixes) {
    const id = p.slice('streams/'.length, -1);
    const s = await getJson<StreamState>(store, streamStateKey(id)).catch(() => null);
    if (s) out.push(s);
  }
  return out;
}
