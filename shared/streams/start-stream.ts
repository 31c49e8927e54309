import { AppError } from '../domain/app-error.ts';
import { parseWith, streamSpecSchema, type StreamState } from '../domain/schemas.ts';
import { streamStopKey } from '../domain/store-keys.ts';
import type { Invoker } from '../invoke/invoker.ts';
import { putJson, type ObjectStore } from '../storage/object-store.ts';
import { resolveSource, type SourcePolicy } from './resolve-source.ts';
import { readStream, recorderAlive, requireStream, shouldRecord, writeStream } from './stream-store.ts';

export interface StreamControlDeps {
  store: ObjectStore;
  invoker: Invoker;
  heartbeatTtlSec: number;
  sourcePolicy: SourcePolicy;
}

/**
 * Validate a stream spec, write stream.json as "starting" and hand recording to the segmenter
 * (async). A stream whose recorder is alive is refused (one writer per stream); a stopped one
 * restarts and its playlist continues after a discontinuity.
 */
export async function startStream(raw: unknown, d: StreamControlDeps, opts: { internal?: boolean } = {}): Promise<StreamState> {
  const spec = parseWith(streamSpecSchema, raw, 'stream');
  if (spec.room && !opts.internal) throw new AppError('VALIDATION_FAILED', 'invalid stream: room is set by room recordings only');
  resolveSource(spec.source, d.sourcePolicy);
  const existing = await readStream(d.store, spec.id);
  if (existing && recorderAlive(existing, d.heartbeatTtlSec)) {
    throw new AppError('STREAM_ACTIVE', `stream ${spec.id} is already ${existing.state}; stop it first`);
  }
  const now = new Date().toISOString();
  const state: StreamState = {
    spec,
    state: 'starting',
    createdAt: existing?.createdAt ?? now,
    heartbeatAt: now,
    segmentCount: existing?.segmentCount ?? 0,
    restarts: existing?.restarts ?? 0,
  };
  await d.store.delete(streamStopKey(spec.id));
  await writeStream(d.store, state);
  await d.invoker.invokeAsync('segmenter', { action: 'record', streamId: spec.id });
  return state;
}

/**
 * Ask the recorder to stop; it finishes the current segment and marks the stream stopped. A stream
 * that should be recording but whose recorder died gets the request too, so the recorder the
 * watchdog restarts stops at once instead of recording on.
 */
export async function stopStream(streamId: string, d: StreamControlDeps): Promise<{ state: StreamState; stopping: boolean }> {
  const state = await requireStream(d.store, streamId);
  if (!recorderAlive(state, d.heartbeatTtlSec) && !shouldRecord(state)) return { state, stopping: false };
  await putJson(d.store, streamStopKey(streamId), { requestedAt: new Date().toISOString() });
  return { state, stopping: true };
}
