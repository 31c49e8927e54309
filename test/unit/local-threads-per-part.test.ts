import assert from 'node:assert/strict';
import os from 'node:os';
import { test } from 'node:test';
import { localThreadsPerPart } from '../../shared/clips/transcode-fan-out.ts';

const cpus = os.availableParallelism?.() ?? os.cpus().length;

test('one part at a time, or long parts, leave threads to x264; short parts side by side share the cores', () => {
  const t = localThreadsPerPart(2, {});
  assert.equal(t(1, 60), 0, 'a single part has the machine');
  assert.equal(t(15, 450), 0, 'long parts: x264 frame threads pay off');
  assert.equal(t(15, 60), Math.max(1, Math.floor(cpus / 2)), 'short parts, two at once');
  assert.equal(localThreadsPerPart(1, {})(15, 60), 0, 'concurrency 1: one part at a time');
});

test('HL_PART_THREADS fixes the count', () => {
  assert.equal(localThreadsPerPart(2, { HL_PART_THREADS: '3' })(15, 60), 3);
  assert.equal(localThreadsPerPart(2, { HL_PART_THREADS: '0' })(15, 60), 0);
});
