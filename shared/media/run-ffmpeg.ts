import { spawn } from 'node:child_process';
import { AppError } from '../domain/app-error.ts';
import { resolveFfmpeg } from './ffmpeg-binaries.ts';

export interface RunOptions {
  signal?: AbortSignal;
  /** What the run is for, used in the error message. */
  what?: string;
}

/**
 * Run ffmpeg with an argument array (never a shell). Resolves with stderr; rejects with
 * FFMPEG_FAILED carrying the last lines ffmpeg printed, or ABORTED when the signal fires.
 */
export function runFfmpeg(args: string[], opts: RunOptions = {}): Promise<{ stderr: string; stdout: string }> {
  const bin = resolveFfmpeg().ffmpeg;
  return new Promise((resolve, reject) => {
    if (opts.signal?.aborted) return reject(new AppError('ABORTED', `${opts.what ?? 'ffmpeg'} aborted before start`));
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-64_000); });
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    const onAbort = () => child.kill('SIGKILL');
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', (err) => {
      opts.signal?.removeEventListener('abort', onAbort);
      reject(new AppError('FFMPEG_FAILED', `could not start ${bin}: ${err.message}`));
    });
    child.on('close', (code, sig) => {
      opts.signal?.removeEventListener('abort', onAbort);
      if (opts.signal?.aborted) return reject(new AppError('ABORTED', `${opts.what ?? 'ffmpeg'} aborted`));
      if (code === 0) return resolve({ stderr, stdout });
      const tail = stderr.trim().split('\n').slice(-5).join(' | ');
      reject(new AppError('FFMPEG_FAILED', `${opts.what ?? 'ffmpeg'} failed (${sig ?? `exit ${code}`}): ${tail}`));
    });
  });
}
