import type { StreamState } from '../domain/schemas.ts';
import type { RoomRecording } from '../rooms/room-schemas.ts';
import { segmentEnd, type Playlist } from '../media/hls-playlist.ts';

/** What GET /v1/streams[/id] returns. */
export function streamView(s: StreamState, playlist?: Playlist, playlistUrl?: string) {
  const segs = playlist?.segments ?? [];
  const first = segs[0];
  const last = segs[segs.length - 1];
  return {
    id: s.spec.id,
    state: s.state,
    source: s.spec.source.type,
    retentionSec: s.spec.retentionSec,
    segmentSec: s.spec.segmentSec,
    createdAt: s.createdAt,
    startedAt: s.startedAt,
    stoppedAt: s.stoppedAt,
    heartbeatAt: s.heartbeatAt,
    restarts: s.restarts,
    reconnects: s.reconnects ?? 0,
    lastDropAt: s.lastDropAt,
    handovers: s.handovers ?? 0,
    segmentCount: s.segmentCount,
    maxSegmentSec: s.maxSegmentSec,
    // Copy mode cuts at the source's keyframes: sparse keyframes make long segments.
    warning: s.maxSegmentSec && s.maxSegmentSec > s.spec.segmentSec * 1.5
      ? `segments are up to ${s.maxSegmentSec} s long (asked ${s.spec.segmentSec} s): the source's keyframes are sparse; set source.normalize to re-encode`
      : undefined,
    room: s.spec.room,
    ...(playlist
      ? {
          available: first && last ? { start: first.start.toISOString(), end: segmentEnd(last).toISOString(), segments: segs.length } : null,
          lastSegmentAgeSec: last ? Math.max(0, (Date.now() - segmentEnd(last).getTime()) / 1000) : null,
          // Each discontinuity inside the window is a hole (a reconnect or a recorder restart).
          gapsInWindow: segs.filter((x, i) => i > 0 && x.discontinuity).length,
        }
      : {}),
    playlistUrl,
    error: s.error,
  };
}

/** What the room recording endpoints return. */
export function recordingView(r: RoomRecording) {
  return {
    id: r.id, roomId: r.roomId, state: r.state, mode: r.mode, media: r.media, separateAV: r.separateAV,
    userIds: r.userIds, recorderUserId: r.recorderUserId, canvas: r.canvas, createdAt: r.createdAt, stopRequestedAt: r.stopRequestedAt,
    streams: r.streams,
  };
}
