import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isTimerEvent, makeTimerEvent } from '../../shared/triggers/timer-event.ts';

test('makeTimerEvent gives the SCF timer shape with Time in whole seconds', () => {
  const e = makeTimerEvent('watchdog', '{"task":"watchdog"}', new Date('2026-11-28T07:30:00.789Z'));
  assert.deepEqual(e, { Type: 'Timer', TriggerName: 'watchdog', Time: '2026-11-28T07:30:00Z', Message: '{"task":"watchdog"}' });
  assert.equal(makeTimerEvent('t', '', new Date('2026-11-28T07:30:00.000Z')).Time, '2026-11-28T07:30:00Z');
  assert.equal(Date.parse(e.Time), Date.parse('2026-11-28T07:30:00Z'));
});

test('makeTimerEvent defaults: empty message, current time', () => {
  const before = Math.floor(Date.now() / 1000) * 1000;
  const e = makeTimerEvent('watchdog');
  const after = Date.now();
  assert.equal(e.Message, '');
  assert.match(e.Time, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
  const t = Date.parse(e.Time);
  assert.ok(t >= before && t <= after, e.Time);
});

test('isTimerEvent', () => {
  assert.equal(isTimerEvent(makeTimerEvent('x')), true);
  assert.equal(isTimerEvent({ Type: 'Timer', TriggerName: 'x', Time: '' }), true);
  assert.equal(isTimerEvent({ Type: 'timer' }), false);
  assert.equal(isTimerEvent({ httpMethod: 'GET', path: '/' }), false);
  assert.equal(isTimerEvent({ Records: [] }), false);
  assert.equal(isTimerEvent(null), false);
  assert.equal(isTimerEvent(undefined), false);
});
