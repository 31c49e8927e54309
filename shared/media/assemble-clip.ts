import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runFfmpeg } from './run-ffmpeg.ts';

/**
 * The window's audio, once for the whole window: never per part, since each AAC encode adds
 * priming that leaves gaps or clicks at joints. AAC sources are stream-copied (cut to the AAC frame,
 * within 21 ms at 48 kHz, and no CPU taken from the video encodes); others are encoded to AAC with
 * a sample-accurate trim.
 */
export async function windowAudio(files: string[], startSec: number, durationSec: number, out: string, o: { copy: boolean; signal?: AbortSignal }): Promise<void> {
  await runFfmpeg([
    '-hide_banner', '-loglevel', 'error', '-y', '-i', `concat:${files.join('|')}`,
    '-map', '0:a:0', '-vn', '-ss', startSec.toFixed(6), '-t', durationSec.toFixed(6),
    ...(o.copy ? ['-c:a', 'copy'] : ['-c:a', 'aac', '-b:a', '128k']), '-f', 'mp4', out,
  ], { signal: o.signal, what: 'window audio' });
}

/**
 * Join video-only MP4 parts by stream copy (concat demuxer: MP4 parts carry exact durations, so
 * unlike .ts there are no gaps at the joins) and mux the once-encoded audio: a faststart MP4.
 */
export async function joinParts(parts: string[], audio: string | undefined, out: string, workDir: string, signal?: AbortSignal): Promise<void> {
  const list = path.join(workDir, 'parts.txt');
  await writeFile(list, parts.map((p) => `file '${p.replace(/'/g, "'\\''")}'`).join('\n') + '\n');
  const args = ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'concat', '-safe', '0', '-i', list];
  if (audio) args.push('-i', audio, '-map', '0:v:0', '-map', '1:a:0');
  else args.push('-map', '0:v:0');
  args.push('-c', 'copy', '-movflags', '+faststart', '-f', 'mp4', out);
  await runFfmpeg(args, { signal, what: 'join parts' });
}
