import type { Invoker } from '../invoke/invoker.ts';
import type { Logger } from '../log/logger.ts';
import { getJson, putJson, type ObjectStore } from '../storage/object-store.ts';
import { readStream, shouldRecord } from '../streams/stream-store.ts';
import { writeRoomManifest } from './room-manifest.ts';
import { listRecordingFiles, listRecordings, recordingPrefix } from './room-store.ts';

/** A finalisation asked for this recently is still running (or will be retried after this long). */
const RETRY_AFTER_MS = 10 * 60_000;

/**
 * The watchdog's pass over room recordings that are stopping: a stream that stopped without its
 * file (its recorder was aborted before it could join it) gets a segmenter {action:"finalize"}
 * invocation, at most once per RETRY_AFTER_MS; the manifest is rebuilt so a recording whose files
 * are all there becomes "stopped".
 */
export async function finalizeStragglers(d: { store: ObjectStore; invoker: Invoker; log: Logger; now?: number }): Promise<string[]> {
  const now = d.now ?? Date.now();
  const asked: string[] = [];
  const { prefixes } = await d.store.list('rooms/', { delimiter: '/' });
  for (const p of prefixes) {
    const roomId = p.slice('rooms/'.length, -1);
    for (const r of await listRecordings(d.store, roomId)) {
      if (r.state !== 'stopping') continue;
      const done = new Set((await listRecordingFiles(d.store, roomId, r.id)).map((f) => f.streamId));
      for (const s of r.streams) {
        if (done.has(s.streamId)) continue;
        const st = await readStream(d.store, s.streamId);
        if (!st || shouldRecord(st)) continue;
        const marker = `${recordingPrefix(roomId, r.id)}finalizing/${s.streamId}.json`;
        const last = await getJson<{ at: string }>(d.store, marker);
        if (last && now - Date.parse(last.at) < RETRY_AFTER_MS) continue;
        await putJson(d.store, marker, { at: new Date(now).toISOString() });
        await d.invoker.invokeAsync('segmenter', { action: 'finalize', streamId: s.streamId });
        d.log.warn('room.finalize_retry', { roomId, recordingId: r.id, streamId: s.streamId });
        asked.push(s.streamId);
      }
      await writeRoomManifest(d.store, roomId, r.id);
    }
  }
  return asked;
}
