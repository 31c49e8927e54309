import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { probeMedia } from '../../shared/media/probe-media.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

test('npm run demo -- --json prints the summary the README promises (short, low-resolution run)', async () => {
  const data = await mkdtemp(path.join(os.tmpdir(), 'hl-demo-'));
  try {
    const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, ['--import', 'tsx', 'cli/demo.ts', '--json', '--record-sec', '6', '--before', '4', '--size', '320x180', '--fps', '15', '--data', data],
        { cwd: ROOT, encoding: 'utf8', env: { ...process.env, HL_SECRET: '' }, timeout: 90_000 },
        (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
    });
    assert.equal(code, 0, stderr);
    const last = stdout.trim().split('\n').at(-1)!;
    const s = JSON.parse(last);
    assert.equal(s.mode, 'copy');
    assert.ok(path.isAbsolute(s.clipPath) && s.clipPath.startsWith(data) && existsSync(s.clipPath));
    assert.ok(path.isAbsolute(s.posterPath) && existsSync(s.posterPath));
    for (const k of ['start', 'end']) {
      assert.ok(!Number.isNaN(Date.parse(s.requested[k])), `requested.${k}`);
      assert.ok(!Number.isNaN(Date.parse(s.actual[k])), `actual.${k}`);
    }
    assert.equal(Date.parse(s.requested.end) - Date.parse(s.requested.start), 4000);
    assert.ok(typeof s.triggerToReadyMs === 'number' && s.triggerToReadyMs > 0);
    const info = await probeMedia(s.clipPath);
    assert.ok(Math.abs(info.durationSec - s.durationSec) < 0.01, 'durationSec is the probed duration');
    // Copy mode starts at the keyframe at or before the start (up to a 2 s segment early) and keeps
    // the last frame's and audio packet's length past the end: 0.1 s covers that (6.037 s was seen).
    assert.ok(s.durationSec >= 4 - 0.1 && s.durationSec <= 4 + 2 + 0.1, `durationSec ${s.durationSec} within one 2 s segment (+0.1 s) of 4`);
    // Progress went to stderr, not stdout: the JSON line is the whole of stdout.
    assert.equal(stdout.trim().split('\n').length, 1);
    assert.match(stderr, /recording demo-/);
  } finally {
    await rm(data, { recursive: true, force: true });
  }
});
