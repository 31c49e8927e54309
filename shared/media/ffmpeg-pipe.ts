import { spawn } from 'node:child_process';
import { Transform, type Readable, type Writable } from 'node:stream';
import { AppError } from '../domain/app-error.ts';
import { resolveFfmpeg } from './ffmpeg-binaries.ts';

export interface FfmpegPipe {
  /** What ffmpeg reads as pipe:0. */
  stdin: Writable;
  /** What it writes as pipe:1. */
  stdout: Readable;
  /** Settles when ffmpeg exits: rejects with FFMPEG_FAILED (stderr tail) or ABORTED. */
  done: Promise<void>;
  /** Stop ffmpeg now (the consumer failed): done then rejects and stdout errors. */
  kill(): void;
}

/**
 * ffmpeg between two pipes (argument array, never a shell): input streamed in, output streamed
 * out, so nothing of the media needs local disk. stdout ends only after ffmpeg exited with 0;
 * a failed run errors it instead, so whatever consumes it (an upload) publishes nothing.
 */
export function ffmpegPipe(args: string[], o: { signal?: AbortSignal; what?: string } = {}): FfmpegPipe {
  const bin = resolveFfmpeg().ffmpeg;
  const child = spawn(bin, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-16_000); });
  // ffmpeg may stop reading early (it failed, or it has what it needs): that is not our error.
  child.stdin.on('error', () => undefined);
  const onAbort = () => child.kill('SIGKILL');
  o.signal?.addEventListener('abort', onAbort, { once: true });
  const done = new Promise<void>((resolve, reject) => {
    child.on('error', (err) => reject(new AppError('FFMPEG_FAILED', `could not start ${bin}: ${err.message}`)));
    child.on('close', (code, sig) => {
      o.signal?.removeEventListener('abort', onAbort);
      if (o.signal?.aborted) return reject(new AppError('ABORTED', `${o.what ?? 'ffmpeg'} aborted`));
      if (code === 0) return resolve();
      reject(new AppError('FFMPEG_FAILED', `${o.what ?? 'ffmpeg'} failed (${sig ?? `exit ${code}`}): ${stderr.trim().split('\n').slice(-5).join(' | ')}`));
    });
  });
  // The output ends only once ffmpeg exited cleanly: a consumer never sees a clean end of a failed run.
  const stdout = new Transform({
    transform(chunk, _enc, cb) { cb(null, chunk); },
    flush(cb) { done.then(() => cb(), (err: Error) => cb(err)); },
  });
  child.stdout.pipe(stdout);
  // A consumer that already gave up (its upload failed) must not turn the late error into a crash.
  stdout.on('error', () => undefined);
  done.catch((err: Error) => stdout.destroy(err));
  return { stdin: child.stdin, stdout, done, kill: () => { child.kill('SIGKILL'); } };
}
