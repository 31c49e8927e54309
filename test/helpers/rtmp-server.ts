/*
 * A real RTMP ingest server on a free loopback port (node-media-server in a child process, so its
 * output never reaches the test runner's TAP stdout), and an ffmpeg publisher of a live test stream.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { resolveFfmpeg } from '../../shared/media/ffmpeg-binaries.ts';
import { frameIndexSource } from './frame-index.ts';

export { readFrameIndex } from './frame-index.ts';

export interface RtmpServer {
  port: number;
  /** rtmp://127.0.0.1:<port>/live/<streamName> */
  url(streamName: string): string;
  /** Stop the server (and with it every session) and wait for its process to exit. */
  close(): Promise<void>;
}

const CHILD = fileURLToPath(new URL('./rtmp-server-child.mjs', import.meta.url));

/** The last lines of a stderr tail, for an error message. */
const lastLines = (text: string, n = 5) => text.trim().split(/[\r\n]+/).slice(-n).join(' | ');

/** Keeps the last `max` characters a stream wrote. */
function tail(stream: NodeJS.ReadableStream, max = 4096): () => string {
  let text = '';
  stream.on('data', (d: Buffer) => { text = (text + d.toString()).slice(-max); });
  return () => text;
}

/** Resolves with the exit code (null when ended by a signal or when it could not start). */
function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode);
    child.once('error', () => resolve(null));
    child.once('close', (code) => resolve(code));
  });
}

/** Whether the child (and its pipes) keep this process alive. */
function setRef(child: ChildProcess, on: boolean): void {
  for (const h of [child, child.stdin, child.stdout, child.stderr] as Array<{ ref?(): void; unref?(): void } | null>) {
    if (on) h?.ref?.(); else h?.unref?.();
  }
}

/** Signal, then SIGKILL after killAfterMs, and wait for the exit. */
async function end(child: ChildProcess, exited: Promise<number | null>, signal: NodeJS.Signals, killAfterMs = 3000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  setRef(child, true);
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
  await exited;
  clearTimeout(timer);
}

async function waitForTcp(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const sock = net.connect({ host: '127.0.0.1', port }, () => { sock.destroy(); resolve(true); });
      sock.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`rtmp server: port ${port} accepts no connection after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function startRtmpServer(timeoutMs = 10_000): Promise<RtmpServer> {
  const child = spawn(process.execPath, [CHILD], { stdio: ['pipe', 'pipe', 'pipe'] });
  const exited = exitOf(child);
  const stderr = tail(child.stderr);
  let port: number;
  try {
    port = await new Promise<number>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`rtmp server: no port after ${timeoutMs} ms: ${lastLines(stderr())}`)), timeoutMs);
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /^port (\d+)$/m.exec(out);
        if (m) { clearTimeout(timer); resolve(Number(m[1])); }
      });
      void exited.then((code) => { clearTimeout(timer); reject(new Error(`rtmp server exited (${code}) before listening: ${lastLines(stderr())}`)); });
    });
    await waitForTcp(port, timeoutMs);
  } catch (err) {
    await end(child, exited, 'SIGKILL');
    throw err;
  }
  // A test that forgets close() must not hang on the server: it exits by itself when our stdin pipe closes.
  setRef(child, false);
  return {
    port,
    url: (streamName) => `rtmp://127.0.0.1:${port}/live/${streamName}`,
    close: () => end(child, exited, 'SIGTERM'),
  };
}

export interface PublishOptions {
  width?: number;
  height?: number;
  fps?: number;
  /** Keyframe interval in seconds. */
  gopSec?: number;
  /** Stop after this much media (-t); unset publishes until stop(). */
  seconds?: number;
  /** Show the frame number as bars (frame-index.ts) instead of testsrc2; readFrameIndex reads it back. */
  frameIndex?: boolean;
}

export interface Publisher {
  child: ChildProcess;
  /** Epoch ms right before spawn. */
  startedAt: number;
  /**
   * Epoch ms when ffmpeg had connected and published and started its -re clock: frame n leaves
   * at about firstFrameWallMs + n * 1000 / fps. Rejects when ffmpeg exits first.
   */
  firstFrameWallMs: Promise<number>;
  /** Exit code, null when ended by a signal. */
  exited: Promise<number | null>;
  /** The last 4 KB ffmpeg wrote to stderr. */
  stderr(): string;
  /** SIGINT (ffmpeg ends the FLV cleanly), SIGKILL after 3 s, and wait for the exit. */
  stop(): Promise<void>;
}

/** ffmpeg publishing a live (-re) H.264/AAC FLV test stream to url. */
export function publishTestStream(url: string, opts: PublishOptions = {}): Publisher {
  const { width = 320, height = 180, fps = 15, gopSec = 1, seconds, frameIndex = false } = opts;
  const gop = String(Math.round(fps * gopSec));
  const video = frameIndex ? frameIndexSource(width, height, fps) : `testsrc2=size=${width}x${height}:rate=${fps}`;
  const args = [
    '-hide_banner', '-loglevel', 'info',
    '-re', '-f', 'lavfi', '-i', video,
    '-re', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
    '-map', '0:v', '-map', '1:a',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-pix_fmt', 'yuv420p',
    '-g', gop, '-keyint_min', gop, '-sc_threshold', '0',
    '-c:a', 'aac', '-b:a', '64k', '-ar', '48000',
    ...(seconds === undefined ? [] : ['-t', String(seconds)]),
    '-f', 'flv', url,
  ];
  const startedAt = Date.now();
  // stdin stays a pipe: ffmpeg prints "Press [q] to stop" only when it reads keys from stdin.
  const child = spawn(resolveFfmpeg().ffmpeg, args, { stdio: ['pipe', 'ignore', 'pipe'] });
  const exited = exitOf(child);
  const stderr = tail(child.stderr);
  const firstFrameWallMs = new Promise<number>((resolve, reject) => {
    // Printed at the end of ffmpeg's setup, after the RTMP publish and as the -re clock starts.
    const onData = () => {
      if (stderr().includes('Press [q] to stop')) { child.stderr.off('data', onData); resolve(Date.now()); }
    };
    child.stderr.on('data', onData);
    void exited.then((code) => reject(new Error(`ffmpeg publisher exited (${code}) before its first frame: ${lastLines(stderr())}`)));
  });
  firstFrameWallMs.catch(() => {}); // not every caller awaits it
  return {
    child, startedAt, firstFrameWallMs, exited, stderr,
    stop: () => end(child, exited, 'SIGINT'),
  };
}
