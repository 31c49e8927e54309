import { spawn } from 'node:child_process';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { acceptHighlight, acceptOptionsFrom } from '../shared/clips/accept-highlight.ts';
import type { ClipJob } from '../shared/domain/schemas.ts';
import { jobKey } from '../shared/domain/store-keys.ts';
import { getJson } from '../shared/storage/object-store.ts';
import type { BenchContext } from './context.ts';
import { newId } from './drive-api.ts';
import { publishRecording, recentT0, type Recording } from './generate-recording.ts';
import { sampleProcess } from './proc-sampler.ts';
import { round } from './stats.ts';

const ROOT = path.resolve(import.meta.dirname, '..');

/**
 * Peak RSS of the clipper making a long copy clip, in its own process: the job is accepted here
 * (acceptHighlight, so the in-process runtime never runs it), then
 * `node --import tsx local/invoke-function.ts clipper {"action":"clip","jobId":…} --data DIR`
 * runs it while /proc/<pid>/status is sampled (VmHWM), and its ffmpeg children separately.
 */
export async function measureMemory(ctx: BenchContext, rec: Recording): Promise<void> {
  const { plan, b, report } = ctx;
  const S = 'memory';
  const pub = await publishRecording(b.rt.store, rec, `${ctx.tag}-mem`, recentT0(rec));
  const start = new Date(pub.segments[1]!.start.getTime());
  const end = new Date(start.getTime() + plan.memClipSec * 1000);
  const id = newId('bmem');
  await acceptHighlight({ id, streamId: pub.streamId, at: end.toISOString(), before: plan.memClipSec, mode: 'copy' }, { ...acceptOptionsFrom(b.rt.config, b.rt.store), source: 'direct' });

  const args = ['--import', 'tsx', 'local/invoke-function.ts', 'clipper', JSON.stringify({ action: 'clip', jobId: id }), '--data', b.rt.store.root];
  ctx.log(`memory: ${plan.memClipSec} s copy clip in a child clipper process: node ${args.map((a) => (a.includes(' ') || a.includes('{') ? `'${a}'` : a)).join(' ')}`);
  const t0 = performance.now();
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HL_SECRET: b.rt.config.secret, HL_LOG_LEVEL: 'warn' } });
  const sampler = sampleProcess(child.pid!, 10);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-4000); });
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  const wallMs = performance.now() - t0;
  const peaks = await sampler.stop();
  const job = await getJson<ClipJob>(b.rt.store, jobKey(id));
  if (code !== 0 || job?.state !== 'succeeded') {
    throw new Error(`child clipper exited ${code}, job ${job?.state}: ${job?.error?.message ?? ''} ${stderr.trim().split('\n').slice(-3).join(' | ')}`);
  }
  const ffmpegs = peaks.children.filter((c) => c.name.startsWith('ffmpeg') || c.name.startsWith('ffprobe'));
  const mb = (kb: number) => round(kb / 1024, 1);
  const top = ffmpegs.reduce((m, c) => (c.vmHwmKb > m.vmHwmKb ? c : m), { pid: 0, name: '-', vmHwmKb: 0, vmRssKb: 0 });
  report.add({ id: 'memory.clipperPeakMB', section: S, label: `clipper node process peak RSS (VmHWM), ${plan.memClipSec} s copy clip`, value: mb(peaks.main.vmHwmKb), unit: 'MB', target: { op: '<=', value: 150 }, note: `child process wall ${round(wallMs / 1000, 2)} s incl. node + tsx start; ${peaks.samples} samples` });
  report.add({ id: 'memory.ffmpegPeakMB', section: S, label: 'largest ffmpeg/ffprobe child peak RSS (separate processes, sampled every 10 ms)', value: ffmpegs.length ? mb(top.vmHwmKb) : null, unit: 'MB', note: `${ffmpegs.length} children seen (${[...new Set(ffmpegs.map((c) => c.name))].join(', ')}); peak children RSS sum ${mb(peaks.maxChildrenRssSumKb)} MB` });
  report.details.memory = {
    recording: { durationSec: rec.durationSec, preset: rec.preset, size: rec.size, bytes: rec.bytes },
    jobId: id, result: { durationSec: job.result?.durationSec, sizeBytes: job.result?.sizeBytes, timings: job.result?.timings },
    command: ['node', ...args.map((a) => a.replace(b.rt.store.root, '<data>'))], wallMs: round(wallMs, 1), childOutput: stdout.trim().slice(0, 500),
    peaks,
  };
}
