/*
 * Recording survives a restart of the local runtime: a recorder interrupted by shutdown releases its
 * lease but keeps the stream meant to record, and the next runtime's watchdog continues it after a
 * marked gap (a stop is only ever a stop request).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { ApiClient } from '../../cli/api-client.ts';
import { startLocalRuntime, type LocalRuntime } from '../../local/local-runtime.ts';
import { parsePlaylist } from '../../shared/media/hls-playlist.ts';
import { createLogger } from '../../shared/log/logger.ts';
import { waitFor } from '../helpers/test-runtime.ts';

let dataDir: string;
const runtimes: LocalRuntime[] = [];
const start = async (timers: boolean) => {
  const rt = await startLocalRuntime({
    dataDir, port: 0, host: '127.0.0.1', watchMs: 200, services: { timers, triggers: false },
    config: { secret: 'restart-secret', heartbeatTtlSec: 3 }, log: createLogger({ level: 'silent' }),
  });
  runtimes.push(rt);
  return { rt, client: new ApiClient(rt.url, 'restart-secret') };
};

describe('a runtime restart does not end recordings', () => {
  after(async () => {
    for (const rt of runtimes) await rt.stop().catch(() => {});
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('the next runtime watchdog continues a stream the last one was recording', async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'hl-restart-'));
    const first = await start(false);
    await first.client.request('POST', '/v1/streams', { id: 'marathon', source: { type: 'testsrc', width: 160, height: 90, fps: 15, clock: false }, segmentSec: 1, retentionSec: 120 });
    await waitFor('3 segments', async () => (await first.client.request('GET', '/v1/streams/marathon')).body.segmentCount >= 3, 20_000, 200);
    await first.rt.stop();
    const released = JSON.parse((await first.rt.store.get('streams/marathon/stream.json')).toString());
    assert.equal(released.state, 'recording', 'still meant to record');
    assert.equal(released.owner, undefined, 'the lease is released');
    const before = parsePlaylist((await first.rt.store.get('streams/marathon/index.m3u8')).toString()).segments.length;

    const second = await start(true);
    const resumed = await waitFor('the watchdog to continue it', async () => {
      const p = parsePlaylist((await second.rt.store.get('streams/marathon/index.m3u8')).toString());
      return p.segments.length >= before + 2 ? p : null;
    }, 30_000, 300);
    assert.equal(resumed.segments[before]!.discontinuity, true, 'the gap is marked');
    const s = (await second.client.request('GET', '/v1/streams/marathon')).body;
    assert.equal(s.state, 'recording');
    assert.ok(s.restarts >= 1);
    await second.client.request('DELETE', '/v1/streams/marathon');
    await waitFor('stopped', async () => (await second.client.request('GET', '/v1/streams/marathon')).body.state === 'stopped', 15_000, 200);
  });
});
