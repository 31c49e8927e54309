import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeTimerEvent } from '../../shared/triggers/timer-event.ts';
import { parseTimerTask, scheduledClipId } from '../../shared/triggers/timer-task.ts';

const ev = (msg: string, name = 'every10min') => makeTimerEvent(name, msg, new Date('2026-11-28T10:20:00Z'));

test('an empty argument or {"task":"watchdog"} is the watchdog pass', () => {
  assert.deepEqual(parseTimerTask(ev('')), { task: 'watchdog' });
  assert.deepEqual(parseTimerTask(ev('{"task":"watchdog"}')), { task: 'watchdog' });
});

test('scheduled clip, start and stop tasks parse', () => {
  assert.deepEqual(parseTimerTask(ev('{"task":"clip","highlight":{"streamId":"match1","before":60}}')), { task: 'clip', highlight: { streamId: 'match1', before: 60 } });
  assert.equal(parseTimerTask(ev('{"task":"record","stream":{"id":"m","source":{"type":"url","url":"rtmp://h/live/m"}}}')).task, 'record');
  assert.deepEqual(parseTimerTask(ev('{"task":"stop","streamId":"m"}')), { task: 'stop', streamId: 'm' });
});

test('malformed arguments are refused with the reason, naming the trigger', () => {
  for (const [msg, reason] of [
    ['not json', /not JSON/],
    ['{"task":"explode"}', /task/],
    ['{"task":"stop"}', /streamId/],
    ['{"task":"stop","streamId":"../x"}', /streamId/],
    ['{"task":"watchdog","extra":1}', /extra|Unrecognized/i],
  ] as const) {
    assert.throws(() => parseTimerTask(ev(msg, 'nightly')), (err: Error & { code?: string }) => err.code === 'VALIDATION_FAILED' && /nightly/.test(err.message) && reason.test(err.message), msg);
  }
});

test('a scheduled clip id is one per trigger and tick, and a valid id', () => {
  const a = scheduledClipId(ev('', 'every 10 min!'));
  assert.equal(a, 'sched-every_10_min_-20261128T102000Z');
  assert.match(a, /^[A-Za-z0-9_-]{1,128}$/);
  assert.equal(scheduledClipId(ev('', 'every 10 min!')), a);
});
