import { existsSync } from 'node:fs';
import { AppError } from '../domain/app-error.ts';
import { runFfmpeg } from './run-ffmpeg.ts';

export interface JoinInput {
  /** Local TS files in time order, continuous timestamps. */
  files: string[];
  out: string;
  /** Trim the tail (stream copy cuts the end at any frame; the start stays on the first keyframe). */
  durationSec?: number;
  signal?: AbortSignal;
}

/**
 * Join TS segments by bytes (concat protocol) and remux to a faststart MP4 by stream copy.
 * Not the concat demuxer: on .ts it leaves 70–97 ms gaps at every join (MEDIA-NOTES.md).
 * ADTS AAC from the TS becomes MP4's AudioSpecificConfig through the aac_adtstoasc filter that
 * the mp4 muxer inserts by itself when (and only when) the audio is ADTS, so it is not forced.
 */
export async function joinSegments(j: JoinInput): Promise<void> {
  const args = ['-hide_banner', '-loglevel', 'error', '-y', '-i', `concat:${j.files.join('|')}`, '-map', '0:v?', '-map', '0:a?', '-c', 'copy'];
  if (j.durationSec !== undefined) args.push('-t', j.durationSec.toFixed(3));
  args.push('-movflags', '+faststart', '-f', 'mp4', j.out);
  await runFfmpeg(args, { signal: j.signal, what: 'join segments' });
}

/**
 * One JPEG frame at offsetSec (clamped by the caller to the clip). ffmpeg exits cleanly without
 * writing anything when the offset lies past the last frame, so that case falls back to the
 * first frame instead of leaving no poster.
 */
export async function writePoster(input: string, out: string, offsetSec: number, signal?: AbortSignal): Promise<void> {
  const run = (at: number) => runFfmpeg(
    ['-hide_banner', '-loglevel', 'error', '-y', '-ss', at.toFixed(3), '-i', input, '-frames:v', '1', '-q:v', '3', '-f', 'image2', out],
    { signal, what: 'poster' },
  );
  await run(offsetSec);
  if (!existsSync(out) && offsetSec > 0) await run(0);
  if (!existsSync(out)) throw new AppError('FFMPEG_FAILED', `no video frame to make a poster from in ${input}`);
}
