import { segmentEnd, type Playlist, type PlaylistSegment } from '../media/hls-playlist.ts';

/**
 * Pure: drop segments that ended before the cutoff from the front of the playlist. When a
 * dropped segment carried a discontinuity, or the new first one does, the discontinuity
 * sequence advances (HLS §6.2.2) so players keep counting timelines correctly.
 */
export function applyRetention(p: Playlist, cutoff: Date): { playlist: Playlist; expired: PlaylistSegment[] } {
  const expired: PlaylistSegment[] = [];
  const kept = [...p.segments];
  let disc = p.discontinuitySequence;
  while (kept.length > 0 && segmentEnd(kept[0]!).getTime() < cutoff.getTime()) {
    const gone = kept.shift()!;
    expired.push(gone);
    if (gone.discontinuity && expired.length > 1) disc++;
  }
  if (expired.length > 0 && kept[0]?.discontinuity) {
    disc++;
    kept[0] = { ...kept[0], discontinuity: false };
  }
  return { playlist: { ...p, segments: kept, discontinuitySequence: disc }, expired };
}
