import { runFfmpeg } from './run-ffmpeg.ts';

export const H264_PRESETS = ['ultrafast', 'superfast', 'veryfast', 'faster', 'fast', 'medium'] as const;

export interface PartVideoParams {
  width: number;
  height: number;
  crf: number;
  preset: (typeof H264_PRESETS)[number];
}

/**
 * Encode one part (video only) from byte-joined TS segments to an MPEG-TS part with a closed GOP
 * at its start, using parameters every part of a clip shares, so parts concatenate by copy.
 */
export async function encodePart(files: string[], out: string, v: PartVideoParams, signal?: AbortSignal): Promise<void> {
  await runFfmpeg([
    '-hide_banner', '-loglevel', 'error', '-y', '-i', `concat:${files.join('|')}`,
    '-map', '0:v:0', '-an',
    '-vf', `scale=${v.width}:${v.height}:force_original_aspect_ratio=decrease,pad=${v.width}:${v.height}:(ow-iw)/2:(oh-ih)/2,setsar=1`,
    '-c:v', 'libx264', '-preset', v.preset, '-crf', String(v.crf), '-profile:v', 'high', '-pix_fmt', 'yuv420p',
    '-x264-params', 'open-gop=0', '-f', 'mpegts', out,
  ], { signal, what: 'encode part' });
}
