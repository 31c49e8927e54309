import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { verifyRequest, ReplayGuard } from '../../shared/auth/request-signature.ts';
import { probeMedia } from '../../shared/media/probe-media.ts';
import { runFfmpeg } from '../../shared/media/run-ffmpeg.ts';
import { listAll } from '../../shared/storage/object-store.ts';
import { parsePlaylist } from '../../shared/media/hls-playlist.ts';
import { decodeErrors } from '../helpers/media-checks.ts';
import { snapshotStore, startTestRuntime, waitFor, type TestRuntime } from '../helpers/test-runtime.ts';

const STREAM = 'modes';
const ROOT = path.resolve(import.meta.dirname, '../..');
const FPS = 15;
let t: TestRuntime;

/** Decoded audio samples per channel (48 kHz): a gap at a joint would show as missing samples. */
async function audioSamples(file: string): Promise<number> {
  const { stderr } = await runFfmpeg(['-hide_banner', '-i', file, '-map', '0:a:0', '-f', 's16le', '-ac', '1', '-ar', '48000', '-y', '/dev/null']);
  const m = /size=\s*(\d+)kB/.exec(stderr.split('\n').filter((l) => l.includes('size=')).at(-1) ?? '');
  assert.ok(m, stderr);
  return (Number(m[1]) * 1024) / 2;
}

async function clip(body: Record<string, unknown>) {
  const { status, body: job } = await t.client.request('POST', '/v1/highlights', body);
  const done = await t.client.waitForHighlight(job.id, { timeoutMs: 90_000 });
  return { status, accepted: job, done };
}

describe('clip modes: precise, transcode (fan-out), preview, cancel, callback', () => {
  before(async () => {
    t = await startTestRuntime();
    await t.client.request('POST', '/v1/streams', { id: STREAM, source: { type: 'testsrc', width: 320, height: 180, fps: FPS }, segmentSec: 1, retentionSec: 120 });
    await waitFor('6 segments', async () => (await t.client.request('GET', `/v1/streams/${STREAM}`)).body.available?.segments >= 6, 30_000);
  });
  after(async () => { await t?.close(); });

  it('precise: the clip spans exactly the asked window (±1 frame), cutting mid-GOP, with clean audio', async () => {
    const at = new Date(Date.now() - 1230);
    const { done, accepted } = await clip({ streamId: STREAM, mode: 'precise', at: at.toISOString(), before: 2.5 });
    assert.equal(done.status, 'succeeded', JSON.stringify(done.error));
    assert.equal(done.result.method, 'smart-cut', done.result.methodReason);
    assert.equal(done.result.actual.start, accepted.requested.start, 'starts at the asked instant, not the keyframe before');
    assert.equal(done.result.actual.end, accepted.requested.end);
    const file = t.rt.store.pathOf(done.result.key);
    const info = await probeMedia(file);
    assert.ok(Math.abs(info.durationSec - 2.5) <= 1 / FPS + 0.001, `duration ${info.durationSec} vs 2.5`);
    assert.equal(await decodeErrors(file), '');
    const samples = await audioSamples(file);
    assert.ok(Math.abs(samples / 48000 - 2.5) < 0.05, `audio lasts ${samples / 48000}s`);
  });

  it('transcode: K=3 parts through the transcoder function join into the profile\'s size, exact duration, continuous audio', async () => {
    const { done } = await clip({ streamId: STREAM, mode: 'transcode', profile: '720p', preset: 'ultrafast', parts: 3, at: new Date(Date.now() - 500).toISOString(), before: 3 });
    assert.equal(done.status, 'succeeded', JSON.stringify(done.error));
    assert.equal(done.result.method, 'fan-out');
    assert.equal(done.result.parts.total, 3);
    assert.equal(done.result.parts.encoded, 3);
    assert.equal(done.result.parts.encodeMs.length, 3);
    assert.deepEqual(done.progress, { phase: 'done', done: 3, total: 3 });
    const file = t.rt.store.pathOf(done.result.key);
    const info = await probeMedia(file);
    assert.equal(info.video?.width, 1280);
    assert.equal(info.video?.height, 720);
    assert.ok(Math.abs(info.video!.fps - FPS) < 0.01, `fps ${info.video?.fps}`);
    assert.ok(Math.abs(info.durationSec - 3) <= 1 / FPS + 0.001, `duration ${info.durationSec}`);
    assert.equal(await decodeErrors(file), '');
    const samples = await audioSamples(file);
    assert.ok(Math.abs(samples / 48000 - 3) < 0.05, `audio lasts ${samples / 48000}s: no gaps at part joints`);
    assert.deepEqual(await listAll(t.rt.store, `clips/${done.id}/parts/`), [], 'parts are deleted once the output is written');
  });

  it('transcode: the vertical profile makes 1080x1920, by centre crop or over a blurred fill', async () => {
    for (const fit of ['crop', 'blur']) {
      const { done } = await clip({ streamId: STREAM, mode: 'transcode', profile: 'vertical', fit, preset: 'ultrafast', parts: 2, before: 2 });
      assert.equal(done.status, 'succeeded', `${fit}: ${JSON.stringify(done.error)}`);
      const info = await probeMedia(t.rt.store.pathOf(done.result.key));
      assert.deepEqual([info.video?.width, info.video?.height], [1080, 1920], fit);
      assert.equal(await decodeErrors(t.rt.store.pathOf(done.result.key)), '');
    }
  });

  it('gives an instant HLS preview at acceptance that plays, then turns into a complete VOD playlist', async () => {
    // 1 s segments and 3 s of pre-roll: the two segments ending at least 1 s before "now" are
    // published even when the machine is loaded (the one ending just before "now" may still be uploading).
    const { status, body: job } = await t.client.request('POST', '/v1/highlights', { streamId: STREAM, before: 3, after: 2 });
    assert.equal(status, 202);
    assert.equal(job.preview.type, 'hls');
    const first = await fetch(job.preview.url);
    assert.equal(first.status, 200);
    const early = parsePlaylist(await first.text());
    assert.ok(early.segments.length >= 2, `the recorded part of the window is there at once: ${early.segments.length} segments`);
    assert.equal(early.ended, false, 'still growing while post-roll is recorded');
    const done = await t.client.waitForHighlight(job.id);
    assert.equal(done.status, 'succeeded');
    const late = parsePlaylist(await (await fetch(job.preview.url)).text());
    assert.equal(late.ended, true);
    assert.equal(late.playlistType, 'VOD');
    const { stderr } = await runFfmpeg(['-v', 'error', '-i', job.preview.url, '-f', 'null', '-']);
    assert.equal(stderr.trim(), '', 'the preview plays');
  });

  it('cancels a running highlight: no MP4, parts removed, state cancelled', async () => {
    const { body: job } = await t.client.request('POST', '/v1/highlights', { streamId: STREAM, mode: 'transcode', profile: '1080p', preset: 'medium', parts: 1, before: 4, after: 3 });
    await waitFor('running', async () => (await t.client.request('GET', `/v1/highlights/${job.id}`)).body.status === 'running', 10_000, 50);
    const { status, body } = await t.client.request('DELETE', `/v1/highlights/${job.id}`);
    assert.equal(status, 202);
    assert.equal(body.status, 'cancelled');
    await new Promise((r) => setTimeout(r, 500));
    const after = (await t.client.request('GET', `/v1/highlights/${job.id}`)).body;
    assert.equal(after.status, 'cancelled');
    assert.equal(after.result, undefined);
    const keys = (await listAll(t.rt.store, `clips/${job.id}/`)).map((o) => o.key);
    assert.ok(!keys.some((k) => k.endsWith('.mp4')), `no output: ${keys}`);
    const again = await t.client.request('DELETE', `/v1/highlights/${job.id}`);
    assert.equal(again.status, 200, 'cancelling a finished job changes nothing');
  });

  it('POSTs a signed callback when the job ends, retrying after a failure', async () => {
    const received: Array<{ status: number; headers: http.IncomingHttpHeaders; body: string; path: string }> = [];
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => { body += c; });
      req.on('end', () => {
        const status = received.length === 0 ? 503 : 200;
        received.push({ status, headers: req.headers, body, path: req.url ?? '' });
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/highlight`;
      const { done } = await clip({ streamId: STREAM, before: 2, callbackUrl: url });
      assert.equal(done.status, 'succeeded');
      const final = await waitFor('callback recorded', async () => {
        const j = (await t.client.request('GET', `/v1/highlights/${done.id}`)).body;
        return j.callback && j;
      }, 15_000);
      assert.deepEqual({ delivered: final.callback.delivered, attempts: final.callback.attempts, lastStatus: final.callback.lastStatus }, { delivered: true, attempts: 2, lastStatus: 200 });
      assert.equal(received.length, 2);
      const last = received[1]!;
      const payload = JSON.parse(last.body);
      assert.equal(payload.highlight.id, done.id);
      assert.equal(payload.highlight.status, 'succeeded');
      assert.equal(payload.highlight.result.url, done.result.url);
      const headers = Object.fromEntries(Object.entries(last.headers).map(([k, v]) => [k, String(v)]));
      verifyRequest({ secret: t.rt.config.secret, method: 'POST', path: '/hooks/highlight', body: last.body, headers, toleranceSec: 300, replay: new ReplayGuard(60_000) });
      assert.throws(() => verifyRequest({ secret: 'other', method: 'POST', path: '/hooks/highlight', body: last.body, headers, toleranceSec: 300, replay: new ReplayGuard(60_000) }));
    } finally {
      server.close();
    }
  });

  it('runs the modes from the CLI and from the triggers/highlights/ inbox too', async () => {
    const env = { ...process.env, HL_SECRET: t.rt.config.secret };
    const cli = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, ['--import', 'tsx', 'cli/main.ts', 'clip', '--stream', STREAM, '--mode', 'precise', '--before', '2', '--wait', '--json', '--url', t.rt.url],
        { cwd: ROOT, env, encoding: 'utf8' }, (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
    });
    assert.equal(cli.code, 0, cli.stderr);
    const viaCli = JSON.parse(cli.stdout.trim().split('\n').at(-1)!);
    assert.equal(viaCli.result.method, 'smart-cut');

    await t.rt.store.put('triggers/highlights/vertical.json', JSON.stringify({ streamId: STREAM, mode: 'transcode', profile: 'source', preset: 'ultrafast', parts: 2, before: 2 }));
    const r = await waitFor('trigger result', async () => (await t.rt.store.head('triggers/results/vertical.json')) && JSON.parse((await t.rt.store.get('triggers/results/vertical.json')).toString()), 20_000);
    const viaTrigger = await t.client.waitForHighlight(r.id, { timeoutMs: 60_000 });
    assert.equal(viaTrigger.status, 'succeeded', JSON.stringify(viaTrigger.error));
    assert.equal(viaTrigger.result.method, 'fan-out');
    assert.equal(viaTrigger.result.parts.total, 2);
  });

  it('refuses bad clip options with 422 and writes nothing', async () => {
    const snap = await snapshotStore(t);
    const bad: Array<[Record<string, unknown>, string]> = [
      [{ streamId: STREAM, mode: 'transcode', profile: '4k' }, 'VALIDATION_FAILED'],
      [{ streamId: STREAM, mode: 'transcode', crf: 60 }, 'VALIDATION_FAILED'],
      [{ streamId: STREAM, mode: 'transcode', preset: 'placebo' }, 'VALIDATION_FAILED'],
      [{ streamId: STREAM, mode: 'transcode', profile: '720p', fit: 'crop' }, 'VALIDATION_FAILED'],
      [{ streamId: STREAM, mode: 'copy', profile: '720p' }, 'VALIDATION_FAILED'],
      [{ streamId: STREAM, mode: 'sideways' }, 'VALIDATION_FAILED'],
      [{ streamId: STREAM, callbackUrl: 'file:///etc/passwd' }, 'URL_NOT_ALLOWED'],
      [{ streamId: STREAM, callbackUrl: 'ftp://example.com/x' }, 'URL_NOT_ALLOWED'],
    ];
    for (const [body, code] of bad) {
      const res = await fetch(t.rt.url + '/v1/highlights', { method: 'POST', body: JSON.stringify(body), headers: (await import('../../shared/auth/request-signature.ts')).signedHeaders(t.rt.config.secret, 'POST', '/v1/highlights', JSON.stringify(body)) });
      const json = (await res.json()) as { error: { code: string } };
      assert.equal(res.status, 422, JSON.stringify(body));
      assert.equal(json.error.code, code, JSON.stringify(body));
    }
    // Only the live recording changed meanwhile (it keeps writing its own files).
    const outside = (keys: string[]) => keys.filter((k) => !k.startsWith(`streams/${STREAM}/`));
    assert.deepEqual(outside(await snapshotStore(t)), outside(snap));
  });
});
