import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadManifest } from '../../local/serverless-manifest.ts';
import { AppError } from '../../shared/domain/app-error.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const MANIFEST = path.join(ROOT, 'serverless.yml');

test('serverless.yml declares the four functions', async () => {
  const m = await loadManifest(MANIFEST);
  assert.deepEqual(m.functions.map((f) => f.name).sort(), ['api', 'clipper', 'segmenter', 'transcoder']);
  const byName = Object.fromEntries(m.functions.map((f) => [f.name, f]));
  for (const f of m.functions) {
    assert.equal(f.handler, 'index.main_handler', f.name);
    assert.equal(f.src, path.join(ROOT, 'functions', f.name), f.name);
    assert.ok(f.timeoutSec > 0 && f.memoryMb > 0, f.name);
  }
  assert.equal(byName.segmenter!.asyncRun, true);
  assert.equal(byName.clipper!.asyncRun, true);
  assert.equal(byName.api!.asyncRun, false);
  assert.equal(byName.transcoder!.asyncRun, false);
  assert.equal(byName.api!.timeoutSec, 30);
  assert.equal(byName.api!.memoryMb, 256);
});

test('serverless.yml wires the triggers', async () => {
  const m = await loadManifest(MANIFEST);
  const by = (type: string) => m.triggers.filter((t) => t.type === type);
  assert.equal(m.triggers.length, 3);
  assert.deepEqual(by('apigw').map((t) => t.function), ['api']);
  assert.deepEqual(by('cos').map((t) => t.function), ['clipper']);
  assert.deepEqual(by('timer').map((t) => t.function), ['segmenter']);
  const cos = by('cos')[0]!;
  assert.equal((cos.parameters.filter as { prefix?: string }).prefix, 'triggers/highlights/');
  const timer = by('timer')[0]!;
  assert.equal(timer.parameters.cronExpression, '*/10 * * * * * *');
  assert.deepEqual(JSON.parse(String(timer.parameters.argument)), { task: 'watchdog' });
});

async function withTempManifest(yaml: string, fn: (file: string) => Promise<void>) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'hl-manifest-'));
  try {
    const file = path.join(dir, 'serverless.yml');
    await writeFile(file, yaml);
    await fn(file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('a manifest naming an unknown function throws', async () => {
  await withTempManifest(['inputs:', '  functions:', '    api:', '      handler: index.main_handler', '    mailer:', '      handler: index.main_handler', ''].join('\n'),
    async (file) => {
      await assert.rejects(loadManifest(file), (err: unknown) => err instanceof AppError && err.code === 'BAD_REQUEST' && /mailer/.test(err.message));
    });
});

test('a trigger for a function that is not declared throws', async () => {
  await withTempManifest(['inputs:', '  functions:', '    api: {}', '  triggers:', '    - type: timer', '      function: segmenter', '      parameters: {}', ''].join('\n'),
    async (file) => {
      await assert.rejects(loadManifest(file), (err: unknown) => err instanceof AppError && err.code === 'BAD_REQUEST' && /segmenter/.test(err.message));
    });
});

test('missing inputs or functions throws; defaults fill in', async () => {
  await withTempManifest('app: x\n', async (file) => {
    await assert.rejects(loadManifest(file), (err: unknown) => err instanceof AppError && err.code === 'BAD_REQUEST');
  });
  await withTempManifest('inputs:\n  timeout: 60\n', async (file) => {
    await assert.rejects(loadManifest(file), (err: unknown) => err instanceof AppError && err.code === 'BAD_REQUEST');
  });
  await withTempManifest('inputs:\n  timeout: 45\n  memorySize: 128\n  functions:\n    clipper: {}\n', async (file) => {
    const m = await loadManifest(file);
    assert.deepEqual(m.functions, [{
      name: 'clipper', src: path.join(path.dirname(file), 'functions', 'clipper'), handler: 'index.main_handler',
      timeoutSec: 45, memoryMb: 128, asyncRun: false,
    }]);
    assert.deepEqual(m.triggers, []);
  });
});
