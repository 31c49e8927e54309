import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { acceptHighlight, acceptOptionsFrom } from '../../shared/clips/accept-highlight.ts';
import { listAll } from '../../shared/storage/object-store.ts';
import { startTestRuntime, waitFor, type TestRuntime } from '../helpers/test-runtime.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
let t: TestRuntime;

before(async () => {
  t = await startTestRuntime();
  await t.client.request('POST', '/v1/streams', { id: 'res', source: { type: 'testsrc', width: 320, height: 180, fps: 15 }, segmentSec: 1, retentionSec: 120 });
  await waitFor('7 segments', async () => (await t.client.request('GET', '/v1/streams/res')).body.available?.segments >= 7, 30_000);
});
after(async () => { await t?.close(); });

/** The clipper in its own process (as a function instance would be), against the same data folder. */
function clipperProcess(jobId: string) {
  return spawn(process.execPath, ['--import', 'tsx', 'local/invoke-function.ts', 'clipper', JSON.stringify({ action: 'clip', jobId }), '--data', t.dataDir], {
    cwd: ROOT, env: { ...process.env, HL_SECRET: t.rt.config.secret, HL_CONCURRENCY: '1', HL_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'],
  });
}

test('a clipper killed mid-fan-out resumes on re-invocation, reusing finished parts, and makes one output', async () => {
  // Accept without the api's async invoke, so the clipper runs only where this test says.
  const { job } = await acceptHighlight(
    { id: 'resume1', streamId: 'res', mode: 'transcode', profile: '1080p', preset: 'fast', parts: 6, at: new Date(Date.now() - 500).toISOString(), before: 6 },
    { ...acceptOptionsFrom(t.rt.config, t.rt.store), source: 'direct' },
  );
  const metas = async () => (await listAll(t.rt.store, `clips/${job.id}/parts/`)).filter((o) => o.key.endsWith('.json'));

  const first = clipperProcess(job.id);
  const exited = new Promise((r) => first.on('exit', r));
  await waitFor('two finished parts', async () => (await metas()).length >= 2, 60_000, 25);
  first.kill('SIGKILL');
  await exited;
  const finishedBefore = await metas();
  assert.ok(finishedBefore.length >= 2 && finishedBefore.length < 6, `${finishedBefore.length} parts finished before the kill`);

  const second = clipperProcess(job.id);
  let out = '';
  second.stdout.on('data', (d) => { out += d; });
  let err = '';
  second.stderr.on('data', (d) => { err += d; });
  const code = await new Promise((r) => second.on('exit', r));
  assert.equal(code, 0, err);
  assert.equal(JSON.parse(out.trim().split('\n').at(-1)!).state, 'succeeded');

  const done = (await t.client.request('GET', `/v1/highlights/${job.id}`)).body;
  assert.equal(done.status, 'succeeded');
  assert.equal(done.result.parts.total, 6);
  assert.ok(done.result.parts.reused >= finishedBefore.length, `reused ${done.result.parts.reused} of ${finishedBefore.length} finished`);
  assert.equal(done.result.parts.encoded, 6 - done.result.parts.reused);
  const keys = (await listAll(t.rt.store, `clips/${job.id}/`)).map((o) => o.key);
  assert.deepEqual(keys.filter((k) => k.endsWith('.mp4')), [`clips/${job.id}/${job.id}.mp4`], 'exactly one output');
  assert.ok(!keys.some((k) => k.includes('/parts/')), 'parts deleted after the output was written');
});
