import { parseSegmentName, playlistKey, segmentPrefix } from '../domain/store-keys.ts';
import type { Invoker } from '../invoke/invoker.ts';
import type { Logger } from '../log/logger.ts';
import { writePlaylist } from '../media/hls-playlist.ts';
import { listAll, type ObjectStore } from '../storage/object-store.ts';
import { activePins, isPinned } from './segment-pins.ts';
import { applyRetention } from './retention.ts';
import { listStreams, readPlaylist, recorderAlive, shouldRecord, writeStream } from './stream-store.ts';

export interface WatchdogReport {
  checked: number;
  restarted: string[];
  pruned: Record<string, number>;
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
    if (shouldRecord(s) && !recorderAlive(s, d.heartbeatTtlSec, now)) {
      d.log.warn('watchdog.restart', { streamId: id, lastHeartbeat: s.heartbeatAt, owner: s.owner });
      await writeStream(d.store, { ...s, state: 'starting', owner: undefined, heartbeatAt: new Date(now).toISOString() });
      await d.invoker.invokeAsync('segmenter', { action: 'record', streamId: id });
      report.restarted.push(id);
      continue;
    }
    let playlist = await readPlaylist(d.store, id);
    const cutoff = now - s.spec.retentionSec * 1000;
    if (!recorderAlive(s, d.heartbeatTtlSec, now)) {
      const { playlist: kept, expired } = applyRetention(playlist, new Date(cutoff));
      if (expired.length > 0) {
        if (kept.segments.length > 0) await d.store.put(playlistKey(id), writePlaylist(kept), { contentType: 'application/vnd.apple.mpegurl' });
        else await d.store.delete(playlistKey(id));
        playlist = kept;
      }
    }
    // Delete segments the playlist no longer names once they are past retention and unpinned
    // (expired while a clip pinned them, or left by a crash between upload and publish).
    const named = new Set(playlist.segments.map((x) => `streams/${id}/${x.uri}`));
    const pins = await activePins(d.store, id, now);
    let pruned = 0;
    const listed = (await listAll(d.store, segmentPrefix(id)))
      .map((o) => ({ key: o.key, parsed: parseSegmentName(o.key.slice(segmentPrefix(id).length)) }))
      .filter((x): x is { key: string; parsed: { start: Date; seq: number } } => x.parsed !== null);
    for (const [i, x] of listed.entries()) {
      if (named.has(x.key)) continue;
      const start = x.parsed.start.getTime();
      // Keys sort by start time: a segment ends where the next begins.
      const end = listed[i + 1]?.parsed.start.getTime() ?? start + s.spec.segmentSec * 1000;
      if (end >= cutoff || isPinned({ start, end }, pins)) continue;
      await d.store.delete(x.key);
      pruned++;
    }
    if (pruned) report.pruned[id] = pruned;
  }
  return report;
}
