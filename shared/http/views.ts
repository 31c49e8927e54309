import type { StreamState } from '../domain/schemas.ts';
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
    segmentCount: s.segmentCount,
    ...(playlist
      ? {
          available: first && last ? { start: first.start.toISOString(), end: segmentEnd(last).toISOString(), segments: segs.length } : null,
          lastSegmentAgeSec: last ? Math.max(0, (Date.now() - segmentEnd(last).getTime()) / 1000) : null,
        }
      : {}),
    playlistUrl,
    error: s.error,
  };
}
