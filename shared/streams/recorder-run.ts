import { spawn } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import readline from 'node:readline';
import { resolveFfmpeg } from '../media/ffmpeg-binaries.ts';
import { findFont, recorderArgs, type RecordableSource } from '../media/recorder-args.ts';
import type { Logger } from '../log/logger.ts';

/** A finished segment file, with its wall-clock start. */
export interface RecordedSegment {
  file: string;
  start: Date;
  durationSec: number;
  /** When ffmpeg reported it closed (epoch ms): the start of segment-to-playlist latency. */
  closedAt: number;
}

export interface RunExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Why the run was asked to end (stop, abort, stall, relayout, handover), or '' when ffmpeg ended by itself. */
  finishReason: string;
  stderrTail: string;
  spawnError?: Error;
}

export interface RecorderRun {
  /** Ask ffmpeg to finish the current segment and exit ('q'); SIGINT then SIGKILL if it does not. */
  finish(reason: string): void;
  exited: Promise<RunExit>;
}

export interface RecorderRunOptions {
  source: RecordableSource;
  segmentSec: number;
  stallSec: number;
  /** Folder for ffmpeg's segment files (the caller owns and removes it). */
  dir: string;
  /** Live network pull: wall-clock times come from arrival, and a stall ends the run. */
  live: boolean;
  log: Logger;
  /** Called in order for every finished segment; the run waits for nothing. */
  onSegment(seg: RecordedSegment): void;
}

/**
 * One ffmpeg recorder process: spawns the segment muxer into `dir` and reports each finished
 * segment with its wall-clock start.
 *
 * Wall clock: a generated source (-re) starts at spawn. A live pull does not: ffmpeg connects,
 * probes, and an RTMP server may first send a cached GOP. A packet can only arrive after it was
 * made, so (report time − segment end pts) over-estimates the stream's origin by the delivery
 * latency and never under-estimates it; the running minimum is the best estimate, and segment
 * starts are origin + pts.
 *
 * Stall: a live pull whose segment folder has not grown for stallSec is ended, so the caller can
 * reconnect (ffmpeg's own -rw_timeout covers RTMP/HTTP; this covers the rest).
 */
/** Extra time a live pull gets to connect and probe before the stall check applies. */
const STARTUP_GRACE_MS = 15_000;

export function startRecorderRun(o: RecorderRunOptions): RecorderRun {
  const spawnedAt = Date.now();
  const args = recorderArgs({ source: o.source, segmentSec: o.segmentSec, outDir: o.dir, clockEpochSec: spawnedAt / 1000, fontFile: findFont(), stallSec: o.stallSec });
  const child = spawn(resolveFfmpeg().ffmpeg, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-8000); });
  child.stdin.on('error', () => {}); // ffmpeg may exit before reading 'q'

  let finishReason = '';
  const timers: NodeJS.Timeout[] = [];
  const finish = (reason: string) => {
    if (finishReason) return;
    finishReason = reason;
    o.log.info('recorder.run_finishing', { reason, pid: child.pid });
    child.stdin.write('q');
    child.stdin.end();
    // ffmpeg reads 'q' only between packets: one blocked on a silent input (stalled, or a reconnect
    // still waiting for its publisher) has nothing worth finishing, so interrupt its I/O at once.
    const stuck = reason === 'stalled' || reason === 'gone';
    timers.push(setTimeout(() => child.kill('SIGINT'), stuck ? 0 : 5000), setTimeout(() => child.kill('SIGKILL'), stuck ? 3000 : 10_000));
  };

  let origin = o.live ? Number.POSITIVE_INFINITY : spawnedAt;
  const lines = readline.createInterface({ input: child.stdout });
  lines.on('line', (line) => {
    const closedAt = Date.now();
    const [name, startStr, endStr] = line.split(',');
    if (!name || !startStr || !endStr) return;
    const startSec = Number(startStr);
    const endSec = Number(endStr);
    if (!Number.isFinite(startSec) || !Number.isFinite(endSec)) return;
    if (o.live) origin = Math.min(origin, closedAt - endSec * 1000);
    o.onSegment({
      file: path.join(o.dir, path.basename(name)),
      start: new Date(Math.round(origin + startSec * 1000)),
      durationSec: Math.max(0.001, endSec - startSec),
      closedAt,
    });
  });

  // Liveness: ffmpeg's progress line on stderr (printed even at -loglevel error) or a growing
  // segment folder. Connecting and probing get a grace period on top of stallSec.
  let lastBytes = -1;
  let lastSign = Date.now() + STARTUP_GRACE_MS;
  child.stderr.on('data', () => { lastSign = Math.max(lastSign, Date.now()); });
  const stallCheck = o.live ? setInterval(() => {
    void folderBytes(o.dir).then((bytes) => {
      if (bytes !== lastBytes) { lastBytes = bytes; lastSign = Math.max(lastSign, Date.now()); return; }
      if (Date.now() - lastSign > o.stallSec * 1000) finish('stalled');
    });
  }, 1000) : undefined;

  const exited = new Promise<RunExit>((resolve) => {
    const done = (code: number | null, signal: NodeJS.Signals | null, spawnError?: Error) => {
      if (stallCheck) clearInterval(stallCheck);
      timers.forEach(clearTimeout);
      lines.close();
      const tail = stderr.split(/[\r\n]+/).map((l) => l.trim()).filter((l) => l && !/^(frame|size)=/.test(l));
      resolve({ code, signal, finishReason, stderrTail: tail.slice(-3).join(' | '), spawnError });
    };
    child.on('error', (err) => done(null, null, err));
    child.on('close', (code, signal) => done(code, signal));
  });
  o.log.info('recorder.run_started', { pid: child.pid, source: o.source.type, live: o.live });
  return {
    finish,
    exited,
  };
}

/** Bytes in the folder (segments in progress and finished ones not yet uploaded). */
async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  for (const name of await readdir(dir).catch(() => [])) {
    total += (await stat(path.join(dir, name)).catch(() => ({ size: 0 }))).size;
  }
  return total;
}
