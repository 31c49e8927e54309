import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import pLimit from 'p-limit';
import { AppError, toErrorBody } from '../domain/app-error.ts';
import type { ClipJob, ClipResult } from '../domain/schemas.ts';
import type { Invoker } from '../invoke/invoker.ts';
import type { Logger } from '../log/logger.ts';
import { joinParts } from '../media/assemble-clip.ts';
import { planParts, type PartPlan } from '../media/plan-parts.ts';
import type { PlaylistSegment } from '../media/hls-playlist.ts';
import { getJson, type ObjectStore } from '../storage/object-store.ts';
import { partKey, partMetaKey, type PartResult, type PartTask } from './transcode-part.ts';

export interface FanOutOptions {
  store: ObjectStore;
  invoker: Invoker;
  log: Logger;
  job: ClipJob;
  /** The selected run, the exact window within it, and the source frame rate. */
  segments: PlaylistSegment[];
  window: { start: Date; end: Date };
  fps: number;
  /** Part invocations in flight at once. */
  concurrency: number;
  /** x264 threads per part: set when parts share this machine (local runtime), 0 in the cloud. */
  threadsPerPart: (partsToEncode: number, framesPerPart: number) => number;
  defaultPartSec: number;
  /** Encodes the window's audio once, given the planned video span (undefined: no audio). */
  audio: (span: { startSec: number; durationSec: number }) => Promise<string | undefined>;
  out: string;
  workDir: string;
  /** Write the poster from the part holding this clip offset as soon as that part is done. */
  poster: { clipOffsetSec: number; out: string; write: (input: string, out: string, offsetSec: number) => Promise<void> };
  signal?: AbortSignal;
  onProgress: (p: { done: number; total: number; etaSec?: number }) => Promise<void>;
}

function partHash(task: Omit<PartTask, 'hash'>): string {
  return createHash('sha256').update(JSON.stringify(task)).digest('hex').slice(0, 32);
}

/**
 * Transcode mode: plan K parts on segment boundaries, reuse parts an earlier run of this job
 * finished (same hash), invoke the transcoder once per remaining part through the Invoker (in
 * parallel, bounded), retry a failed part once, then join the parts by stream copy with the
 * once-encoded audio.
 */
export async function transcodeFanOut(o: FanOutOptions): Promise<{ parts: NonNullable<ClipResult['parts']>; poster: Promise<void> }> {
  const settings = o.job.transcode!;
  const plans = planParts(o.segments, o.window, { fps: o.fps, parts: settings.parts, partSec: settings.parts ? undefined : (settings.partSec ?? o.defaultPartSec) });
  if (plans.length === 0) throw new AppError('WINDOW_EMPTY', 'no segment overlaps the window');
  const { profile, fit, crf, preset, maxBitrateKbps } = settings;
  const taskOf = (p: PartPlan, threads: number): PartTask => {
    const base = {
      action: 'part' as const, streamId: o.job.streamId, clipId: o.job.id, index: p.index,
      segments: p.segments.map((s) => s.uri), startFrame: p.startFrame, frames: p.frames, keyframes: p.keyframes,
      settings: { profile, fit, crf, preset, ...(maxBitrateKbps ? { maxBitrateKbps } : {}) },
    };
    return { ...base, threads, hash: partHash(base) }; // threads do not change the output's format
  };

  // Reuse: a part whose metadata carries the same hash is complete and made with these settings.
  const reused = new Set<number>();
  for (const p of plans) {
    const meta = await getJson<{ hash: string }>(o.store, partMetaKey(o.job.id, p.index));
    if (meta && meta.hash === taskOf(p, 0).hash && (await o.store.head(partKey(o.job.id, p.index)))) reused.add(p.index);
  }
  const todo = plans.filter((p) => !reused.has(p.index));
  // The audio, once for the whole window, exactly as long as the planned frames, while parts encode.
  const t0 = o.segments[0]!.start.getTime();
  const first = plans[0]!;
  const audio = o.audio({
    startSec: (first.segments[0]!.start.getTime() - t0) / 1000 + first.trimStartSec,
    durationSec: plans.reduce((a, p) => a + p.frames, 0) / o.fps,
  });
  audio.catch(() => {}); // awaited by the join; avoid an unhandled rejection meanwhile
  const threads = o.threadsPerPart(todo.length, Math.max(1, ...todo.map((p) => p.frames)));
  o.log.info('fanout.plan', { parts: plans.length, reused: reused.size, threads, concurrency: o.concurrency });

  // Part files, read in place when the store is local, else fetched once (for the poster and the join).
  const partFiles = new Map<number, Promise<string>>();
  const partFile = (index: number) => {
    let f = partFiles.get(index);
    if (!f) {
      const key = partKey(o.job.id, index);
      const local = o.store.localPath?.(key);
      f = local ? Promise.resolve(local) : (async () => {
        const file = path.join(o.workDir, `part-${index}.mp4`);
        await pipeline(await o.store.stream(key), createWriteStream(file));
        return file;
      })();
      partFiles.set(index, f);
    }
    return f;
  };
  // The poster comes from the part holding its moment, while the other parts still encode.
  const posterPart = [...plans].reverse().find((p) => p.clipStartSec <= o.poster.clipOffsetSec) ?? first;
  let poster: Promise<void> | undefined;
  const startPoster = () => {
    poster ??= partFile(posterPart.index).then((f) => o.poster.write(f, o.poster.out, Math.max(0, Math.min(o.poster.clipOffsetSec - posterPart.clipStartSec, posterPart.durationSec - 2 / o.fps))));
    poster.catch(() => {});
  };
  if (reused.has(posterPart.index)) startPoster();

  let done = reused.size;
  const encodeMs: number[] = [];
  const started = Date.now();
  await o.onProgress({ done, total: plans.length });
  const limit = pLimit(o.concurrency);
  await Promise.all(todo.map((p) => limit(async () => {
    if (o.signal?.aborted) throw new AppError('ABORTED', 'clip aborted');
    let result: PartResult | undefined;
    for (let attempt = 1; !result; attempt++) {
      try {
        result = await o.invoker.invokeSync<PartResult>('transcoder', taskOf(p, threads));
      } catch (err) {
        if (attempt >= 2 || o.signal?.aborted) {
          const e = toErrorBody(err);
          throw new AppError('PART_FAILED', `part ${p.index} failed twice: ${e.code}: ${e.message}`);
        }
        o.log.warn('fanout.part_retry', { part: p.index, error: err });
      }
    }
    encodeMs[p.index] = result.encodeMs;
    if (p.index === posterPart.index) startPoster();
    done++;
    const encodedHere = done - reused.size;
    const left = plans.length - done;
    const etaSec = left > 0 ? ((Date.now() - started) / encodedHere) * left / Math.min(o.concurrency, left) / 1000 : 0;
    await o.onProgress({ done, total: plans.length, etaSec: Math.round(etaSec * 10) / 10 });
  })));

  startPoster();
  const files = await Promise.all(plans.map((p) => partFile(p.index)));
  await joinParts(files, await audio, o.out, o.workDir, o.signal);
  return {
    parts: { total: plans.length, reused: reused.size, encoded: todo.length, encodeMs: plans.map((p) => encodeMs[p.index] ?? 0) },
    poster: poster!,
  };
}

/**
 * Local runtime: parts share this machine's cores. One part at a time, or long parts, let x264
 * pick its threads (frame threads pay off over many frames); short parts running side by side get
 * cores / parts-at-once threads each (x264's threading start-up costs more than it gives on a
 * couple of seconds). Measured in docs/BENCHMARKS.md. HL_PART_THREADS fixes it (0 = x264 decides).
 */
export function localThreadsPerPart(concurrency: number, env: NodeJS.ProcessEnv = process.env): (parts: number, framesPerPart: number) => number {
  const cpus = os.availableParallelism?.() ?? os.cpus().length;
  if (env.HL_PART_THREADS !== undefined && env.HL_PART_THREADS !== '') return () => Math.max(0, Number(env.HL_PART_THREADS) || 0);
  return (parts, frames) => {
    const atOnce = Math.max(1, Math.min(parts, concurrency));
    if (atOnce === 1 || frames >= 300) return 0;
    return Math.max(1, Math.floor(cpus / atOnce));
  };
}
