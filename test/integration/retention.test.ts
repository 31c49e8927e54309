import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { parsePlaylist, segmentEnd } from '../../shared/media/hls-playlist.ts';
import { previewKey } from '../../shared/clips/preview-playlist.ts';
import { listAll } from '../../shared/storage/object-store.ts';
import { readPlaylist, readStream } from '../../shared/streams/stream-store.ts';
import { runWatchdog } from '../../shared/streams/watchdog.ts';
import { startTestRuntime, waitFor, type TestRuntime } from '../helpers/test-runtime.ts';

let t: TestRuntime;
before(async () => { t = await startTestRuntime(); });
after(async () => { await t?.close(); });

const segKeys = async (id: string) => (await listAll(t.rt.store, `streams/${id}/seg/`)).map((o) => o.key);

test('the playlist slides with retention and expired segments are deleted; the watchdog prunes idle streams', async () => {
  await t.client.request('POST', '/v1/streams', { id: 'short', source: { type: 'testsrc', width: 128, height: 72, fps: 10, audio: false }, segmentSec: 1, retentionSec: 10 });
  await waitFor('3 segments', async () => ((await readStream(t.rt.store, 'short'))?.segmentCount ?? 0) >= 3, 20_000);
  // A clip pins its window: those segments must outlive retention (its preview keeps playing).
  const { body: clip } = await t.client.request('POST', '/v1/highlights', { streamId: 'short', before: 2 });
  assert.equal((await t.client.waitForHighlight(clip.id)).status, 'succeeded');
  const pinned = parsePlaylist((await t.rt.store.get(previewKey(clip.id))).toString()).segments.map((s) => `streams/short/${s.uri.replace('../../streams/short/', '')}`);
  assert.ok(pinned.length >= 2);
  await waitFor('14 segments recorded', async () => ((await readStream(t.rt.store, 'short'))?.segmentCount ?? 0) >= 14, 40_000);
  const p = await readPlaylist(t.rt.store, 'short');
  const state = (await readStream(t.rt.store, 'short'))!;
  assert.ok(p.segments[0]!.seq > 0, 'the window slid: the first sequence number is no longer 0');
  assert.ok(p.segments.length < state.segmentCount, `${p.segments.length} in the playlist of ${state.segmentCount} recorded`);
  const span = (segmentEnd(p.segments.at(-1)!).getTime() - p.segments[0]!.start.getTime()) / 1000;
  assert.ok(span <= 10 + 2.5, `the playlist spans ${span}s for a 10 s retention`);
  // Every segment the playlist names exists; nothing the playlist dropped is left behind
  // (one segment may sit between upload and the playlist naming it).
  const keys = await segKeys('short');
  const named = p.segments.map((s) => `streams/short/${s.uri}`);
  for (const k of named) assert.ok(keys.includes(k), `${k} exists`);
  for (const k of pinned) assert.ok(!named.includes(k) && keys.includes(k), `${k} left the playlist but is pinned, so kept`);
  const stray = keys.filter((k) => !named.includes(k) && !pinned.includes(k));
  assert.ok(stray.length <= 1, `unnamed, unpinned segments: ${stray}`);

  await t.client.request('DELETE', '/v1/streams/short');
  await waitFor('stopped', async () => (await readStream(t.rt.store, 'short'))?.state === 'stopped', 15_000);
  // An idle stream is pruned by the timer's watchdog once its segments age past retention.
  const d = t.rt.deps;
  const report = await runWatchdog({ store: d.store, invoker: d.invoker, log: d.log, heartbeatTtlSec: 8, now: Date.now() + 60_000 });
  assert.ok((report.pruned.short ?? 0) >= 10, JSON.stringify(report));
  assert.deepEqual(await segKeys('short'), pinned, 'only the pinned window is left');
  assert.equal(await t.rt.store.head('streams/short/index.m3u8'), null);
  assert.equal(report.restarted.length, 0, 'a stopped stream is not restarted');
  // Once the pin's grace period is over, the rest goes too.
  await runWatchdog({ store: d.store, invoker: d.invoker, log: d.log, heartbeatTtlSec: 8, now: Date.now() + 2 * 3600_000 });
  assert.deepEqual(await segKeys('short'), []);
});
