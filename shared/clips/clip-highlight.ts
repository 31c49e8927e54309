import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { differenceInMilliseconds } from 'date-fns';
import { AppError, toErrorBody } from '../domain/app-error.ts';
import type { ClipJob } from '../domain/schemas.ts';
import { clipVideoKey, posterKey } from '../domain/store-keys.ts';
import { joinSegments, writePoster } from '../media/join-segments.ts';
import { probeMedia } from '../media/probe-media.ts';
import { selectSegments, type SegmentSelection } from '../media/select-segments.ts';
import type { Logger } from '../log/logger.ts';
import type { ObjectStore } from '../storage/object-store.ts';
import { readPlaylist, readStream, recorderAlive } from '../streams/stream-store.ts';
import { requireJob, saveJob } from './clip-job-store.ts';

export interface ClipOptions {
  store: ObjectStore;
  log: Logger;
  jobId: string;
  postRollWaitSec: number;
  heartbeatTtlSec: number;
  signal?: AbortSignal;
  pollMs?: number;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => { clearTimeout(t); reject(new AppError('ABORTED', 'clip aborted')); }, { once: true });
  });

/**
 * Wait (bounded) until the recording covers the window's end, then return the selection.
 * Stops waiting when the recorder is gone or the post-roll deadline passes; the clip then
 * ends where the recording does, and the result says so.
 */
async function awaitCoverage(o: ClipOptions, job: ClipJob, onWait: (sel: SegmentSelection | null) => Promise<void>): Promise<SegmentSelection | null> {
  const window = { start: new Date(job.requested.start), end: new Date(job.requested.end) };
  const giveUpAt = window.end.getTime() + o.postRollWaitSec * 1000;
  for (;;) {
    const sel = selectSegments((await readPlaylist(o.store, job.streamId)).segments, window);
    if (sel?.coversEnd) return sel;
    const stream = await readStream(o.store, job.streamId);
    if (!stream || !recorderAlive(stream, o.heartbeatTtlSec) || Date.now() >= giveUpAt) return sel;
    await onWait(sel);
    await sleep(o.pollMs ?? 400, o.signal);
  }
}

/**
 * The clipper's core for copy mode: window → segments → byte join → faststart MP4 + poster,
 * published to clips/<id>/ and recorded in the job. Idempotent: a finished job is returned as is.
 */
export async function clipHighlight(o: ClipOptions): Promise<ClipJob> {
  let job = await requireJob(o.store, o.jobId);
  if (job.state === 'succeeded' || job.state === 'failed') return job;
  const log = o.log.child({ jobId: job.id, streamId: job.streamId });
  job = await saveJob(o.store, { ...job, state: 'running', attempts: job.attempts + 1, progress: { phase: 'waiting', done: 0, total: 0 } });
  const tmp = await mkdtemp(path.join(os.tmpdir(), `hl-clip-${job.id}-`));
  try {
    const waitStarted = Date.now();
    const sel = await awaitCoverage(o, job, async (s) => {
      log.debug('clip.waiting_postroll', { haveUntil: s?.actualEnd.toISOString() });
    });
    if (!sel) throw new AppError('WINDOW_EMPTY', 'no recorded segment overlaps the requested window');
    if (!sel.coversEnd) log.warn('clip.postroll_incomplete', { requestedEnd: job.requested.end, actualEnd: sel.actualEnd.toISOString() });

    const covered = Date.now();
    const total = sel.segments.length;
    job = await saveJob(o.store, { ...job, progress: { phase: 'fetching', done: 0, total } });
    const files: string[] = [];
    for (const [i, seg] of sel.segments.entries()) {
      const file = path.join(tmp, `${String(i).padStart(5, '0')}.ts`);
      await pipeline(await o.store.stream(`streams/${job.streamId}/${seg.uri}`), createWriteStream(file));
      files.push(file);
      if (o.signal?.aborted) throw new AppError('ABORTED', 'clip aborted');
    }
    job = await saveJob(o.store, { ...job, progress: { phase: 'joining', done: total, total } });

    const out = path.join(tmp, `${job.id}.mp4`);
    const durationSec = differenceInMilliseconds(sel.actualEnd, sel.actualStart) / 1000;
    await joinSegments({ files, out, durationSec, signal: o.signal });
    const info = await probeMedia(out);
    const poster = path.join(tmp, 'poster.jpg');
    const atOffset = (Date.parse(job.requested.at) - sel.actualStart.getTime()) / 1000;
    await writePoster(out, poster, Math.min(Math.max(0, atOffset), Math.max(0, info.durationSec - 0.2)), o.signal);

    job = await saveJob(o.store, { ...job, progress: { phase: 'publishing', done: total, total } });
    const key = clipVideoKey(job.id);
    const pKey = posterKey(job.id);
    await o.store.put(pKey, createReadStream(poster), { contentType: 'image/jpeg' });
    await o.store.put(key, createReadStream(out), { contentType: 'video/mp4' });
    const sizeBytes = (await stat(out)).size;
    job = await saveJob(o.store, {
      ...job,
      state: 'succeeded',
      finishedAt: new Date().toISOString(),
      progress: { phase: 'done', done: total, total },
      result: {
        key, url: await o.store.url(key), posterKey: pKey, posterUrl: await o.store.url(pKey),
        durationSec: info.durationSec, sizeBytes, mode: 'copy',
        actual: { start: sel.actualStart.toISOString(), end: sel.actualEnd.toISOString() },
        segments: total,
        gaps: sel.gaps.map((g) => ({ start: g.start.toISOString(), end: g.end.toISOString() })),
        timings: { waitMs: covered - waitStarted, processMs: Date.now() - covered },
      },
    });
    log.info('clip.succeeded', { durationSec: info.durationSec, sizeBytes, segments: total });
    return job;
  } catch (err) {
    const e = toErrorBody(err);
    if (e.code === 'ABORTED' || e.code === 'DEADLINE_EXCEEDED') {
      // Interrupted, not failed: back to queued so a new invocation with the same id resumes it.
      log.warn('clip.interrupted', e);
      return await saveJob(o.store, { ...job, state: 'queued', progress: { ...job.progress, phase: 'interrupted' } });
    }
    log.error('clip.failed', e);
    job = await saveJob(o.store, { ...job, state: 'failed', finishedAt: new Date().toISOString(), error: e });
    return job;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
