import { existsSync } from 'node:fs';
import type { MediaKind, SourceSpec } from '../domain/schemas.ts';
import { mixArgs } from './mix-args.ts';

const FONT_CANDIDATES = [
  '/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf',
  '/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf',
  '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf',
  '/usr/share/fonts/dejavu/DejaVuSansMono.ttf',
  '/usr/share/fonts/TTF/DejaVuSansMono.ttf',
  '/System/Library/Fonts/Menlo.ttc',
];

/** Font paths go inside a quoted filter option; only plain paths are used, never escaped ones. */
const PLAIN_PATH = /^[A-Za-z0-9_./ -]+$/;

export function findFont(): string | undefined {
  const own = process.env.HL_FONT_FILE;
  if (own && existsSync(own) && PLAIN_PATH.test(own)) return own;
  return FONT_CANDIDATES.find((f) => existsSync(f));
}

/** A source the recorder can pull directly: a TRTC source is resolved to its relay URL first (resolve-source.ts). */
export type RecordableSource = Exclude<SourceSpec, { type: 'trtc' }>;

export interface RecorderArgsInput {
  source: RecordableSource;
  segmentSec: number;
  /** Folder ffmpeg writes finished segments to. */
  outDir: string;
  /** Wall-clock epoch seconds of pts 0, for the burnt-in clock (equals the playlist's PROGRAM-DATE-TIME). */
  clockEpochSec: number;
  fontFile?: string;
  /** Live sources: an I/O stall this long ends the pull (the recorder then reconnects). Default 10. */
  stallSec?: number;
}

/**
 * Pure: input options for a network URL, placed before its -i. RTMP: -rw_timeout (not -timeout,
 * which means listen mode there). HTTP(S) (HLS, FLV): reconnect on drops of a streamed body, plus
 * -rw_timeout for stalls. SRT has its own timeouts; the recorder's stall check covers it.
 */
export function networkInputArgs(url: string, stallSec = 10): string[] {
  const scheme = url.slice(0, url.indexOf(':')).toLowerCase();
  const rw = ['-rw_timeout', String(Math.round(stallSec * 1_000_000))];
  if (scheme === 'rtmp' || scheme === 'rtmps') return rw;
  if (scheme === 'http' || scheme === 'https') return ['-reconnect', '1', '-reconnect_streamed', '1', '-reconnect_delay_max', String(Math.min(4, stallSec)), ...rw];
  return [];
}

/** Which of input 0's tracks to record; audio is optional in an A/V recording. */
function mediaMaps(media: MediaKind): string[] {
  if (media === 'audio') return ['-map', '0:a:0'];
  if (media === 'video') return ['-map', '0:v:0'];
  return ['-map', '0:v:0', '-map', '0:a:0?'];
}

/** H.264/AAC encode with a closed keyframe exactly every segment, so segments start on keyframes. */
function encodeArgs(fps: number | undefined, segmentSec: number, media: MediaKind = 'av'): string[] {
  const gop = fps ? ['-g', String(fps * segmentSec), '-keyint_min', String(fps * segmentSec)] : [];
  const video = [
    '-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency', '-pix_fmt', 'yuv420p',
    ...gop, '-sc_threshold', '0', '-force_key_frames', `expr:gte(t,n_forced*${segmentSec})`,
  ];
  const audio = ['-c:a', 'aac', '-b:a', '128k', '-ar', '48000'];
  return [...(media === 'audio' ? [] : video), ...(media === 'video' ? [] : audio)];
}

/**
 * Pure: the recorder's ffmpeg arguments. Output is the segment muxer writing MPEG-TS segments with
 * continuous timestamps (no reset, so byte-joined segments stay gapless) and reporting each finished
 * segment as "name,start,end" on stdout.
 */
export function recorderArgs(input: RecorderArgsInput): string[] {
  const { source, segmentSec } = input;
  const args = ['-hide_banner', '-loglevel', 'error'];
  if (source.type === 'testsrc') {
    args.push('-re', '-f', 'lavfi', '-i', `testsrc2=size=${source.width}x${source.height}:rate=${source.fps}`);
    if (source.audio) args.push('-re', '-f', 'lavfi', '-i', 'sine=frequency=440:beep_factor=4:sample_rate=48000');
    let v = '[0:v]null[v]';
    if (source.clock && input.fontFile && PLAIN_PATH.test(input.fontFile)) {
      const size = Math.max(12, Math.round(source.height / 12));
      const clock = `%{pts\\:gmtime\\:${input.clockEpochSec.toFixed(3)}\\:%H\\\\\\:%M\\\\\\:%S}`;
      v = `[0:v]drawtext=fontfile='${input.fontFile}':fontsize=${size}:fontcolor=white:box=1:boxcolor=black@0.6:boxborderw=${Math.round(size / 4)}:x=(w-tw)/2:y=h-th-${size}:text='${clock} UTC  #%{n}'[v]`;
    }
    args.push('-filter_complex', v, '-map', '[v]');
    if (source.audio) args.push('-map', '1:a');
    args.push(...encodeArgs(source.fps, segmentSec));
  } else if (source.type === 'url') {
    // -stats prints a progress line twice a second even at -loglevel error: the recorder's liveness signal.
    // Probing no longer than one segment: ffmpeg's default (~2 s of an FLV pull buffered before any
    // output) would hold back the first segments' close reports and put their PDT late (recorder-run.ts).
    args.push('-stats', ...networkInputArgs(source.url, input.stallSec), '-analyzeduration', String(segmentSec * 1_000_000), '-i', source.url, ...mediaMaps(source.media));
    if (source.normalize) args.push(...encodeArgs(undefined, segmentSec, source.media));
    else args.push('-c', 'copy');
  } else if (source.type === 'mix') {
    args.push('-stats', ...mixArgs({
      inputs: source.inputs.map((i) => ({ url: i.url, inputArgs: [...networkInputArgs(i.url, input.stallSec), '-analyzeduration', String(segmentSec * 1_000_000)] })),
      media: source.media, canvas: source.canvas, segmentSec,
    }));
  } else {
    args.push('-re');
    if (source.loop) args.push('-stream_loop', '-1');
    args.push('-i', source.path, '-map', '0:v:0', '-map', '0:a:0?');
    if (source.normalize) args.push(...encodeArgs(undefined, segmentSec));
    else args.push('-c', 'copy');
  }
  args.push(
    '-f', 'segment', '-segment_time', String(segmentSec), '-segment_format', 'mpegts',
    '-segment_list', 'pipe:1', '-segment_list_type', 'csv',
    `${input.outDir}/seg_%08d.ts`,
  );
  return args;
}
