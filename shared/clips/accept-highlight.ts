import { createHash } from 'node:crypto';
import type { Config } from '../config/config.ts';
import { AppError } from '../domain/app-error.ts';
import { randomId } from '../domain/ids.ts';
import { highlightRequestSchema, parseWith, type ClipJob, type HighlightRequest } from '../domain/schemas.ts';
import { checkOutboundUrl, type UrlPolicy } from '../domain/url-policy.ts';
import { segmentEnd } from '../media/hls-playlist.ts';
import { transcodeSettings } from '../media/output-profiles.ts';
import { selectSegments } from '../media/select-segments.ts';
import type { ObjectStore } from '../storage/object-store.ts';
import { pinWindow } from '../streams/segment-pins.ts';
import { readPlaylist, recorderAlive, requireStream } from '../streams/stream-store.ts';
import { createJob, requireJob } from './clip-job-store.ts';
import { previewKey, writePreview } from './preview-playlist.ts';

/** How far ahead of the server's clock a game server may place `at` (clock skew). */
const MAX_FUTURE_SKEW_MS = 30_000;

export interface AcceptOptions {
  store: ObjectStore;
  heartbeatTtlSec: number;
  source: ClipJob['source'];
  /** Id used when the request has none (a trigger file derives one from its content). */
  defaultId?: string;
  /** Callback URLs must pass it. */
  urlPolicy: UrlPolicy;
  /** How long past the window's end a pending clip's segments stay pinned. */
  pendingPinSec: number;
  now?: number;
}

/** The accept options a runtime's config implies. */
export function acceptOptionsFrom(config: Config, store: ObjectStore): Omit<AcceptOptions, 'source' | 'defaultId'> {
  return {
    store,
    heartbeatTtlSec: config.heartbeatTtlSec,
    urlPolicy: { allowPrivate: config.allowPrivateUrls, allowedHosts: config.allowedHosts, schemes: ['http', 'https'] },
    pendingPinSec: config.postRollWaitSec + 900,
  };
}

export function requestHash(input: unknown): string {
  return createHash('sha256').update(JSON.stringify(input)).digest('hex').slice(0, 32);
}

/**
 * Validate a highlight request against the stream and its retention, then create its job
 * (create-if-absent by id). Every check runs before the one write, so a refused request
 * leaves the store untouched. The same id and request again returns the existing job.
 */
export async function acceptHighlight(raw: unknown, o: AcceptOptions): Promise<{ job: ClipJob; created: boolean }> {
  const req: HighlightRequest = parseWith(highlightRequestSchema, raw, 'highlight request');
  if (req.callbackUrl) checkOutboundUrl(req.callbackUrl, o.urlPolicy, 'callbackUrl');
  const now = o.now ?? Date.now();
  const stream = await requireStream(o.store, req.streamId);
  const at = req.at ?? new Date(now);
  if (at.getTime() > now + MAX_FUTURE_SKEW_MS) {
    throw new AppError('VALIDATION_FAILED', `at (${at.toISOString()}) is more than ${MAX_FUTURE_SKEW_MS / 1000}s in the future`);
  }
  const start = new Date(at.getTime() - req.before * 1000);
  const end = new Date(at.getTime() + req.after * 1000);
  const oldestKept = now - stream.spec.retentionSec * 1000;
  if (start.getTime() < oldestKept) {
    throw new AppError('WINDOW_EXPIRED', `the window starts at ${start.toISOString()}, before the stream's ${stream.spec.retentionSec}s retention (oldest kept: ${new Date(oldestKept).toISOString()})`);
  }
  const playlist = await readPlaylist(o.store, req.streamId);
  const first = playlist.segments[0];
  const last = playlist.segments[playlist.segments.length - 1];
  const live = recorderAlive(stream, o.heartbeatTtlSec, now);
  if (first && end.getTime() <= first.start.getTime()) {
    throw new AppError('WINDOW_EXPIRED', `the window ends at ${end.toISOString()}, before the oldest recorded segment (${first.start.toISOString()})`);
  }
  if (!live && (!last || start.getTime() >= segmentEnd(last).getTime())) {
    throw new AppError('WINDOW_EMPTY', `stream ${req.streamId} is ${stream.state} and recorded nothing in the window`);
  }

  const transcode = req.mode === 'transcode' ? transcodeSettings(req) : undefined;
  const hash = requestHash({
    streamId: req.streamId, at: (raw as { at?: unknown }).at ?? null, before: req.before, after: req.after,
    mode: req.mode, transcode: transcode ?? null, callbackUrl: req.callbackUrl ?? null,
  });
  const id = req.id ?? o.defaultId ?? randomId('hl');
  const iso = new Date(now).toISOString();
  const job: ClipJob = {
    id,
    streamId: req.streamId,
    mode: req.mode,
    ...(transcode ? { transcode } : {}),
    ...(req.callbackUrl ? { callbackUrl: req.callbackUrl } : {}),
    preview: { key: previewKey(id), url: await o.store.url(previewKey(id)) },
    requested: { at: at.toISOString(), before: req.before, after: req.after, start: start.toISOString(), end: end.toISOString() },
    requestHash: hash,
    state: 'queued',
    createdAt: iso,
    updatedAt: iso,
    acceptedAt: iso,
    progress: { phase: 'queued', done: 0, total: 0 },
    attempts: 0,
    source: o.source,
  };
  if (await createJob(o.store, job)) {
    // Instant preview over what is recorded already, pinned so retention keeps it while pending.
    await pinWindow(o.store, job.streamId, id, { start: start.toISOString(), end: end.toISOString(), until: new Date(end.getTime() + o.pendingPinSec * 1000).toISOString() });
    const sel = selectSegments(playlist.segments, { start, end });
    await writePreview(o.store, job, sel?.segments ?? [], Boolean(sel?.coversEnd));
    return { job, created: true };
  }
  const existing = await requireJob(o.store, id);
  if (existing.requestHash !== hash) {
    throw new AppError('JOB_CONFLICT', `highlight ${id} already exists with a different request; use a new id`);
  }
  return { job: existing, created: false };
}
