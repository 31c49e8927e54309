import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, readFile, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { resolveFfmpeg } from '../shared/media/ffmpeg-binaries.ts';
import { runFfmpeg } from '../shared/media/run-ffmpeg.ts';
import { startRtmpServer, type RtmpServer } from '../test/helpers/rtmp-server.ts';
import type { BenchContext } from './context.ts';
import type { LogLine } from './drive-api.ts';
import { median, round, sleep } from './stats.ts';

/** Clock ticks per second in /proc/<pid>/stat (USER_HZ, 100 on Linux). */
const TICK = 100;

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat; null once it is gone. */
async function cpuSec(pid: number): Promise<number | null> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / TICK;
  } catch {
    return null;
  }
}

async function rssMb(pid: number): Promise<number> {
  try {
    const s = await readFile(`/proc/${pid}/status`, 'utf8');
    return Number(/^VmRSS:\s+(\d+) kB/m.exec(s)?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}

const pct = (xs: number[], p: number) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};

/** A 720p30 ~3 Mbps H.264/AAC file (2 s GOP) that publishers loop by stream copy, so publishing costs little CPU. */
async function makeSource(dir: string, width: number, height: number, fps: number, seconds: number): Promise<string> {
  const out = path.join(dir, `src-${width}x${height}.mp4`);
  await runFfmpeg([
    '-hide_banner', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', `testsrc2=size=${width}x${height}:rate=${fps}`,
    '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
    '-t', String(seconds), '-c:v', 'libx264', '-preset', 'veryfast', '-b:v', '3M', '-maxrate', '3M', '-bufsize', '6M',
    '-g', String(fps * 2), '-keyint_min', String(fps * 2), '-sc_threshold', '0', '-pix_fmt', 'yuv420p',
    '-c:a', 'aac', '-b:a', '128k', '-movflags', '+faststart', out,
  ], { what: 'bench source' });
  return out;
}

/** ffmpeg looping a file into the RTMP server by stream copy (a game client publishing). */
function publish(file: string, url: string): ChildProcess {
  const p = spawn(resolveFfmpeg().ffmpeg, ['-hide_banner', '-loglevel', 'error', '-re', '-stream_loop', '-1', '-i', file, '-c', 'copy', '-f', 'flv', url], { stdio: ['pipe', 'ignore', 'ignore'] });
  p.stdin?.on('error', () => {});
  return p;
}

async function stopAll(procs: ChildProcess[]): Promise<void> {
  await Promise.all(procs.map((p) => new Promise<void>((resolve) => {
    if (p.exitCode !== null || p.signalCode !== null) return resolve();
    p.once('exit', () => resolve());
    p.kill('SIGINT');
    setTimeout(() => p.kill('SIGKILL'), 3000).unref();
  })));
}

/** The baseline: a bare `ffmpeg -c copy -f segment` recorder per stream (no upload, no playlist, no state). */
function bareRecorder(url: string, dir: string): ChildProcess {
  return spawn(resolveFfmpeg().ffmpeg, [
    '-hide_banner', '-loglevel', 'error', '-rw_timeout', '10000000', '-i', url, '-map', '0:v:0', '-map', '0:a:0?', '-c', 'copy',
    '-f', 'segment', '-segment_time', '2', '-segment_format', 'mpegts', path.join(dir, 'seg_%08d.ts'),
  ], { stdio: ['pipe', 'ignore', 'ignore'] });
}

interface Sample { cpuPerStreamPct: number; ffmpegPctPerStream: number; nodePctPerStream: number; rssPerRecorderMb: number; nodeRssPerStreamMb: number }

/**
 * Our recorders vs the bare-ffmpeg baseline at N concurrent copy-mode pulls from a local RTMP
 * server: CPU per stream (ffmpeg children + this process's share), segment-to-playlist latency
 * (segment closed → playlist names it), memory per recorder. Then the CPU of a 4-user mix.
 */
export async function measureRecording(ctx: BenchContext): Promise<void> {
  const { b, report, opts, log } = ctx;
  const S = 'record';
  const quick = opts.quick;
  const counts = quick ? [1, 3] : [1, 5, 10, 20, 40];
  const windowSec = quick ? 6 : 20;
  const size = quick ? { width: 320, height: 180 } : { width: 1280, height: 720 };
  const dir = path.join(ctx.work, 'record');
  await mkdir(dir, { recursive: true });
  log(`${S}: making the ${size.width}x${size.height}@30 ~3 Mbps source that publishers loop ...`);
  const src = await makeSource(dir, size.width, size.height, 30, 20);
  const rtmp: RtmpServer = await startRtmpServer();
  try {
    for (const n of counts) {
      const names = Array.from({ length: n }, (_, i) => `${ctx.tag}-r${n}-${i}`);
      const pubs = names.map((name) => publish(src, rtmp.url(name)));
      await sleep(1500);
      // Ours: N streams through the API, warmed up to two segments each, then a measured window.
      const nodeRss0 = process.memoryUsage().rss / 1024 / 1024;
      for (const name of names) await b.client.request('POST', '/v1/streams', { id: name, source: { type: 'url', url: rtmp.url(name) }, segmentSec: 2, retentionSec: 120 });
      const warm = performance.now();
      for (;;) {
        const states = await Promise.all(names.map(async (id) => (await b.client.request('GET', `/v1/streams/${id}`)).body));
        if (states.every((s) => s.segmentCount >= 2)) break;
        if (performance.now() - warm > 60_000) throw new Error(`N=${n}: streams did not reach 2 segments in 60 s: ${states.map((s) => `${s.id}=${s.state}/${s.segmentCount}`).join(' ')}`);
        await sleep(500);
      }
      const pids = runPids(b.logs, names);
      const ours = await measureWindow(pids, n, windowSec, true, nodeRss0);
      const t0 = Date.now() - windowSec * 1000;
      const lat = b.logs.filter((l) => l.msg === 'segment.published' && names.includes(String(l.streamId)) && l.t >= t0).map((l) => Number(l.latencyMs));
      for (const name of names) await b.client.request('DELETE', `/v1/streams/${name}`);
      await sleep(1000);
      // Baseline: the same pulls by bare ffmpeg segmenters.
      const bareDirs = await Promise.all(names.map(async (name) => { const d = path.join(dir, `bare-${name}`); await mkdir(d, { recursive: true }); return d; }));
      const bare = names.map((name, i) => bareRecorder(rtmp.url(name), bareDirs[i]!));
      await sleep(quick ? 3000 : 5000);
      const base = await measureWindow(bare.map((p) => p.pid!).filter(Boolean), n, windowSec, false, 0);
      const bareSegs = (await Promise.all(bareDirs.map((d) => readdir(d)))).reduce((a, f) => a + f.length, 0);
      await stopAll(bare);
      await stopAll(pubs);
      await Promise.all(bareDirs.map((d) => rm(d, { recursive: true, force: true })));

      const p50 = round(median(lat)), p95 = round(pct(lat, 95));
      log(`${S}: N=${n}: ours ${round(ours.cpuPerStreamPct, 2)}% of a core per stream (ffmpeg ${round(ours.ffmpegPctPerStream, 2)}% + node ${round(ours.nodePctPerStream, 2)}%), latency p50 ${p50} ms p95 ${p95} ms (${lat.length} segments), ${round(ours.rssPerRecorderMb, 1)} MB ffmpeg + ${round(ours.nodeRssPerStreamMb, 1)} MB node per stream; bare ffmpeg ${round(base.cpuPerStreamPct, 2)}% ${round(base.rssPerRecorderMb, 1)} MB (${bareSegs} files)`);
      const ratio = base.cpuPerStreamPct > 0 ? round(ours.cpuPerStreamPct / base.cpuPerStreamPct, 2) : null;
      report.add({ id: `${S}.n${n}.cpu`, section: S, label: `N=${n} copy recordings: CPU per stream (% of one core; ours / bare ffmpeg = ${ratio}x)`, value: round(ours.cpuPerStreamPct, 2), unit: '%', target: n === 20 && !quick ? { op: '<=', value: 3 } : undefined, note: `ffmpeg ${round(ours.ffmpegPctPerStream, 2)}% + node ${round(ours.nodePctPerStream, 2)}%; bare ffmpeg ${round(base.cpuPerStreamPct, 2)}%` });
      report.add({ id: `${S}.n${n}.latency`, section: S, label: `N=${n}: segment closed → playlist names it, p50 / p95 (ms)`, value: p95, unit: 'ms', target: n === 20 && !quick ? { op: '<=', value: 300 } : undefined, note: `p50 ${p50} ms over ${lat.length} segments` });
      report.add({ id: `${S}.n${n}.memory`, section: S, label: `N=${n}: memory per recorder (ffmpeg RSS + node RSS growth / N)`, value: round(ours.rssPerRecorderMb + ours.nodeRssPerStreamMb, 1), unit: 'MB', note: `ffmpeg ${round(ours.rssPerRecorderMb, 1)} MB + node ${round(ours.nodeRssPerStreamMb, 1)} MB; bare ffmpeg ${round(base.rssPerRecorderMb, 1)} MB` });
    }
    await measureMix(ctx, rtmp, src, windowSec);
    report.notes.push(
      `record: each N runs N publishers looping a ${size.width}x${size.height}@30 ~3 Mbps H.264/AAC file into a local node-media-server by stream copy, then N recordings through the API (copy mode, 2 s segments), warmed to 2 segments, measured over ${windowSec} s; then the same N pulls by bare \`ffmpeg -c copy -f segment\` (the baseline: no upload, playlist, state or lease). CPU per stream = (recorder ffmpeg CPU from /proc + this node process's cpuUsage, which also holds the API and the bench's polling) / N / wall, as % of one core. Latency = the recorder's segment.published latencyMs: ffmpeg reported the segment closed → the segment is uploaded and the playlist naming it is written. Publishers and the RTMP server share the 2 cores.`,
    );
  } finally {
    await rtmp.close();
  }
}

/** The recorder ffmpeg pids of these streams, from the runtime's recorder.run_started lines (the newest per stream). */
function runPids(logs: LogLine[], names: string[]): number[] {
  const byStream = new Map<string, number>();
  for (const l of logs) if (l.msg === 'recorder.run_started' && names.includes(String(l.streamId))) byStream.set(String(l.streamId), Number(l.pid));
  return [...byStream.values()];
}

async function measureWindow(pids: number[], n: number, windowSec: number, withNode: boolean, nodeRss0: number): Promise<Sample> {
  const c0 = await Promise.all(pids.map(cpuSec));
  const n0 = process.cpuUsage();
  const w0 = performance.now();
  await sleep(windowSec * 1000);
  const c1 = await Promise.all(pids.map(cpuSec));
  const nodeCpu = withNode ? (() => { const d = process.cpuUsage(n0); return (d.user + d.system) / 1e6; })() : 0;
  const wall = (performance.now() - w0) / 1000;
  const ff = c1.reduce<number>((a, v, i) => a + (v !== null && c0[i] !== null ? v - c0[i]! : 0), 0);
  const rss = await Promise.all(pids.map(rssMb));
  const nodeRss = withNode ? Math.max(0, process.memoryUsage().rss / 1024 / 1024 - nodeRss0) : 0;
  return {
    cpuPerStreamPct: ((ff + nodeCpu) / wall / n) * 100,
    ffmpegPctPerStream: (ff / wall / n) * 100,
    nodePctPerStream: (nodeCpu / wall / n) * 100,
    rssPerRecorderMb: rss.reduce((a, v) => a + v, 0) / Math.max(1, rss.length),
    nodeRssPerStreamMb: nodeRss / n,
  };
}

/** A 4-user mixed A/V recording at 1280x720@30: the mixer's CPU (it decodes 4 streams and encodes one). */
async function measureMix(ctx: BenchContext, rtmp: RtmpServer, src: string, windowSec: number): Promise<void> {
  const { b, report, log } = ctx;
  const room = `${ctx.tag}-room`;
  const users = ['u1', 'u2', 'u3', 'u4'];
  const pubs = users.map((u) => publish(src, rtmp.url(`${room}-${u}`)));
  await sleep(1500);
  for (const u of users) await b.client.request('PUT', `/v1/rooms/${room}/users/${u}`, { url: rtmp.url(`${room}-${u}`) });
  const canvas = ctx.opts.quick ? { width: 640, height: 360, fps: 30 } : { width: 1280, height: 720, fps: 30 };
  const { body: rec } = await b.client.request('POST', `/v1/rooms/${room}/recordings`, { id: 'mix', mode: 'mixed', canvas, segmentSec: 2 });
  const streamId = rec.streams[0].streamId as string;
  const warm = performance.now();
  while (((await b.client.request('GET', `/v1/streams/${streamId}`)).body.segmentCount ?? 0) < 2) {
    if (performance.now() - warm > 60_000) throw new Error('mix: no segments in 60 s');
    await sleep(500);
  }
  const pids = runPids(b.logs, [streamId]);
  const s = await measureWindow(pids, 1, windowSec, false, 0);
  const t0 = Date.now() - windowSec * 1000;
  const segs = b.logs.filter((l) => l.msg === 'segment.published' && l.streamId === streamId && l.t >= t0);
  const lat = segs.map((l) => Number(l.latencyMs));
  await b.client.request('DELETE', `/v1/rooms/${room}/recordings/mix`);
  await stopAll(pubs);
  log(`record: 4-user mix ${canvas.width}x${canvas.height}@30: ${round(s.ffmpegPctPerStream / 100, 2)} cores, ${segs.length} segments in ${windowSec} s, ${round(s.rssPerRecorderMb)} MB`);
  report.add({ id: 'record.mix4.cpu', section: 'record', label: `4-user mixed A/V recording ${canvas.width}x${canvas.height}@30 (decode 4, encode 1, x264 veryfast): CPU`, value: round(s.ffmpegPctPerStream / 100, 2), unit: 'cores', note: `${segs.length} segments published in the ${windowSec} s window (real time = ${windowSec / 2}); latency p50 ${round(median(lat))} ms; ${round(s.rssPerRecorderMb)} MB RSS` });
}
