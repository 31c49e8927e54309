import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { StreamState } from '../domain/schemas.ts';
import { joinSegments } from '../media/join-segments.ts';
import { segmentEnd, type PlaylistSegment } from '../media/hls-playlist.ts';
import { runFfmpeg } from '../media/run-ffmpeg.ts';
import type { Logger } from '../log/logger.ts';
import { putJson, type ObjectStore } from '../storage/object-store.ts';
import { segmentFiles } from '../clips/segment-files.ts';
import { readPlaylist } from '../streams/stream-store.ts';
import type { RecordingFile } from './room-schemas.ts';
import { readRecording, recordingFileEntryKey, recordingPrefix } from './room-store.ts';
import { writeRoomManifest } from './room-manifest.ts';

/** Where the video of a (joined) input ends, from its last packet (stream copy, no decode). */
async function videoEndSec(input: string, signal?: AbortSignal): Promise<number | undefined> {
  const { stdout } = await runFfmpeg(['-hide_banner', '-loglevel', 'error', '-i', input, '-map', '0:v:0', '-c', 'copy', '-f', 'framecrc', '-'], { signal, what: 'video end' });
  const tb = /^#tb 0: (\d+)\/(\d+)/m.exec(stdout);
  const last = stdout.trim().split('\n').filter((l) => !l.startsWith('#')).at(-1);
  const [, , pts, duration] = (last ?? '').split(',').map((x) => Number(x.trim()));
  if (!tb || pts === undefined || duration === undefined || !Number.isFinite(pts + duration)) return undefined;
  return ((pts + duration) * Number(tb[1])) / Number(tb[2]);
}

/** Seconds of media in the segments, to the millisecond. */
const recordedSec = (segs: PlaylistSegment[]) => Math.round(segs.reduce((a, s) => a + s.durationSec, 0) * 1000) / 1000;

/** A gap shorter than this between segments is timestamp jitter, not a hole. */
const GAP_MIN_MS = 250;

/** Pure: split a playlist into continuous runs (a discontinuity starts a new one) and list the holes between segments. */
export function planRuns(segments: PlaylistSegment[]): { runs: PlaylistSegment[][]; gaps: Array<{ start: string; end: string }> } {
  const runs: PlaylistSegment[][] = [];
  const gaps: Array<{ start: string; end: string }> = [];
  segments.forEach((s, i) => {
    const prev = segments[i - 1];
    if (!prev || s.discontinuity) runs.push([s]);
    else runs[runs.length - 1]!.push(s);
    if (prev && s.start.getTime() - segmentEnd(prev).getTime() > GAP_MIN_MS) {
      gaps.push({ start: segmentEnd(prev).toISOString(), end: s.start.toISOString() });
    }
  });
  return { runs, gaps };
}

/**
 * A room recording's stream has stopped: join all its segments into one file under
 * rooms/<roomId>/<recordingId>/ (MP4 for A/V and video, M4A for audio), record the file entry with
 * its wall-clock span and gaps, and rewrite the recording's manifest. Each continuous run is
 * byte-joined (gapless); runs are then joined end to end, so a gap is skipped in the file and
 * listed in the manifest. Idempotent: running it again rewrites the same objects.
 */
export async function finalizeRoomStream(store: ObjectStore, state: StreamState, log: Logger, signal?: AbortSignal): Promise<RecordingFile | null> {
  const room = state.spec.room;
  if (!room) return null;
  const streamId = state.spec.id;
  const playlist = await readPlaylist(store, streamId);
  const format = room.track === 'audio' ? 'm4a' : 'mp4';
  const name = `${room.userId ?? 'mix'}-${room.track}.${format}`;
  const key = `${recordingPrefix(room.roomId, room.recordingId)}${name}`;
  const { runs, gaps } = planRuns(playlist.segments);
  const first = playlist.segments[0];
  const last = playlist.segments.at(-1);
  const entry: RecordingFile = {
    streamId, userId: room.userId, track: room.track, key, format,
    start: first?.start.toISOString() ?? state.startedAt ?? state.createdAt,
    end: last ? segmentEnd(last).toISOString() : state.stoppedAt ?? new Date().toISOString(),
    durationSec: 0, sizeBytes: 0, gaps,
  };
  const recording = await readRecording(store, room.roomId, room.recordingId);
  if (recording?.delivery) {
    // The compatibility task streams this stream's segments to its own bucket: no file here.
    Object.assign(entry, { key: '', durationSec: recordedSec(playlist.segments), handledBy: recording.delivery.kind });
    await putJson(store, recordingFileEntryKey(room.roomId, room.recordingId, streamId), entry);
    await writeRoomManifest(store, room.roomId, room.recordingId);
    return entry;
  }
  const work = await mkdtemp(path.join(os.tmpdir(), `hl-fin-${streamId.slice(0, 40)}-`));
  try {
    if (runs.length > 0) try {
      let file: string;
      if (runs.length === 1) {
        file = path.join(work, `joined.${format}`);
        const files = await segmentFiles(store, streamId, runs[0]!.map((s) => s.uri), work, signal);
        await joinSegments({ files, out: file, signal });
      } else {
        // Each run byte-joined into one MP4 piece, then the pieces end to end by the concat demuxer,
        // which offsets each by its longest stream. A run's audio outlasts its video by up to a few
        // hundred ms (ffmpeg stopped mid-GOP), which would push the next run's video off its frame
        // grid (decoders then see repeated timestamps), so pieces with video end at the video's end.
        const pieces: string[] = [];
        for (const [i, run] of runs.entries()) {
          const files = await segmentFiles(store, streamId, run.map((s) => s.uri), work, signal);
          const out = path.join(work, `run-${i}.${format}`);
          const videoEnd = room.track === 'audio' ? undefined : await videoEndSec(`concat:${files.join('|')}`, signal);
          await joinSegments({ files, out, durationSec: videoEnd, signal });
          pieces.push(out);
        }
        const list = path.join(work, 'runs.txt');
        await writeFile(list, pieces.map((p) => `file '${p}'`).join('\n') + '\n');
        file = path.join(work, `joined.${format}`);
        await runFfmpeg(['-hide_banner', '-loglevel', 'error', '-y', '-f', 'concat', '-safe', '0', '-i', list, '-map', '0', '-c', 'copy', '-movflags', '+faststart', '-f', 'mp4', file], { signal, what: 'join runs' });
      }
      entry.sizeBytes = (await stat(file)).size;
      entry.durationSec = recordedSec(playlist.segments);
      await store.putFile(key, file, { contentType: format === 'm4a' ? 'audio/mp4' : 'video/mp4' });
    } catch (err) {
      // The manifest still completes; the entry says what went wrong.
      if (signal?.aborted) throw err;
      entry.key = '';
      entry.error = { code: (err as { code?: string }).code ?? 'FFMPEG_FAILED', message: (err as Error).message };
      log.error('room.finalize_failed', { streamId, error: err });
    } else {
      entry.key = '';
    }
    await putJson(store, recordingFileEntryKey(room.roomId, room.recordingId, streamId), entry);
    log.info('room.stream_finalized', { streamId, key: entry.key, runs: runs.length, gaps: gaps.length, sizeBytes: entry.sizeBytes });
    await writeRoomManifest(store, room.roomId, room.recordingId);
    return entry;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
