import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, unlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { AppError } from '../domain/app-error.ts';
import type { StreamState } from '../domain/schemas.ts';
import { playlistKey, segmentKey } from '../domain/store-keys.ts';
import { writePlaylist, type Playlist, type PlaylistSegment } from '../media/hls-playlist.ts';
import { resolveFfmpeg } from '../media/ffmpeg-binaries.ts';
import { findFont, recorderArgs } from '../media/recorder-args.ts';
import type { Logger } from '../log/logger.ts';
import type { ObjectStore } from '../storage/object-store.ts';
import { applyRetention } from './retention.ts';
import { activePins, isPinned } from './segment-pins.ts';
import { readPlaylist, recorderAlive, requireStream, stopRequested, writeStream } from './stream-store.ts';

export interface RecordOptions {
  store: ObjectStore;
  log: Logger;
  streamId: string;
  /** This invocation's id: the recorder's lease owner. */
  owner: string;
  heartbeatTtlSec: number;
  /** Aborts on terminate or deadline: the recorder finalises the current segment and returns. */
  signal?: AbortSignal;
  /** How often to beat and look for a stop request. */
  pollMs?: number;
}

export interface RecordOutcome {
  state: StreamState['state'];
  segments: number;
  reason: string;
}

/**
 * Record one stream until stopped: ffmpeg cuts ~segmentSec MPEG-TS segments into a temp folder;
 * each finished segment is uploaded, then the rolling playlist is republished, then segments that
 * slid out of retention are deleted. stream.json carries state and a heartbeat; a stop request
 * (stop.json, written by the API) makes ffmpeg finish the current segment and exit cleanly.
 */
export async function recordStream(o: RecordOptions): Promise<RecordOutcome> {
  const log = o.log.child({ streamId: o.streamId, owner: o.owner });
  let state = await requireStream(o.store, o.streamId);
  if (state.owner && state.owner !== o.owner && recorderAlive(state, o.heartbeatTtlSec)) {
    throw new AppError('STREAM_ACTIVE', `stream ${o.streamId} is already being recorded by ${state.owner}`);
  }
  if (await stopRequested(o.store, o.streamId)) {
    state = { ...state, state: 'stopped', stoppedAt: new Date().toISOString() };
    await writeStream(o.store, state);
    return { state: 'stopped', segments: 0, reason: 'stop requested before start' };
  }

  const spec = state.spec;
  let playlist: Playlist = await readPlaylist(o.store, o.streamId);
  const resuming = playlist.segments.length > 0;
  let nextSeq = resuming ? playlist.segments[playlist.segments.length - 1]!.seq + 1 : 0;
  playlist = { ...playlist, ended: false };

  // State writes are serialised: heartbeats and segment updates never overwrite each other.
  let writes: Promise<void> = Promise.resolve();
  const update = (patch: Partial<StreamState>) => {
    state = { ...state, ...patch };
    const snapshot = state;
    writes = writes.then(() => writeStream(o.store, snapshot)).catch((err) => log.error('stream.state_write_failed', { error: err }));
    return writes;
  };

  const now = new Date().toISOString();
  await update({
    state: 'recording', owner: o.owner, startedAt: now, heartbeatAt: now, error: undefined, stoppedAt: undefined,
    restarts: resuming ? state.restarts + 1 : state.restarts,
  });

  const tmp = await mkdtemp(path.join(os.tmpdir(), `hl-rec-${o.streamId}-`));
  const t0 = Date.now();
  const args = recorderArgs({ source: spec.source, segmentSec: spec.segmentSec, outDir: tmp, clockEpochSec: t0 / 1000, fontFile: findFont() });
  const child = spawn(resolveFfmpeg().ffmpeg, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  log.info('recorder.started', { pid: child.pid, source: spec.source.type, segmentSec: spec.segmentSec, resuming });

  let stderr = '';
  child.stderr.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-8000); });
  child.stdin.on('error', () => {}); // ffmpeg may exit before reading 'q'

  let stopReason = '';
  const finish = (reason: string) => {
    if (stopReason) return;
    stopReason = reason;
    log.info('recorder.stopping', { reason });
    child.stdin.write('q');
    child.stdin.end();
    // A source that ignores 'q' (stuck input) still ends.
    setTimeout(() => child.kill('SIGINT'), 5000).unref();
    setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
  };
  const onAbort = () => finish('aborted');
  o.signal?.addEventListener('abort', onAbort, { once: true });

  let firstNew = true;
  let segments = 0;
  let chain: Promise<void> = Promise.resolve();
  const publishSegment = async (line: string) => {
    const [name, startStr, endStr] = line.split(',');
    if (!name || !startStr || !endStr) return;
    const file = path.join(tmp, path.basename(name));
    const startSec = Number(startStr);
    const durationSec = Math.max(0.001, Number(endStr) - startSec);
    const start = new Date(t0 + Math.round(startSec * 1000));
    const seq = nextSeq++;
    const key = segmentKey(o.streamId, start, seq);
    await o.store.put(key, createReadStream(file), { contentType: 'video/mp2t' });
    await unlink(file).catch(() => {});
    const seg: PlaylistSegment = {
      uri: `seg/${path.posix.basename(key)}`, seq, start, durationSec,
      discontinuity: firstNew && playlist.segments.length > 0,
    };
    firstNew = false;
    const { playlist: kept, expired } = applyRetention(
      { ...playlist, segments: [...playlist.segments, seg] },
      new Date(Date.now() - spec.retentionSec * 1000),
    );
    playlist = kept;
    // Publish only after the segment exists; delete only after the playlist stops naming them.
    await o.store.put(playlistKey(o.streamId), writePlaylist(playlist), { contentType: 'application/vnd.apple.mpegurl' });
    if (expired.length) {
      // Segments a pending or recent clip pinned stay; the watchdog deletes them once unpinned.
      const pins = await activePins(o.store, o.streamId);
      for (const e of expired) {
        if (!isPinned({ start: e.start.getTime(), end: e.start.getTime() + e.durationSec * 1000 }, pins)) await o.store.delete(`streams/${o.streamId}/${e.uri}`);
      }
    }
    segments++;
    await update({ segmentCount: state.segmentCount + 1, lastSegmentEnd: new Date(start.getTime() + durationSec * 1000).toISOString(), heartbeatAt: new Date().toISOString() });
    log.debug('segment.published', { key, seq, durationSec, expired: expired.length });
  };
  const lines = readline.createInterface({ input: child.stdout });
  lines.on('line', (line) => {
    chain = chain.then(() => publishSegment(line)).catch((err) => {
      log.error('segment.publish_failed', { line, error: err });
      finish('publish failed');
    });
  });

  const poll = setInterval(() => {
    void (async () => {
      try {
        if (!stopReason && (await stopRequested(o.store, o.streamId))) finish('stop requested');
        await update({ heartbeatAt: new Date().toISOString() });
      } catch (err) {
        log.warn('recorder.poll_failed', { error: err });
      }
    })();
  }, o.pollMs ?? 1000);

  const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>((resolve) => {
    child.on('error', (error) => resolve({ code: null, signal: null, error }));
    child.on('close', (code, signal) => resolve({ code, signal }));
  });
  clearInterval(poll);
  o.signal?.removeEventListener('abort', onAbort);
  lines.close();
  await chain;

  const clean = Boolean(stopReason) || exit.code === 0;
  playlist = { ...playlist, ended: true };
  if (playlist.segments.length > 0 && clean) {
    await o.store.put(playlistKey(o.streamId), writePlaylist(playlist), { contentType: 'application/vnd.apple.mpegurl' });
  }
  await rm(tmp, { recursive: true, force: true });
  const end = new Date().toISOString();
  if (clean) {
    await update({ state: 'stopped', stoppedAt: end, heartbeatAt: end, owner: undefined });
    log.info('recorder.stopped', { reason: stopReason || 'source ended', segments });
  } else {
    const message = exit.error ? `could not start ffmpeg: ${exit.error.message}` : `ffmpeg exited (${exit.signal ?? `code ${exit.code}`}): ${stderr.trim().split('\n').slice(-3).join(' | ')}`;
    await update({ state: 'failed', stoppedAt: end, heartbeatAt: end, owner: undefined, error: { code: 'FFMPEG_FAILED', message } });
    log.error('recorder.failed', { message, segments });
  }
  await writes;
  return { state: state.state, segments, reason: stopReason || (clean ? 'source ended' : 'ffmpeg failed') };
}
