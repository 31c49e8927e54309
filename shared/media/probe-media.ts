import ffmpeg from 'fluent-ffmpeg';
import { AppError } from '../domain/app-error.ts';
import { resolveFfmpeg } from './ffmpeg-binaries.ts';

export interface MediaInfo {
  durationSec: number;
  formatName: string;
  sizeBytes: number;
  video?: { codec: string; width: number; height: number; fps: number; startSec: number };
  audio?: { codec: string; sampleRate: number; channels: number; startSec: number };
  streams: Array<{ type: string; codec: string }>;
}

function rate(r: string | undefined): number {
  if (!r) return 0;
  const [n, d] = r.split('/').map(Number);
  return d ? (n ?? 0) / d : (n ?? 0);
}

/** ffprobe through fluent-ffmpeg, reduced to what the pipeline reads. */
export function probeMedia(file: string): Promise<MediaInfo> {
  ffmpeg.setFfprobePath(resolveFfmpeg().ffprobe);
  return new Promise((resolve, reject) => {
    ffmpeg.ffprobe(file, (err, data) => {
      if (err) return reject(new AppError('FFMPEG_FAILED', `ffprobe could not read ${file}: ${String(err.message ?? err).split('\n').slice(-2).join(' ')}`));
      const v = data.streams.find((s) => s.codec_type === 'video');
      const a = data.streams.find((s) => s.codec_type === 'audio');
      resolve({
        durationSec: Number(data.format.duration ?? 0),
        formatName: String(data.format.format_name ?? ''),
        sizeBytes: Number(data.format.size ?? 0),
        video: v ? { codec: String(v.codec_name), width: Number(v.width), height: Number(v.height), fps: rate(v.avg_frame_rate || v.r_frame_rate), startSec: Number(v.start_time ?? 0) } : undefined,
        audio: a ? { codec: String(a.codec_name), sampleRate: Number(a.sample_rate), channels: Number(a.channels), startSec: Number(a.start_time ?? 0) } : undefined,
        streams: data.streams.map((s) => ({ type: String(s.codec_type), codec: String(s.codec_name) })),
      });
    });
  });
}
