import path from 'node:path';
import { previewKey } from '../shared/clips/preview-playlist.ts';
import { parsePlaylist } from '../shared/media/hls-playlist.ts';
import { checkClip, checksPass, checksText } from './clip-checks.ts';
import type { BenchContext } from './context.ts';
import { newId, triggerAndWait, type TriggerRun } from './drive-api.ts';
import { readFrameIndices, summariseFrames } from './frame-index.ts';
import { timedFfmpeg } from './ffmpeg-util.ts';
import { publishRecording, recentT0 } from './generate-recording.ts';
import { median, msToSec, round } from './stats.ts';
import { readFile } from 'node:fs/promises';

/**
 * The naive baseline: one ffmpeg fully re-encoding the window from a VOD playlist of its segments
 * (the job's preview playlist), output seek, threads auto.
 */
export async function baselineFromPreview(ctx: BenchContext, jobId: string, windowStart: Date, out: string): Promise<{ ms: number; args: string[] }> {
  const store = ctx.b.rt.store;
  const preview = store.pathOf(previewKey(jobId));
  const pl = parsePlaylist(await readFile(preview, 'utf8'));
  const offset = (windowStart.getTime() - pl.segments[0]!.start.getTime()) / 1000;
  const args = ['-hide_banner', '-loglevel', 'error', '-y', '-i', preview, '-ss', offset.toFixed(3), '-t', String(ctx.plan.windowSec),
    '-c:v', 'libx264', '-preset', 'veryfast', '-c:a', 'aac', '-b:a', '128k', '-movflags', '+faststart', out];
  const { ms } = await timedFfmpeg(args, 'baseline full re-encode');
  return { ms, args };
}

export async function measureCopy(ctx: BenchContext): Promise<void> {
  const { plan, b, report, main } = ctx;
  const S = 'copy';
  const pub = await publishRecording(b.rt.store, main, `${ctx.tag}-copy`, recentT0(main));
  const seg = pub.segments[plan.copyStartSegment]!;
  const start = seg.start;
  const end = new Date(start.getTime() + plan.windowSec * 1000);
  const body = () => ({ id: newId('bcopy'), streamId: pub.streamId, at: end.toISOString(), before: plan.windowSec, mode: 'copy' });

  ctx.log(`copy: warm-up clip, then ${plan.reps} measured clips of ${plan.windowSec} s`);
  await triggerAndWait(b, body(), { pollMs: plan.pollMs });
  const runs: TriggerRun[] = [];
  for (let i = 0; i < plan.reps; i++) runs.push(await triggerAndWait(b, body(), { pollMs: plan.pollMs }));
  const ready = median(runs.map((r) => r.triggerToReadyMs));
  const proc = median(runs.map((r) => r.job.result.timings.processMs));

  ctx.log(`copy: baseline (one ffmpeg re-encoding the window from the preview playlist) x${plan.reps}`);
  const baseMs: number[] = [];
  let baseArgs: string[] = [];
  for (let i = 0; i < plan.reps; i++) {
    const r = await baselineFromPreview(ctx, runs[0]!.id, start, path.join(ctx.work, `baseline-copy-${i}.mp4`));
    baseMs.push(r.ms);
    baseArgs = r.args;
  }
  const base = median(baseMs);
  ctx.shared.baselineMs = base;

  const first = runs[0]!.job.result;
  const file = b.rt.store.pathOf(first.key);
  const checks = await checkClip(file, plan.fps);
  const frames = summariseFrames(await readFrameIndices(file, main.band, main.size, { width: checks.width ?? main.size.width, height: checks.height ?? main.size.height }));
  const baseFrames = summariseFrames(await readFrameIndices(path.join(ctx.work, 'baseline-copy-0.mp4'), main.band, main.size, main.size));

  const w = `${plan.windowSec} s`;
  report.add({ id: 'copy.triggerToReadyMs', section: S, label: `copy ${w}: trigger → MP4 ready (client, median of ${runs.length})`, value: msToSec(ready), unit: 's', target: { op: '<=', value: 0.5 } });
  report.add({ id: 'copy.processMs', section: S, label: `copy ${w}: server result.timings.processMs (median)`, value: msToSec(proc), unit: 's' });
  report.add({ id: 'copy.baselineMs', section: S, label: `baseline: one ffmpeg full re-encode of the window (median of ${baseMs.length})`, value: msToSec(base), unit: 's' });
  report.add({ id: 'copy.speedup', section: S, label: 'copy speedup vs baseline (baseline / trigger→ready)', value: round(base / ready, 1), unit: 'x', target: { op: '>=', value: 20 } });
  report.add({ id: 'copy.checks', section: S, label: 'copy clip passes decode / faststart / A-V start checks', value: checksPass(checks), target: { op: '==', value: true }, note: checksText(checks) });
  report.add({
    id: 'copy.frames', section: S, label: 'copy clip starts on the segment keyframe, frames contiguous',
    value: frames.first === seg.firstFrame && frames.breaks.length === 0, target: { op: '==', value: true },
    note: `first frame ${frames.first} (segment keyframe ${seg.firstFrame}), last ${frames.last}, ${frames.count} frames, ${frames.breaks.length} breaks, ${round(checks.durationSec, 3)} s`,
  });
  report.details.copy = {
    window: { start: start.toISOString(), end: end.toISOString(), sec: plan.windowSec },
    runs: runs.map((r) => ({ id: r.id, triggerToReadyMs: round(r.triggerToReadyMs, 1), acceptMs: round(r.acceptMs, 1), polls: r.polls, timings: r.job.result.timings, durationSec: r.job.result.durationSec, sizeBytes: r.job.result.sizeBytes, phases: r.phases })),
    baseline: { ms: baseMs.map((x) => round(x, 1)), args: baseArgs.map((a) => (a.includes(ctx.work) ? a.replace(ctx.work, '<work>') : a)), frames: baseFrames },
    checks, frames,
  };
}
