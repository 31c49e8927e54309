/*
 * Timer triggers carrying tasks, through the segmenter exactly as SCF's timer would call it: a
 * scheduled start ("start recording match M at T"), a scheduled clip ("every 10 minutes clip the
 * last N s of stream X"), a scheduled stop, and a malformed argument that starts nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { makeTimerEvent } from '../../shared/triggers/timer-event.ts';
import { snapshotStore, startTestRuntime, waitFor, type TestRuntime } from '../helpers/test-runtime.ts';

let t: TestRuntime;
const tick = (name: string, task: unknown, at = new Date()) => t.rt.deps.invoker.invokeSync<any>('segmenter', makeTimerEvent(name, JSON.stringify(task), at));

describe('scheduled tasks from timer triggers', () => {
  before(async () => { t = await startTestRuntime({}, { services: { timers: false } }); });
  after(async () => { await t?.close(); });

  it('starts a recording, clips it on schedule (once per tick), and stops it', async () => {
    const stream = { id: 'match7', source: { type: 'testsrc', width: 320, height: 180, fps: 15 }, segmentSec: 1, retentionSec: 60 };
    const started = await tick('match7-start', { task: 'record', stream });
    assert.deepEqual(started, { streamId: 'match7', started: true });
    assert.equal((await tick('match7-start', { task: 'record', stream })).started, false, 'a second tick does not restart a live recording');
    await waitFor('4 segments', async () => (await t.client.request('GET', '/v1/streams/match7')).body.available?.segments >= 4, 30_000);

    const at = new Date();
    const first = await tick('every10min', { task: 'clip', highlight: { streamId: 'match7', before: 2 } }, at);
    assert.equal(first.created, true);
    assert.match(first.jobId, /^sched-every10min-\d{8}T\d{6}Z$/);
    const again = await tick('every10min', { task: 'clip', highlight: { streamId: 'match7', before: 2 } }, at);
    assert.deepEqual(again, { jobId: first.jobId, created: false }, 'a repeated delivery of the same tick makes no second job');
    const done = await t.client.waitForHighlight(first.jobId, { timeoutMs: 30_000 });
    assert.equal(done.status, 'succeeded', JSON.stringify(done.error));
    assert.equal(done.source, 'schedule');

    assert.deepEqual(await tick('match7-stop', { task: 'stop', streamId: 'match7' }), { streamId: 'match7', stopping: true });
    await waitFor('stopped', async () => (await t.client.request('GET', '/v1/streams/match7')).body.state === 'stopped', 15_000);
  });

  it('refuses a malformed task with the reason and starts nothing', async () => {
    const before = await snapshotStore(t);
    for (const task of [{ task: 'clip' }, { task: 'record', stream: { id: 'x', source: { type: 'url', url: 'file:///etc/passwd' } } }, { task: 'nope' }]) {
      await assert.rejects(tick('bad', task), (err: Error & { code?: string }) => /VALIDATION_FAILED|URL_NOT_ALLOWED/.test(err.code ?? '') && err.message.length > 10);
    }
    await assert.rejects(t.rt.deps.invoker.invokeSync('segmenter', makeTimerEvent('bad', 'not json')), /not JSON/);
    assert.deepEqual(await snapshotStore(t), before);
  });
});
