import { spawn } from 'node:child_process';
import { resolveFfmpeg } from './ffmpeg-binaries.ts';

export interface StreamSummary {
  video?: { codec: string; width: number; height: number; fps: number };
  audio?: { codec: string; sampleRate: number };
}

/** Pure: read the stream lines `ffmpeg -i` prints. */
export function parseStreamLines(stderr: string): StreamSummary {
  const out: StreamSummary = {};
  for (const line of stderr.split('\n')) {
    const v = /Stream #\d+:\d+.*?: Video: (\w+).*?, (\d{2,5})x(\d{2,5})/.exec(line);
    if (v && !out.video) {
      const fps = /, ([\d.]+) fps/.exec(line) ?? /, ([\d.]+) tbr/.exec(line);
      out.video = { codec: v[1]!, width: Number(v[2]), height: Number(v[3]), fps: fps ? Number(fps[1]) : 0 };
    }
    const a = /Stream #\d+:\d+.*?: Audio: (\w+).*?, (\d+) Hz/.exec(line);
    if (a && !out.audio) out.audio = { codec: a[1]!, sampleRate: Number(a[2]) };
  }
  return out;
}

/**
 * Codecs and size of a media file, from `ffmpeg -i` (which exits non-zero without an output, by
 * design). Used for MPEG-TS, which the npm-installed static ffprobe builds crash on.
 */
export function inspectMedia(file: string, signal?: AbortSignal): Promise<StreamSummary> {
  return new Promise((resolve, reject) => {
    const child = spawn(resolveFfmpeg().ffmpeg, ['-hide_banner', '-i', file], { stdio: ['ignore', 'ignore', 'pipe'], signal });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('error', reject);
    child.on('close', () => resolve(parseStreamLines(stderr)));
  });
}
