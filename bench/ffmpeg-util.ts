import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { resolveFfmpeg } from '../shared/media/ffmpeg-binaries.ts';
import { runFfmpeg } from '../shared/media/run-ffmpeg.ts';

/** Run ffmpeg (argument array, via the product's runFfmpeg) and time it. */
export async function timedFfmpeg(args: string[], what: string): Promise<{ ms: number; stderr: string }> {
  const t0 = performance.now();
  const { stderr } = await runFfmpeg(args, { what });
  return { ms: performance.now() - t0, stderr };
}

/** Run ffmpeg and collect its stdout as bytes (runFfmpeg decodes stdout as text). */
export function ffmpegBytes(args: string[], what: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(resolveFfmpeg().ffmpeg, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => chunks.push(d));
    child.stderr.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-8000); });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(chunks));
      else reject(new Error(`${what} failed (exit ${code}): ${stderr.trim().split('\n').slice(-3).join(' | ')}`));
    });
  });
}

export async function ffmpegInfo(): Promise<{ path: string; source: string; version: string; ffprobe: string }> {
  const bins = resolveFfmpeg();
  const { stdout } = await runFfmpeg(['-hide_banner', '-version'], { what: 'ffmpeg -version' }).catch(() => ({ stdout: '' }));
  const version = (stdout.split('\n')[0] ?? '').trim() || 'unknown';
  return { path: bins.ffmpeg, source: bins.ffmpegSource, version, ffprobe: bins.ffprobe };
}
