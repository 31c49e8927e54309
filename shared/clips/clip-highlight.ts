import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AppError, toErrorBody } from '../domain/app-error.ts';
import { isFinal, type ClipJob, type ClipResult } from '../domain/schemas.ts';
import { clipPrefix, clipVideoKey, posterKey } from '../domain/store-keys.ts';
import type { Invoker } from '../invoke/invoker.ts';
import type { Logger } from '../log/logger.ts';
import { windowAudio } from '../media/assemble-clip.ts';
import { inspectMedia } from '../media/inspect-media.ts';
import { joinSegments, writePoster } from '../media/join-segments.ts';
import { preciseCut } from '../media/precise-cut.ts';
import { probeMedia } from '../media/probe-media.ts';
import { selectSegments, type SegmentSelection } from '../media/select-segments.ts';
import { segmentEnd } from '../media/hls-playlist.ts';
import { listAll, type ObjectStore } from '../storage/object-store.ts';
import { pinWindow } from '../streams/segment-pins.ts';
import { readPlaylist, readStream, recorderAlive } from '../streams/stream-store.ts';
import { cancelRequested } from './cancel-marker.ts';
import { requireJob, saveJob } from './clip-job-store.ts';
import { writePreview } from './preview-playlist.ts';
import { segmentFiles } from './segment-files.ts';
import { sendCallback } from './send-callback.ts';
import { transcodeFanOut } from './transcode-fan-out.ts';

export interface ClipOptions {
  store: ObjectStore;
  invoker: Invoker;
  log: Logger;
  jobId: string;
  /** This invocation's id, recorded in the job so a cancel can terminate it. */
  invocationId?: string;
  postRollWaitSec: number;
  heartbeatTtlSec: number;
  previewGraceSec: number;
  fanout: { concurrency: number; defaultPartSec: number; threadsPerPart: (parts: number, framesPerPart: number) => number };
  callback: { secret: string; attempts: number; baseDelayMs: number };
  signal?: AbortSignal;
  pollMs?: number;
}

class Cancelled extends Error {}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => { clearTimeout(t); reject(new AppError('ABORTED', 'clip aborted')); }, { once: true });
  });

/**
 * Wait (bounded) until the recording covers the window's end, keeping the preview growing.
 * Stops waiting when the recorder is gone or the post-roll deadline passes; the clip then ends
 * where the recording does, and the result says so.
 */
async function awaitCoverage(o: ClipOptions, job: ClipJob, checkCancel: () => Promise<void>): Promise<SegmentSelection | null> {
  const window = { start: new Date(job.requested.start), end: new Date(job.requested.end) };
  const giveUpAt = window.end.getTime() + o.postRollWaitSec * 1000;
  let shown = -1;
  for (;;) {
    const sel = selectSegments((await readPlaylist(o.store, job.streamId)).segments, window);
    if (sel?.coversEnd) return sel;
    const stream = await readStream(o.store, job.streamId);
    if (!stream || !recorderAlive(stream, o.heartbeatTtlSec) || Date.now() >= giveUpAt) return sel;
    if (sel && sel.segments.length !== shown) {
      shown = sel.segments.length;
      await writePreview(o.store, job, sel.segments, false);
    }
    await checkCancel();
    await sleep(o.pollMs ?? 250, o.signal);
  }
}

/**
 * One highlight end to end: wait for post-roll, then make the MP4 in the job's mode (copy:
 * keyframe-aligned byte join; precise: frame-exact smart cut; transcode: fan-out over transcoder
 * invocations), write a poster, publish, record the result, call back. Idempotent: a finished job
 * is returned as is; an interrupted one resumes (transcode reuses finished parts).
 */
export async function clipHighlight(o: ClipOptions): Promise<ClipJob> {
  let job = await requireJob(o.store, o.jobId);
  if (isFinal(job.state)) return job;
  const log = o.log.child({ jobId: job.id, streamId: job.streamId, mode: job.mode });
  // Job writes are serialised (progress from parallel parts must not interleave).
  let saving: Promise<unknown> = Promise.resolve();
  const save = (patch: Partial<ClipJob>) => {
    const next = (saving = saving.then(async () => { job = await saveJob(o.store, { ...job, ...patch }); return job; }));
    return next as Promise<ClipJob>;
  };
  const checkCancel = async () => { if (await cancelRequested(o.store, job.id)) throw new Cancelled(); };

  await save({ state: 'running', attempts: job.attempts + 1, invocationId: o.invocationId, progress: { phase: 'waiting', done: 0, total: 0 } });
  const tmp = await mkdtemp(path.join(os.tmpdir(), `hl-clip-${job.id}-`));
  try {
    await checkCancel();
    const waitStarted = Date.now();
    const sel = await awaitCoverage(o, job, checkCancel);
    if (!sel) throw new AppError('WINDOW_EMPTY', 'no recorded segment overlaps the requested window');
    if (!sel.coversEnd) log.warn('clip.postroll_incomplete', { requestedEnd: job.requested.end, actualEnd: sel.actualEnd.toISOString() });
    await writePreview(o.store, job, sel.segments, true);
    const covered = Date.now();
    await checkCancel();

    const runStart = sel.segments[0]!.start.getTime();
    const exactStart = new Date(Math.max(Date.parse(job.requested.start), runStart));
    const total = sel.segments.length;
    await save({ progress: { phase: 'fetching', done: 0, total } });
    const files = await segmentFiles(o.store, job.streamId, sel.segments.map((s) => s.uri), tmp, o.signal);
    const out = path.join(tmp, `${job.id}.mp4`);
    const startSec = (exactStart.getTime() - runStart) / 1000;
    const endSec = (sel.actualEnd.getTime() - runStart) / 1000;

    let method: ClipResult['method'] = 'copy';
    let methodReason: string | undefined;
    let parts: ClipResult['parts'];
    let actualStart = sel.actualStart;
    const poster = path.join(tmp, 'poster.jpg');
    let posterDone: Promise<void> | undefined;
    if (job.mode !== 'transcode') {
      // The poster is the source frame at the `at` moment, cut from its segment while the MP4 is made.
      const clipFrom = job.mode === 'copy' ? sel.actualStart.getTime() : exactStart.getTime();
      const t = Math.min(Math.max(Date.parse(job.requested.at), clipFrom), sel.actualEnd.getTime() - 100);
      const i = Math.max(0, sel.segments.findIndex((s) => t < segmentEnd(s).getTime()));
      posterDone = writePoster(files[i]!, poster, Math.max(0, (t - sel.segments[i]!.start.getTime()) / 1000), o.signal);
      posterDone.catch(() => {}); // awaited below
    }
    if (job.mode === 'copy') {
      await save({ progress: { phase: 'joining', done: total, total } });
      await joinSegments({ files, out, durationSec: endSec, signal: o.signal });
    } else if (job.mode === 'precise') {
      await save({ progress: { phase: 'cutting', done: 0, total: 1 } });
      const r = await preciseCut({ files, segmentDurations: sel.segments.map((s) => s.durationSec), startSec, endSec, out, workDir: tmp, signal: o.signal });
      method = r.method;
      methodReason = r.reason;
      actualStart = exactStart;
    } else {
      const src = await inspectMedia(files[0]!, o.signal);
      if (!src.video?.fps) throw new AppError('FFMPEG_FAILED', 'could not read the source frame rate');
      const audioFile = path.join(tmp, 'audio.m4a');
      const audio = async (span: { startSec: number; durationSec: number }) => {
        if (!src.audio) return undefined;
        await windowAudio(files, span.startSec, span.durationSec, audioFile, { copy: src.audio.codec === 'aac', signal: o.signal });
        return audioFile;
      };
      const fanned = await transcodeFanOut({
        store: o.store, invoker: o.invoker, log, job, segments: sel.segments, window: { start: exactStart, end: sel.actualEnd }, fps: src.video.fps,
        concurrency: o.fanout.concurrency, threadsPerPart: o.fanout.threadsPerPart, defaultPartSec: o.fanout.defaultPartSec,
        audio, out, workDir: tmp, signal: o.signal,
        poster: { clipOffsetSec: (Date.parse(job.requested.at) - exactStart.getTime()) / 1000, out: path.join(tmp, 'poster.jpg'), write: (i, p, t) => writePoster(i, p, t, o.signal) },
        onProgress: async (p) => { await checkCancel(); await save({ progress: { phase: 'encoding', ...p } }); },
      });
      parts = fanned.parts;
      posterDone = fanned.poster;
      method = 'fan-out';
      actualStart = exactStart;
    }

    const [info] = await Promise.all([probeMedia(out), posterDone]);
    await checkCancel();

    await save({ progress: { phase: 'publishing', done: job.progress.total, total: job.progress.total } });
    const key = clipVideoKey(job.id);
    const pKey = posterKey(job.id);
    const sizeBytes = (await stat(out)).size;
    await o.store.putFile(pKey, poster, { contentType: 'image/jpeg' });
    await o.store.putFile(key, out, { contentType: 'video/mp4' });
    const result: ClipResult = {
      key, url: await o.store.url(key), posterKey: pKey, posterUrl: await o.store.url(pKey),
      durationSec: info.durationSec, sizeBytes, mode: job.mode, method, ...(methodReason ? { methodReason } : {}),
      width: info.video?.width, height: info.video?.height,
      actual: { start: actualStart.toISOString(), end: sel.actualEnd.toISOString() },
      segments: total,
      gaps: sel.gaps.map((g) => ({ start: g.start.toISOString(), end: g.end.toISOString() })),
      ...(parts ? { parts } : {}),
      timings: { waitMs: covered - waitStarted, processMs: Date.now() - covered },
    };
    await save({ state: 'succeeded', finishedAt: new Date().toISOString(), progress: { phase: 'done', done: job.progress.total, total: job.progress.total }, result });
    log.info('clip.succeeded', { method, durationSec: info.durationSec, sizeBytes, processMs: result.timings.processMs });
  } catch (err) {
    await saving.catch(() => {});
    if (err instanceof Cancelled || (o.signal?.aborted && (await cancelRequested(o.store, job.id)))) {
      log.info('clip.cancelled');
      await save({ state: 'cancelled', finishedAt: new Date().toISOString(), progress: { ...job.progress, phase: 'cancelled' } });
    } else {
      const e = toErrorBody(err);
      if (e.code === 'ABORTED' || e.code === 'DEADLINE_EXCEEDED') {
        // Interrupted, not failed: back to queued so a new invocation with the same id resumes it.
        log.warn('clip.interrupted', e);
        await save({ state: 'queued', progress: { ...job.progress, phase: 'interrupted' } });
        return job;
      }
      log.error('clip.failed', e);
      await save({ state: 'failed', finishedAt: new Date().toISOString(), error: e });
    }
  } finally {
    await saving.catch(() => {});
    await rm(tmp, { recursive: true, force: true });
  }
  return finishJob(o, job, log);
}

/** After a final state: drop parts, keep the preview playable for the grace period, call back. */
async function finishJob(o: ClipOptions, job: ClipJob, log: Logger): Promise<ClipJob> {
  for (const obj of await listAll(o.store, `${clipPrefix(job.id)}parts/`)) await o.store.delete(obj.key);
  await pinWindow(o.store, job.streamId, job.id, { start: job.requested.start, end: job.requested.end, until: new Date(Date.now() + o.previewGraceSec * 1000).toISOString() });
  if (job.callbackUrl) {
    const callback = await sendCallback(job, { ...o.callback, log });
    job = await saveJob(o.store, { ...job, callback });
  }
  return job;
}
