import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { cloudModel } from './cloud-model.ts';
import type { BenchContext } from './context.ts';
import { startBenchRuntime } from './drive-api.ts';
import { ffmpegInfo } from './ffmpeg-util.ts';
import { generateRecording, loadRecording, type Recording } from './generate-recording.ts';
import { measureCopy } from './measure-copy.ts';
import { measureMemory } from './measure-memory.ts';
import { measurePrecise } from './measure-precise.ts';
import { measureRecording } from './measure-recording.ts';
import { measureTranscode } from './measure-transcode.ts';
import { machineInfo, parseOptions, wants, type BenchOptions } from './options.ts';
import { Report } from './report.ts';
import { markdown } from './markdown.ts';
import { round } from './stats.ts';

const BENCH_DIR = import.meta.dirname;

async function source(o: BenchOptions, root: string, name: 'main' | 'mem', report: Report, log: (m: string) => void): Promise<Recording> {
  const p = o.plan;
  const want = name === 'main'
    ? { size: p.size, fps: p.fps, durationSec: p.recordSec, preset: p.mainPreset }
    : { size: p.size, fps: p.fps, durationSec: p.memRecordSec, preset: p.memPreset };
  let rec: Recording;
  if (o.skipGenerate) {
    rec = await loadRecording(root, name, want);
    log(`source ${name}: reusing ${rec.dir} (${rec.segments.length} segments)`);
  } else {
    log(`source ${name}: generating ${want.durationSec} s ${want.size.width}x${want.size.height}@${want.fps} (${want.preset}, 3 Mbps, 2 s GOP) ...`);
    rec = await generateRecording({ root, name, ...want, readFirstFrames: name === 'main' });
  }
  const kbps = Math.round((rec.bytes * 8) / rec.durationSec / 1000);
  report.add({
    id: `source.${name}`, section: 'source', label: `${name === 'main' ? 'main' : 'memory'} recording: ${rec.durationSec} s ${rec.size.width}x${rec.size.height}@${rec.fps}, x264 ${rec.preset}, ${rec.segments.length} TS segments`,
    value: kbps, unit: 'kbit/s', note: o.skipGenerate ? 'reused (--skip-generate)' : `generated in ${round(rec.generateMs / 1000, 1)} s`,
  });
  if (name === 'main') {
    const firsts = rec.segments.map((s) => s.firstFrame);
    const ok = firsts.every((f, i) => f === i * rec.fps * 2);
    report.add({ id: 'source.frameIndex', section: 'source', label: 'frame index readable: segment k starts with frame k × GOP', value: ok, target: { op: '==', value: true }, note: ok ? `${firsts.length} segments` : `read ${firsts.slice(0, 8).join(',')}…` });
  }
  return rec;
}

export async function runBench(): Promise<number> {
  const opts = parseOptions();
  const plan = opts.plan;
  const report = new Report();
  const startedAt = new Date();
  const t0 = performance.now();
  const log = (m: string) => console.log(`[${((performance.now() - t0) / 1000).toFixed(1).padStart(6)} s] ${m}`);
  const dataDir = opts.dataDir ?? (await mkdtemp(path.join(os.tmpdir(), 'hl-bench-data-')));
  await mkdir(dataDir, { recursive: true });
  const work = await mkdtemp(path.join(os.tmpdir(), 'hl-bench-work-'));
  const srcRoot = path.join(dataDir, '.bench-src', opts.quick ? 'quick' : 'full');
  const machine = machineInfo();
  const ffmpeg = await ffmpegInfo();
  log(`bench ${opts.quick ? '(--quick smoke run) ' : ''}data ${dataDir}; ${machine.cpuCount} x ${machine.cpuModel}; load ${machine.loadAvg.join(' ')}; ${ffmpeg.version}`);

  let exit = 0;
  let b: Awaited<ReturnType<typeof startBenchRuntime>> | undefined;
  try {
    const needsMain = ['copy', 'precise', 'transcode', 'model'].some((x) => wants(opts, x));
    const main = needsMain ? await source(opts, srcRoot, 'main', report, log) : undefined;
    const mem = wants(opts, 'memory') ? await source(opts, srcRoot, 'mem', report, log) : undefined;
    b = await startBenchRuntime(dataDir);
    log(`runtime on ${b.rt.url} (concurrency ${b.rt.config.concurrency}, fan-out ${b.rt.config.fanoutConcurrency})`);
    // Sections that read ctx.main run only when needsMain made it.
    const ctx: BenchContext = { opts, plan, b, main: main!, work, tag: 'b' + Date.now().toString(36), report, shared: {}, log };
    const sections: Array<[string, () => Promise<void>]> = [
      ['copy', () => measureCopy(ctx)],
      ['precise', () => measurePrecise(ctx)],
      ['transcode', () => measureTranscode(ctx)],
      ['model', () => cloudModel(ctx)],
      ['memory', () => measureMemory(ctx, mem!)],
      ['record', () => measureRecording(ctx)],
    ];
    for (const [name, run] of sections) {
      if (!wants(opts, name)) continue;
      const s0 = performance.now();
      try {
        await run();
        report.sections[name] ??= { status: 'done' };
      } catch (err) {
        exit = 1;
        log(`${name}: FAILED: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
        report.error(name, err);
      }
      report.sections[name]!.ms = Math.round(performance.now() - s0);
      log(`${name}: ${report.sections[name]!.status} in ${((performance.now() - s0) / 1000).toFixed(1)} s`);
    }
    const errors = b.logs.filter((l) => l.level === 'error');
    if (errors.length) report.details.runtimeErrors = errors.slice(0, 20);
  } catch (err) {
    exit = 1;
    log(`bench: FAILED: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
    report.error('bench', err);
  } finally {
    await b?.stop().catch(() => {});
  }

  const finishedAt = new Date();
  const totalSec = round((performance.now() - t0) / 1000, 1);
  const results = {
    date: startedAt.toISOString(), finishedAt: finishedAt.toISOString(), totalSec,
    command: opts.command, quick: opts.quick, plan,
    machine: { ...machine, loadAvgEnd: os.loadavg().map((l) => round(l, 2)) },
    ffmpeg, figures: report.figures, sections: report.sections, notes: report.notes, details: report.details,
  };
  // A partial run (--only) keeps its own files, so it never overwrites the full run's figures.
  const base = `results${opts.quick ? '-quick' : ''}${opts.only ? `-${[...opts.only].sort().join('-')}` : ''}`;
  await writeFile(path.join(BENCH_DIR, `${base}.json`), JSON.stringify(results, null, 2) + '\n');
  await writeFile(path.join(BENCH_DIR, `${base}.md`), markdown(results, report));
  console.log('\n' + report.table() + '\n');
  const counts = report.figures.reduce<Record<string, number>>((m, f) => ({ ...m, [f.status]: (m[f.status] ?? 0) + 1 }), {});
  console.log(`${Object.entries(counts).map(([k, v]) => `${k} ${v}`).join(', ')}; ${totalSec} s in all. Wrote bench/${base}.json and bench/${base}.md`);
  if (opts.quick) console.log('(--quick: a smoke run at 320x180 with short windows; its figures are not comparable with the targets)');

  await rm(work, { recursive: true, force: true });
  if (!opts.dataDir) await rm(dataDir, { recursive: true, force: true });
  else console.log(`data kept in ${dataDir} (reuse the recordings with --data ${dataDir} --skip-generate)`);
  return exit;
}
