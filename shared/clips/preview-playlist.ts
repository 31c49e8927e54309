import type { ClipJob } from '../domain/schemas.ts';
import { clipPrefix } from '../domain/store-keys.ts';
import { writePlaylist, type PlaylistSegment } from '../media/hls-playlist.ts';
import type { ObjectStore } from '../storage/object-store.ts';

export const previewKey = (clipId: string) => `${clipPrefix(clipId)}preview.m3u8`;

/**
 * The instant preview: an HLS playlist over the window's recorded segments, referenced in place
 * (relative URIs into streams/<id>/seg/, pinned against retention). While post-roll is still being
 * recorded it is an EVENT playlist that grows; once the window is covered it is VOD with ENDLIST.
 */
export async function writePreview(store: ObjectStore, job: Pick<ClipJob, 'id' | 'streamId'>, segments: PlaylistSegment[], complete: boolean): Promise<{ key: string; url: string }> {
  const key = previewKey(job.id);
  const text = writePlaylist({
    segments: segments.map((s, i) => ({ ...s, uri: `../../streams/${job.streamId}/${s.uri}`, discontinuity: i > 0 && s.discontinuity })),
    discontinuitySequence: 0,
    ended: complete,
    playlistType: complete ? 'VOD' : 'EVENT',
  });
  await store.put(key, text, { contentType: 'application/vnd.apple.mpegurl' });
  return { key, url: await store.url(key) };
}
