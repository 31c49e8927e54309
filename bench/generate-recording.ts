import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { StreamState } from '../shared/domain/schemas.ts';
import { playlistKey, segmentKey } from '../shared/domain/store-keys.ts';
import { writePlaylist, type PlaylistSegment } from '../shared/media/hls-playlist.ts';
import { runFfmpeg } from '../shared/media/run-ffmpeg.ts';
import type { ObjectStore } from '../shared/storage/object-store.ts';
import { writeStream } from '../shared/streams/stream-store.ts';
import { bandFor, bandSource, firstFrameIndex, type Band } from './frame-index.ts';
import type { Size } from './options.ts';

export const SEGMENT_SEC = 2;

export interface SourceSegment {
  file: string;
  /** Start and end as the segment muxer reported them (seconds of the recording). */
  startSec: number;
  endSec: number;
  /** Frame index of the segment's first frame (read from the band), when asked for. */
  firstFrame?: number;
}

export interface Recording {
  name: string;
  dir: string;
  size: Size;
  fps: number;
  durationSec: number;
  preset: string;
  band: Band;
  segments: SourceSegment[];
  generateMs: number;
  bytes: number;
  ffmpegArgs: string[];
}

/**
 * The recorder's encode (shared/media/recorder-args.ts) at a fixed ~3 Mbps, faster than real time:
 * testsrc2 + the frame-index band, a 440 Hz beep, H.264 with a closed keyframe exactly every 2 s,
 * AAC 48 kHz, cut by the segment muxer into 2 s MPEG-TS segments with continuous timestamps.
 */
export function recordingArgs(o: { size: Size; fps: number; durationSec: number; preset: string; dir: string; band: Band }): string[] {
  const { width, height } = o.size;
  const d = o.durationSec;
  const gop = String(o.fps * SEGMENT_SEC);
  return [
    '-hide_banner', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', `testsrc2=size=${width}x${height}:rate=${o.fps}:duration=${d}`,
    '-f', 'lavfi', '-i', `sine=frequency=440:beep_factor=4:sample_rate=48000:duration=${d}`,
    '-filter_complex', `${bandSource(o.band, o.fps, d)};[0:v][band]overlay=${o.band.x}:${o.band.y}:shortest=1,format=yuv420p[v]`,
    '-map', '[v]', '-map', '1:a',
    '-c:v', 'libx264', '-preset', o.preset, '-tune', 'zerolatency', '-pix_fmt', 'yuv420p',
    '-b:v', '3M', '-maxrate', '3M', '-bufsize', '6M',
    '-g', gop, '-keyint_min', gop, '-sc_threshold', '0', '-force_key_frames', `expr:gte(t,n_forced*${SEGMENT_SEC})`,
    '-c:a', 'aac', '-b:a', '128k', '-ar', '48000',
    '-f', 'segment', '-segment_time', String(SEGMENT_SEC), '-segment_format', 'mpegts',
    '-segment_list', path.join(o.dir, 'segments.csv'), '-segment_list_type', 'csv',
    path.join(o.dir, 'seg_%05d.ts'),
  ];
}

export async function generateRecording(o: { root: string; name: string; size: Size; fps: number; durationSec: number; preset: string; readFirstFrames: boolean }): Promise<Recording> {
  const dir = path.join(o.root, o.name);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const band = bandFor(o.size);
  const args = recordingArgs({ ...o, dir, band });
  const t0 = performance.now();
  await runFfmpeg(args, { what: `generate ${o.name}` });
  const generateMs = performance.now() - t0;
  const csv = await readFile(path.join(dir, 'segments.csv'), 'utf8');
  const segments: SourceSegment[] = csv.trim().split('\n').map((line) => {
    const [name, s, e] = line.trim().split(',');
    return { file: path.join(dir, name!), startSec: Number(s), endSec: Number(e) };
  });
  if (o.readFirstFrames) {
    for (const seg of segments) seg.firstFrame = await firstFrameIndex(seg.file, band, o.size);
  }
  let bytes = 0;
  for (const f of await readdir(dir)) if (f.endsWith('.ts')) bytes += (await readFile(path.join(dir, f))).length;
  const rec: Recording = { name: o.name, dir, size: o.size, fps: o.fps, durationSec: o.durationSec, preset: o.preset, band, segments, generateMs, bytes, ffmpegArgs: args };
  await writeFile(path.join(dir, 'meta.json'), JSON.stringify(rec, null, 2));
  return rec;
}

/** An earlier run's recording (--skip-generate), checked against what this run needs. */
export async function loadRecording(root: string, name: string, want: { size: Size; fps: number; durationSec: number; preset: string }): Promise<Recording> {
  const file = path.join(root, name, 'meta.json');
  let rec: Recording;
  try {
    rec = JSON.parse(await readFile(file, 'utf8')) as Recording;
  } catch {
    throw new Error(`--skip-generate: no generated recording at ${file}; run once without --skip-generate`);
  }
  const same = rec.size.width === want.size.width && rec.size.height === want.size.height && rec.fps === want.fps && rec.durationSec === want.durationSec && rec.preset === want.preset;
  if (!same) throw new Error(`--skip-generate: ${file} was made for ${rec.size.width}x${rec.size.height}@${rec.fps} ${rec.durationSec}s ${rec.preset}, this run needs ${want.size.width}x${want.size.height}@${want.fps} ${want.durationSec}s ${want.preset} (drop --skip-generate, or use the same --quick setting)`);
  return rec;
}

export interface PublishedSegment extends PlaylistSegment {
  firstFrame?: number;
  /** The object's file in the local store. */
  file: string;
}

export interface PublishedStream {
  streamId: string;
  t0: Date;
  segments: PublishedSegment[];
}

/**
 * Publish a recording exactly as the recorder would have: each segment under its wall-clock key
 * (T0 + start), then the playlist (PROGRAM-DATE-TIME on every segment, ENDLIST: stopped), then
 * stream.json in state 'stopped' with a 1 h retention.
 */
export async function publishRecording(store: ObjectStore & { pathOf(key: string): string }, rec: Recording, streamId: string, t0: Date): Promise<PublishedStream> {
  const segments: PublishedSegment[] = [];
  for (const [seq, s] of rec.segments.entries()) {
    const start = new Date(t0.getTime() + Math.round(s.startSec * 1000));
    const key = segmentKey(streamId, start, seq);
    await store.put(key, await readFile(s.file), { contentType: 'video/mp2t' });
    segments.push({
      uri: `seg/${path.posix.basename(key)}`, seq, start, durationSec: Math.max(0.001, s.endSec - s.startSec), discontinuity: false,
      firstFrame: s.firstFrame, file: store.pathOf(key),
    });
  }
  const plain = segments.map(({ uri, seq, start, durationSec, discontinuity }) => ({ uri, seq, start, durationSec, discontinuity }));
  await store.put(playlistKey(streamId), writePlaylist({ segments: plain, discontinuitySequence: 0, ended: true }), { contentType: 'application/vnd.apple.mpegurl' });
  const last = segments[segments.length - 1]!;
  const end = new Date(last.start.getTime() + last.durationSec * 1000).toISOString();
  const state: StreamState = {
    spec: { id: streamId, source: { type: 'testsrc', width: rec.size.width, height: rec.size.height, fps: rec.fps, audio: true, clock: false }, retentionSec: 3600, segmentSec: SEGMENT_SEC, stallSec: 10, reconnectSec: 60 },
    state: 'stopped', createdAt: t0.toISOString(), startedAt: t0.toISOString(), stoppedAt: end, heartbeatAt: end,
    segmentCount: segments.length, lastSegmentEnd: end, restarts: 0,
  };
  await writeStream(store, state);
  return { streamId, t0, segments };
}

/** A T0 that puts the whole recording in the recent past (well inside the 1 h retention). */
export function recentT0(rec: Recording, marginSec = 5): Date {
  return new Date(Math.floor(Date.now() / 1000) * 1000 - Math.ceil(rec.durationSec + marginSec) * 1000);
}

/**
 * Which source frame is on screen at a wall-clock instant, by the recorder's own clock
 * (segment wall-clock start = T0 + the segment muxer's start): a fractional frame position.
 */
export function framePosition(p: PublishedStream, fps: number, at: Date): number {
  let seg = p.segments[0]!;
  for (const s of p.segments) if (s.start.getTime() <= at.getTime()) seg = s;
  if (seg.firstFrame === undefined) throw new Error('segment first frames were not read');
  return seg.firstFrame + ((at.getTime() - seg.start.getTime()) / 1000) * fps;
}
