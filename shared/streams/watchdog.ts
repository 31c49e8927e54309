import type { StreamState } from '../domain/schemas.ts';
import { playlistKey, streamStateKey } from '../domain/store-keys.ts';
import type { Invoker } from '../invoke/invoker.ts';
import type { Logger } from '../log/logger.ts';
import { writePlaylist } from '../media/hls-playlist.ts';
import { getJson, type ObjectStore } from '../storage/object-store.ts';
import { applyRetention } from './retention.ts';
import { readPlaylist, recorderAlive, writeStream } from './stream-store.ts';

export interface WatchdogReport {
  checked: number;
  restarted: string[];
  pruned: Record<string, number>;
}

/** Every stream's state, by listing streams/<id>/stream.json. */
export async function listStreams(store: ObjectStore): Promise<StreamState[]> {
  const { prefixes } = await store.list('streams/', { delimiter: '/' });
  const out: StreamState[] = [];
  for (const p of prefixes) {
    const id = p.slice('streams/'.length, -1);
    const s = await getJson<StreamState>(store, streamStateKey(id)).catch(() => null);
    if (s) out.push(s);
  }
  return out;
}

/**
 * The timer's job: restart recorders whose heartbeat expired while they should be recording
 * (a crashed or timed-out function; the new recorder continues the playlist after a
 * discontinuity), and apply retention to streams no recorder is pruning.
 */
export async function runWatchdog(d: { store: ObjectStore; invoker: Invoker; log: Logger; heartbeatTtlSec: number; now?: number }): Promise<WatchdogReport> {
  const now = d.now ?? Date.now();
  const report: WatchdogReport = { checked: 0, restarted: [], pruned: {} };
  for (const s of await listStreams(d.store)) {
    report.checked++;
    const id = s.spec.id;
    const shouldRecord = s.state === 'recording' || s.state === 'starting';
    if (shouldRecord && !recorderAlive(s, d.heartbeatTtlSec, now)) {
      d.log.warn('watchdog.restart', { streamId: id, lastHeartbeat: s.heartbeatAt, owner: s.owner });
      await writeStream(d.store, { ...s, state: 'starting', owner: undefined, heartbeatAt: new Date(now).toISOString() });
      await d.invoker.invokeAsync('segmenter', { action: 'record', streamId: id });
      report.restarted.push(id);
      continue;
    }
    if (!recorderAlive(s, d.heartbeatTtlSec, now)) {
      const playlist = await readPlaylist(d.store, id);
      const { playlist: kept, expired } = applyRetention(playlist, new Date(now - s.spec.retentionSec * 1000));
      if (expired.length === 0) continue;
      if (kept.segments.length > 0) await d.store.put(playlistKey(id), writePlaylist(kept), { contentType: 'application/vnd.apple.mpegurl' });
      else await d.store.delete(playlistKey(id));
      for (const e of expired) await d.store.delete(`streams/${id}/${e.uri}`);
      report.pruned[id] = expired.length;
    }
  }
  return report;
}
