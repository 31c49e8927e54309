import { mkdtemp, rm, stat, unlink } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AppError } from '../domain/app-error.ts';
import { isLiveSource, type StreamState } from '../domain/schemas.ts';
import { playlistKey, segmentKey } from '../domain/store-keys.ts';
import { segmentEnd, writePlaylist, type Playlist, type PlaylistSegment } from '../media/hls-playlist.ts';
import type { RecordableSource } from '../media/recorder-args.ts';
import type { Invoker } from '../invoke/invoker.ts';
import type { Logger } from '../log/logger.ts';
import type { ObjectStore } from '../storage/object-store.ts';
import { clearHandover, readHandover, requestHandover, type Handover, offerHandover } from './handover.ts';
import { startRecorderRun, type RecordedSegment, type RecorderRun, type RunExit } from './recorder-run.ts';
import { applyRetention } from './retention.ts';
import { activePins, isPinned } from './segment-pins.ts';
import { readPlaylist, readStream, recorderAlive, requireStream, shouldRecord, stopRequested, writeStream } from './stream-store.ts';

export interface RecordOptions {
  store: ObjectStore;
  log: Logger;
  streamId: string;
  /** This invocation's id: the recorder's lease owner. */
  owner: string;
  heartbeatTtlSec: number;
  /**
   * The spec's source as ffmpeg pulls it (a TRTC source resolved to its relay URL; a room mix with
   * the users now in the room), or null when there is nothing to pull yet. Asked again while
   * recording: a different answer restarts ffmpeg with it (a mix re-lays out on join and leave).
   */
  resolveSource(state: StreamState): RecordableSource | null | Promise<RecordableSource | null>;
  /** Aborts on terminate or deadline: the recorder finalises the current segment and returns. */
  signal?: AbortSignal;
  /** Epoch ms by which this invocation must return; with an invoker, the recorder hands over before it. */
  deadline?: number;
  invoker?: Invoker;
  /** Start handing over this long before the deadline (default: a quarter of the run time, 10–60 s). */
  handoverLeadMs?: number;
  /** This invocation was started to take over from that owner (hand-over before its deadline). */
  handoverFrom?: string;
  /** How often to beat and look for stop, hand-over and source changes. */
  pollMs?: number;
}

export interface RecordOutcome {
  state: StreamState['state'];
  segments: number;
  reason: string;
  reconnects: number;
  /** This invocation held the stream (false for a successor that never took over). */
  held: boolean;
}

/** Smaller than this, a segment holds no media (PAT/PMT only). */
const MIN_SEGMENT_BYTES = 1024;

const sleep = (ms: number, signal?: AbortSignal) => new Promise<void>((resolve) => {
  const done = () => { clearTimeout(t); signal?.removeEventListener('abort', done); resolve(); };
  const t = setTimeout(done, ms);
  signal?.addEventListener('abort', done, { once: true });
});

/**
 * Record one stream until stopped, as the one writer of its playlist.
 *
 * A supervisor around ffmpeg runs (recorder-run.ts): each finished segment is uploaded, then the
 * rolling playlist is republished, then segments that slid out of retention are deleted. A live
 * source that drops or stalls is reconnected with backoff; the first segment after the gap carries
 * a discontinuity and its own true start, so nothing papers over the gap. A source gone longer than
 * reconnectSec ends the stream as "ended". stream.json holds the lease (owner + heartbeat); a stop
 * request (stop.json) finalises the current segment. Before the function's deadline the recorder
 * starts its successor, which records in parallel and publishes from where this one stops.
 */
export async function recordStream(o: RecordOptions): Promise<RecordOutcome> {
  const log = o.log.child({ streamId: o.streamId, owner: o.owner });
  let state = await requireStream(o.store, o.streamId);
  const takingOver = Boolean(o.handoverFrom);
  if (state.owner && state.owner !== o.owner && state.owner !== o.handoverFrom && recorderAlive(state, o.heartbeatTtlSec)) {
    throw new AppError('STREAM_ACTIVE', `stream ${o.streamId} is already being recorded by ${state.owner}`);
  }
  if (await stopRequested(o.store, o.streamId)) {
    if (!takingOver) await writeStream(o.store, { ...state, state: 'stopped', stoppedAt: new Date().toISOString(), owner: undefined });
    return { state: 'stopped', segments: 0, reason: 'stop requested before start', reconnects: 0, held: !takingOver };
  }
  const live = isLiveSource(state.spec.source);
  const spec = state.spec;

  // The lease: a successor holds none until its predecessor hands it over (or dies).
  let leased = false;
  let writes: Promise<void> = Promise.resolve();
  let lastWriteAt = 0;
  let lastLeaseCheckAt = Date.now();
  const heartbeatEveryMs = Math.max(o.pollMs ?? 1000, Math.min(5000, (o.heartbeatTtlSec * 1000) / 4));
  const update = (patch: Partial<StreamState>) => {
    state = { ...state, ...patch };
    if (!leased) return writes;
    lastWriteAt = Date.now();
    const snapshot = state;
    writes = writes.then(() => writeStream(o.store, snapshot)).catch((err) => log.error('stream.state_write_failed', { error: err }));
    return writes;
  };

  let playlist: Playlist = { segments: [], discontinuitySequence: 0, ended: false };
  let nextSeq = 0;
  /** The next published segment follows a gap (a new ffmpeg run). */
  let gapBefore = false;
  const takeLease = async (patch: Partial<StreamState>) => {
    playlist = { ...(await readPlaylist(o.store, o.streamId)), ended: false };
    nextSeq = playlist.segments.length ? playlist.segments[playlist.segments.length - 1]!.seq + 1 : 0;
    gapBefore = playlist.segments.length > 0;
    leased = true;
    const now = new Date().toISOString();
    await update({ state: 'recording', owner: o.owner, heartbeatAt: now, error: undefined, stoppedAt: undefined, ...patch });
  };
  if (!takingOver) {
    // A restart continues a playlist, or follows a recorder that had started (startedAt: a watchdog
    // restart of one that died before its first segment); a fresh start (start-stream.ts) has neither.
    const resuming = (await readPlaylist(o.store, o.streamId)).segments.length > 0 || Boolean(state.startedAt);
    await takeLease({ startedAt: new Date().toISOString(), restarts: resuming ? state.restarts + 1 : state.restarts });
  }

  const tmp = await mkdtemp(path.join(os.tmpdir(), `hl-rec-${o.streamId}-`));
  let segments = 0;
  let reconnects = 0;
  let chain: Promise<void> = Promise.resolve();
  /** Segments a successor recorded before it holds the lease. */
  const pending: RecordedSegment[] = [];

  const publishSegment = async (seg: RecordedSegment) => {
    // ffmpeg stopped right after a cut leaves an empty or headers-only last segment: nothing to keep.
    const size = (await stat(seg.file).catch(() => ({ size: 0 }))).size;
    if (size < MIN_SEGMENT_BYTES || seg.durationSec < 0.05) {
      log.debug('segment.skipped_empty', { file: seg.file, size, durationSec: seg.durationSec });
      await unlink(seg.file).catch(() => {});
      return;
    }
    const seq = nextSeq++;
    const key = segmentKey(o.streamId, seg.start, seq);
    await o.store.put(key, createReadStream(seg.file), { contentType: 'video/mp2t' });
    await unlink(seg.file).catch(() => {});
    const entry: PlaylistSegment = { uri: `seg/${path.posix.basename(key)}`, seq, start: seg.start, durationSec: seg.durationSec, discontinuity: gapBefore && playlist.segments.length > 0 };
    gapBefore = false;
    const { playlist: kept, expired } = applyRetention({ ...playlist, segments: [...playlist.segments, entry] }, new Date(Date.now() - spec.retentionSec * 1000));
    playlist = kept;
    // Publish only after the segment exists; delete only after the playlist stops naming them.
    await o.store.put(playlistKey(o.streamId), writePlaylist(playlist), { contentType: 'application/vnd.apple.mpegurl' });
    if (expired.length) {
      // Segments a pending or recent clip pinned stay; the watchdog deletes them once unpinned.
      const pins = await activePins(o.store, o.streamId);
      for (const e of expired) {
        if (!isPinned({ start: e.start.getTime(), end: segmentEnd(e).getTime() }, pins)) await o.store.delete(`streams/${o.streamId}/${e.uri}`);
      }
    }
    segments++;
    publishError = undefined;
    const end = segmentEnd(entry);
    await update({
      segmentCount: state.segmentCount + 1, lastSegmentEnd: end.toISOString(), heartbeatAt: new Date().toISOString(),
      maxSegmentSec: Math.max(state.maxSegmentSec ?? 0, Math.round(seg.durationSec * 1000) / 1000),
    });
    log.debug('segment.published', { key, seq, durationSec: seg.durationSec, latencyMs: Date.now() - seg.closedAt, expired: expired.length });
  };

  let stopReason = '';
  let publishError: StreamState['error'];
  let run: RecorderRun | undefined;
  let handingOver: Handover | undefined;
  let handoverAsked = false;
  const finishAll = (reason: string) => {
    if (!stopReason) { stopReason = reason; log.info('recorder.stopping', { reason }); }
    run?.finish(reason);
  };
  const onAbort = () => finishAll('aborted');
  if (o.signal?.aborted) onAbort();
  o.signal?.addEventListener('abort', onAbort, { once: true });

  const onSegment = (seg: RecordedSegment) => {
    chain = chain.then(async () => {
      if (handingOver) { await unlink(seg.file).catch(() => {}); return; } // the successor has it
      if (!leased) {
        if (!takingOver) { await unlink(seg.file).catch(() => {}); return; } // lost the lease: nothing to publish
        pending.push(seg);
        if (pending.length === 1) await offerHandover(o.store, o.streamId, { from: o.handoverFrom!, to: o.owner, coversFrom: seg.start.toISOString() });
        return;
      }
      await publishSegment(seg);
    }).catch((err) => {
      log.error('segment.publish_failed', { file: seg.file, error: err });
      // Not a stop: the supervisor starts a new run (live) or records the failure, and the watchdog can restart it.
      publishError = { code: (err as { code?: string }).code ?? 'STORAGE_FAILED', message: (err as Error).message };
      run?.finish('publish failed');
    });
  };

  /** Successor: the predecessor stopped (or died): publish what it did not cover, then go on as the owner. */
  const takeOver = async () => {
    await takeLease({ handovers: (state.handovers ?? 0) + 1 });
    const lastEnd = playlist.segments.length ? segmentEnd(playlist.segments[playlist.segments.length - 1]!).getTime() : 0;
    gapBefore = playlist.segments.length > 0;
    let dropped = 0;
    for (const seg of pending.splice(0)) {
      // Keep a segment when most of it lies after what the predecessor published.
      if (seg.start.getTime() + (seg.durationSec * 1000) / 2 > lastEnd) await publishSegment(seg);
      else { dropped++; await unlink(seg.file).catch(() => {}); }
    }
    await clearHandover(o.store, o.streamId);
    log.info('recorder.took_over', { from: o.handoverFrom, dropped });
  };

  let polling = false;
  /** The source the current run pulls (JSON), to notice when the answer changes. */
  let runningSource = '';
  let lastSourceCheck = 0;
  let takingOverNow = false;
  const poll = setInterval(() => {
    if (polling) return;
    polling = true;
    void (async () => {
      try {
        if (!stopReason && (await stopRequested(o.store, o.streamId))) finishAll('stop requested');
        if (!leased) {
          const current = await readStream(o.store, o.streamId);
          if (!current || !shouldRecord(current)) { finishAll(`predecessor ${current?.state ?? 'gone'}`); return; }
          const released = !current.owner || current.owner === o.owner || !recorderAlive(current, o.heartbeatTtlSec);
          if (!released && current.owner !== o.handoverFrom) { finishAll(`stream taken by ${current.owner}`); return; }
          if (released && !stopReason && !takingOverNow) {
            takingOverNow = true;
            chain = chain.then(takeOver).catch((err) => { log.error('recorder.takeover_failed', { error: err }); finishAll('takeover failed'); });
          }
          return;
        }
        // The lease: a few times per TTL check that nobody else holds it, and beat unless a segment just did.
        const checkDue = Date.now() - lastLeaseCheckAt >= heartbeatEveryMs;
        const beatDue = Date.now() - lastWriteAt >= heartbeatEveryMs;
        if (checkDue) lastLeaseCheckAt = Date.now();
        const current = checkDue ? await readStream(o.store, o.streamId) : null;
        if (current?.owner && current.owner !== o.owner && !handingOver) {
          // Someone else holds the stream now (a watchdog restart raced a hand-over): stop writing.
          leased = false;
          finishAll(`lease lost to ${current.owner}`);
          return;
        }
        if (handoverAsked && !handingOver && !stopReason) {
          const h = await readHandover(o.store, o.streamId);
          if (h?.from === o.owner && h.to && h.coversFrom && state.lastSegmentEnd && Date.parse(h.coversFrom) <= Date.parse(state.lastSegmentEnd)) {
            handingOver = h;
            finishAll('handover');
          }
        }
        if (spec.source.type === 'mix' && !stopReason && Date.now() - lastSourceCheck >= 2000) {
          lastSourceCheck = Date.now();
          const next = JSON.stringify(await o.resolveSource(state));
          if (next !== runningSource) run?.finish('relayout');
        }
        if (beatDue) await update({ heartbeatAt: new Date().toISOString() });
      } catch (err) {
        log.warn('recorder.poll_failed', { error: err });
      } finally {
        polling = false;
      }
    })();
  }, o.pollMs ?? 1000);

  // Hand over before the deadline: start the successor early enough for it to connect and cut a segment.
  let handoverTimer: NodeJS.Timeout | undefined;
  if (o.deadline && o.invoker) {
    const runMs = o.deadline - Date.now();
    const lead = o.handoverLeadMs ?? Math.min(60_000, Math.max(10_000, runMs / 4));
    handoverTimer = setTimeout(() => {
      void (async () => {
        if (stopReason || !leased) return;
        handoverAsked = true;
        await requestHandover(o.store, o.streamId, o.owner);
        const { requestId } = await o.invoker!.invokeAsync('segmenter', { action: 'record', streamId: o.streamId, handoverFrom: o.owner });
        log.info('recorder.handover_requested', { successor: requestId, deadline: new Date(o.deadline!).toISOString() });
      })().catch((err) => log.error('recorder.handover_failed', { error: err }));
    }, Math.max(0, runMs - lead));
  }

  // The supervisor: one ffmpeg run after another until stopped, handed over, ended or failed.
  let outcome: { state: StreamState['state']; reason: string; error?: StreamState['error'] } | undefined;
  let lastData = Date.now();
  let attempt = 0;
  try {
    while (!outcome) {
      const source = await o.resolveSource(state);
      runningSource = JSON.stringify(source);
      const before = segments + pending.length;
      let exit: RunExit = { code: null, signal: null, finishReason: '', stderrTail: 'nothing to record (no users in the room)' };
      if (source && !stopReason) {
        run = startRecorderRun({ source, segmentSec: spec.segmentSec, stallSec: spec.stallSec, dir: tmp, live, log, onSegment });
        if (stopReason) run.finish(stopReason);
        // A reconnect attempt that is still waiting for data when the reconnect window closes ends there
        // (a server may hold a puller waiting for its publisher much longer).
        const thisRun = run;
        const gone = live && attempt > 0
          ? setTimeout(() => { if (segments + pending.length === before) thisRun.finish('gone'); }, Math.max(0, lastData + spec.reconnectSec * 1000 - Date.now()))
          : undefined;
        exit = await run.exited;
        if (gone) clearTimeout(gone);
        run = undefined;
        await chain;
        gapBefore = true;
      }
      const gotData = segments + pending.length > before;
      if (gotData) { lastData = Date.now(); attempt = 0; }
      if (handingOver) { outcome = { state: 'recording', reason: 'handed over' }; break; }
      if (stopReason) { outcome = { state: 'stopped', reason: stopReason }; break; }
      if (exit.finishReason === 'relayout') { log.info('recorder.relayout', {}); continue; }
      if (exit.finishReason === 'publish failed' && !live) { outcome = { state: 'failed', reason: 'publish failed', error: publishError }; break; }
      const why = exit.spawnError ? `could not start ffmpeg: ${exit.spawnError.message}` : `ffmpeg exited (${exit.signal ?? `code ${exit.code}`})${exit.finishReason ? ` after ${exit.finishReason}` : ''}: ${exit.stderrTail}`;
      if (!live) {
        outcome = exit.code === 0 ? { state: 'stopped', reason: 'source ended' } : { state: 'failed', reason: 'ffmpeg failed', error: { code: 'FFMPEG_FAILED', message: why } };
        break;
      }
      const goneMs = Date.now() - lastData;
      if (goneMs >= spec.reconnectSec * 1000 || exit.finishReason === 'gone' || exit.spawnError) {
        outcome = publishError
          ? { state: 'failed', reason: 'publish failed', error: publishError }
          : { state: 'ended', reason: `source gone for ${Math.round(goneMs / 1000)} s`, error: { code: 'SOURCE_GONE', message: why } };
        break;
      }
      reconnects++;
      const delay = Math.min(5000, 500 * 2 ** attempt++) * (0.75 + Math.random() / 2);
      log.warn('recorder.reconnecting', { attempt, delayMs: Math.round(delay), goneMs, why });
      await update({ state: 'reconnecting', reconnects: (state.reconnects ?? 0) + 1, lastDropAt: state.lastDropAt && !gotData ? state.lastDropAt : new Date().toISOString() });
      await sleep(delay, o.signal);
      if (!stopReason && leased) await update({ state: 'recording' });
    }
  } finally {
    clearInterval(poll);
    if (handoverTimer) clearTimeout(handoverTimer);
    o.signal?.removeEventListener('abort', onAbort);
    await chain.catch(() => {});
    await rm(tmp, { recursive: true, force: true });
  }

  if (!leased) {
    // A successor that never took over leaves everything to its predecessor.
    log.info('recorder.handover_abandoned', { reason: outcome.reason, discarded: pending.length });
    return { state: outcome.state, segments: 0, reason: outcome.reason, reconnects, held: false };
  }
  const end = new Date().toISOString();
  if (handingOver) {
    await update({ owner: handingOver.to, heartbeatAt: end, state: 'recording' });
    await writes;
    log.info('recorder.handed_over', { to: handingOver.to, segments });
    return { state: 'recording', segments, reason: 'handed over', reconnects, held: true };
  }
  if (o.signal?.aborted && stopReason === 'aborted') {
    // Interrupted, not stopped (the deadline without a successor in place, a runtime shutting down,
    // a terminated instance): release the lease and keep the stream meant to record, so a waiting
    // successor or the watchdog (in this runtime or the next) continues it after a marked gap.
    const why = (o.signal.reason as AppError | undefined)?.code === 'DEADLINE_EXCEEDED' ? 'deadline' : 'interrupted';
    await update({ owner: undefined });
    await writes;
    log.warn('recorder.released', { why, segments });
    return { state: 'recording', segments, reason: why, reconnects, held: true };
  }
  if (playlist.segments.length > 0 && outcome.state !== 'failed') {
    await o.store.put(playlistKey(o.streamId), writePlaylist({ ...playlist, ended: true }), { contentType: 'application/vnd.apple.mpegurl' });
  }
  await update({ state: outcome.state, stoppedAt: end, heartbeatAt: end, owner: undefined, error: outcome.error });
  await writes;
  if (outcome.state === 'failed') log.error('recorder.failed', { message: outcome.error?.message, segments });
  else log.info('recorder.stopped', { state: outcome.state, reason: outcome.reason, segments, reconnects });
  return { state: outcome.state, segments, reason: outcome.reason, reconnects, held: true };
}
