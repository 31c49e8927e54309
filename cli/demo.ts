import { parseArgs } from 'node:util';
import { startLocalRuntime } from '../local/local-runtime.ts';
import { createLogger } from '../shared/log/logger.ts';
import { ApiClient } from './api-client.ts';
import { bar, createProgress } from './progress.ts';

/**
 * `npm run demo`: start the local runtime, record a generated 1280x720@30 game stream with audio
 * and a burnt-in clock, fire a highlight for the last 20 s through the signed API as a game server
 * would, wait for the MP4, print where it is.
 */
const { values: v } = parseArgs({
  args: process.argv.slice(2),
  options: {
    json: { type: 'boolean', default: false },
    verbose: { type: 'boolean', default: false },
    'record-sec': { type: 'string', default: '25' },
    before: { type: 'string', default: '20' },
    size: { type: 'string', default: '1280x720' },
    fps: { type: 'string', default: '30' },
    data: { type: 'string' },
  },
});
const recordSec = Number(v['record-sec']);
const before = Number(v.before);
const [width, height] = String(v.size).split('x').map(Number);
const progress = createProgress(true);

const rt = await startLocalRuntime({
  port: 0,
  dataDir: v.data ?? process.env.HL_DATA_DIR,
  log: createLogger({ level: v.verbose ? 'info' : 'warn' }),
});
const client = new ApiClient(rt.url, rt.config.secret);
const streamId = `demo-${new Date().toISOString().replace(/[-:.TZ]/g, '').slice(0, 14)}`;
let exitCode = 0;
try {
  progress.done(`local runtime on ${rt.url}, data in ${rt.config.dataDir}`);
  await client.request('POST', '/v1/streams', { id: streamId, source: { type: 'testsrc', width, height, fps: Number(v.fps), audio: true, clock: true } });
  const recStart = Date.now();
  while (Date.now() - recStart < recordSec * 1000) {
    await new Promise((r) => setTimeout(r, 1000));
    const { body: s } = await client.request('GET', `/v1/streams/${streamId}`);
    if (s.state === 'failed') throw new Error(`recorder failed: ${s.error?.message}`);
    progress.update(`recording ${streamId} ${width}x${height}@${v.fps}: ${Math.round((Date.now() - recStart) / 1000)}/${recordSec}s, ${s.available?.segments ?? 0} segments`);
  }
  progress.done(`recorded ${recordSec}s of ${streamId}`);

  // The game server's call: "the last 20 seconds were great".
  const trigger = Date.now();
  const { body: accepted } = await client.request('POST', '/v1/highlights', { streamId, at: new Date(trigger).toISOString(), before, after: 0 });
  const job = await client.waitForHighlight(accepted.id, {
    intervalMs: 100,
    onProgress: (j) => progress.update(`highlight ${j.id}: ${j.status} ${j.progress.phase} ${bar(j.progress.done, j.progress.total)}`),
  });
  const triggerToReadyMs = Date.now() - trigger;
  progress.done();
  if (job.status !== 'succeeded') throw new Error(`highlight failed: ${job.error?.code}: ${job.error?.message}`);

  const clipPath = rt.store.pathOf(job.result.key);
  const posterPath = rt.store.pathOf(job.result.posterKey);
  const summary = {
    clipPath, posterPath,
    clipUrl: job.result.url,
    requested: { start: job.requested.start, end: job.requested.end },
    actual: job.result.actual,
    durationSec: job.result.durationSec,
    mode: job.mode,
    triggerToReadyMs,
    timings: job.result.timings,
    sizeBytes: job.result.sizeBytes,
    streamId, highlightId: job.id,
  };
  if (v.json) console.log(JSON.stringify(summary));
  else {
    console.log(`MP4:      ${clipPath}`);
    console.log(`poster:   ${posterPath}`);
    console.log(`asked:    ${summary.requested.start} → ${summary.requested.end} (${before}s)`);
    console.log(`got:      ${summary.actual.start} → ${summary.actual.end} (${summary.durationSec.toFixed(3)}s, ${(summary.sizeBytes / 1e6).toFixed(2)} MB, mode ${summary.mode})`);
    console.log(`trigger → MP4 ready: ${triggerToReadyMs} ms (waiting for the segment holding the end: ${job.result.timings.waitMs} ms; fetch + join + poster + publish: ${job.result.timings.processMs} ms)`);
  }
} catch (err) {
  progress.done();
  console.error(`demo failed: ${(err as Error).message}`);
  exitCode = 1;
} finally {
  await client.request('DELETE', `/v1/streams/${streamId}`).catch(() => {});
  const stopBy = Date.now() + 10_000;
  while (Date.now() < stopBy) {
    const s = await client.request('GET', `/v1/streams/${streamId}`).then((r) => r.body.state, () => 'gone');
    if (s !== 'recording' && s !== 'stopping' && s !== 'starting') break;
    await new Promise((r) => setTimeout(r, 200));
  }
  await rt.stop();
}
process.exit(exitCode);
