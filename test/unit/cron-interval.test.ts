import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cronIntervalMs } from '../../local/cron-interval.ts';
import { AppError } from '../../shared/domain/app-error.ts';

test('every N seconds (7 fields)', () => {
  assert.equal(cronIntervalMs('*/10 * * * * * *'), 10_000);
  assert.equal(cronIntervalMs('*/1 * * * * * *'), 1_000);
  assert.equal(cronIntervalMs('* * * * * * *'), 1_000);
  assert.equal(cronIntervalMs('  */30 * * * * * *  '), 30_000);
});

test('every N minutes (7 and 5 fields)', () => {
  assert.equal(cronIntervalMs('0 */5 * * * * *'), 300_000);
  assert.equal(cronIntervalMs('*/2 * * * *'), 120_000);
  assert.equal(cronIntervalMs('* * * * *'), 60_000);
});

test('every N hours', () => {
  assert.equal(cronIntervalMs('0 0 */3 * * * *'), 3 * 3_600_000);
  assert.equal(cronIntervalMs('0 */2 * * *'), 2 * 3_600_000);
});

test('"?" counts as any in the remaining fields', () => {
  assert.equal(cronIntervalMs('0 */5 * * * ? *'), 300_000);
});

test('non-periodic or malformed expressions throw', () => {
  for (const expr of ['0 30 9 * * * *', '30 9 * * *', '0 0 9 * * 1 *', '*/10 * * 1 * * *', '0 */5 9 * * * *', 'every 10s', '', '*/x * * * * * *', '*/10 * *']) {
    assert.throws(() => cronIntervalMs(expr), (err: unknown) => err instanceof AppError && err.code === 'BAD_REQUEST', JSON.stringify(expr));
  }
});
