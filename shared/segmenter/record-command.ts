import type { Config } from '../config/config.ts';
import type { Invoker } from '../invoke/invoker.ts';
import type { Logger } from '../log/logger.ts';
import { finalizeRoomStream } from '../rooms/finalize-room-stream.ts';
import { roomMixSource } from '../rooms/room-mix-source.ts';
import type { ObjectStore } from '../storage/object-store.ts';
import { recordStream, type RecordOutcome } from '../streams/record-stream.ts';
import { resolveSource, sourcePolicyFrom } from '../streams/resolve-source.ts';
import { readStream, shouldRecord } from '../streams/stream-store.ts';

export interface RecordCommand {
  streamId: string;
  handoverFrom?: string;
}

/**
 * The segmenter's record command: record the stream (a TRTC source through its relay, a room mix
 * with the users now in the room), and when a room recording's stream has stopped for good, join
 * it into its file for the recording's manifest.
 */
export async function runRecordCommand(cmd: RecordCommand, d: {
  store: ObjectStore; invoker: Invoker; config: Config; log: Logger; owner: string; signal: AbortSignal; deadline: number;
}): Promise<RecordOutcome> {
  const policy = await sourcePolicyFrom(d.config);
  const mixedUsers = new Set<string>();
  const outcome = await recordStream({
    store: d.store, log: d.log, streamId: cmd.streamId, owner: d.owner, heartbeatTtlSec: d.config.heartbeatTtlSec,
    resolveSource: async ({ spec }) => {
      if (spec.source.type !== 'mix' || !spec.room) return resolveSource(spec.source, policy);
      const mix = await roomMixSource(d.store, spec.source, spec.room, policy.maxMixUsers, mixedUsers);
      return mix && resolveSource(mix, policy);
    },
    signal: d.signal, deadline: d.deadline, invoker: d.invoker, handoverFrom: cmd.handoverFrom,
  });
  const state = await readStream(d.store, cmd.streamId);
  // Only the recorder that held the stream joins it (a successor that never took over did not).
  if (state?.spec.room && !shouldRecord(state) && outcome.held && outcome.reason !== 'handed over') {
    // An aborted invocation (terminated, shutting down) has no time left to join files.
    if (d.signal.aborted) d.log.warn('room.finalize_skipped', { streamId: cmd.streamId, reason: 'invocation aborted' });
    else await finalizeRoomStream(d.store, state, d.log, d.signal);
  }
  return outcome;
}

/** The segmenter's finalize command: join a stopped room-recording stream into its file (idempotent). */
export async function runFinalizeCommand(cmd: { streamId: string }, d: { store: ObjectStore; log: Logger; signal: AbortSignal }): Promise<{ key: string } | null> {
  const state = await readStream(d.store, cmd.streamId);
  if (!state?.spec.room || shouldRecord(state)) return null;
  const entry = await finalizeRoomStream(d.store, state, d.log, d.signal);
  return entry && { key: entry.key };
}
