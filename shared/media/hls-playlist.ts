import { Parser } from 'm3u8-parser';
import { AppError } from '../domain/app-error.ts';

export interface PlaylistSegment {
  /** Relative to the playlist: seg/<stamp>-<seq>.ts */
  uri: string;
  seq: number;
  /** True wall-clock start (EXT-X-PROGRAM-DATE-TIME). */
  start: Date;
  durationSec: number;
  /** A gap (recorder restart, source drop) precedes this segment. */
  discontinuity: boolean;
}

export interface Playlist {
  segments: PlaylistSegment[];
  /** Discontinuities that slid out of the window (EXT-X-DISCONTINUITY-SEQUENCE). */
  discontinuitySequence: number;
  /** EXT-X-ENDLIST: the recording stopped (live) or the list is complete (VOD). */
  ended: boolean;
  playlistType?: 'VOD' | 'EVENT';
}

export const segmentEnd = (s: PlaylistSegment) => new Date(s.start.getTime() + s.durationSec * 1000);

/** A standard HLS media playlist with PROGRAM-DATE-TIME on every segment. */
export function writePlaylist(p: Playlist): string {
  const target = Math.max(1, ...p.segments.map((s) => Math.ceil(s.durationSec)));
  const lines = ['#EXTM3U', '#EXT-X-VERSION:3', `#EXT-X-TARGETDURATION:${target}`];
  lines.push(`#EXT-X-MEDIA-SEQUENCE:${p.segments[0]?.seq ?? 0}`);
  if (p.discontinuitySequence) lines.push(`#EXT-X-DISCONTINUITY-SEQUENCE:${p.discontinuitySequence}`);
  if (p.playlistType) lines.push(`#EXT-X-PLAYLIST-TYPE:${p.playlistType}`);
  lines.push('#EXT-X-INDEPENDENT-SEGMENTS');
  p.segments.forEach((s, i) => {
    if (s.discontinuity && i > 0) lines.push('#EXT-X-DISCONTINUITY');
    lines.push(`#EXT-X-PROGRAM-DATE-TIME:${s.start.toISOString()}`);
    lines.push(`#EXTINF:${s.durationSec.toFixed(3)},`);
    lines.push(s.uri);
  });
  if (p.ended) lines.push('#EXT-X-ENDLIST');
  return lines.join('\n') + '\n';
}

/**
 * Parse with m3u8-parser. Ours carry PROGRAM-DATE-TIME on every segment; for other playlists
 * m3u8-parser extrapolates from the nearest tagged segment, and a playlist with none is refused.
 */
export function parsePlaylist(text: string): Playlist {
  const parser = new Parser();
  parser.push(text);
  parser.end();
  const m = parser.manifest;
  const base = m.mediaSequence ?? 0;
  const segments = m.segments.map((s, i): PlaylistSegment => {
    const ms = s.dateTimeObject?.getTime() ?? s.programDateTime ?? (s.dateTimeString ? Date.parse(s.dateTimeString) : NaN);
    if (!Number.isFinite(ms)) throw new AppError('BAD_REQUEST', `playlist segment ${s.uri} has no PROGRAM-DATE-TIME`);
    return { uri: s.uri, seq: base + i, start: new Date(ms), durationSec: s.duration, discontinuity: Boolean(s.discontinuity) };
  });
  return {
    segments,
    discontinuitySequence: m.discontinuitySequence ?? 0,
    ended: Boolean(m.endList),
    playlistType: m.playlistType === 'VOD' || m.playlistType === 'EVENT' ? m.playlistType : undefined,
  };
}
