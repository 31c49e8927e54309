import path from 'node:path';
import { checkClip, checksPass, checksText } from './clip-checks.ts';
import type { BenchContext } from './context.ts';
import { newId, triggerAndWait, type TriggerRun } from './drive-api.ts';
import { readFrameIndices, summariseFrames } from './frame-index.ts';
import { framePosition, publishRecording, recentT0 } from './generate-recording.ts';
import { baselineFromPreview } from './measure-copy.ts';
import { median, msToSec, round } from './stats.ts';

/**
 * The frames a frame-exact cut of [start, end) holds, given the asked instants as fractional
 * source-frame positions: it cuts at the frame boundary nearest each instant, so the first frame
 * is round(start) and the last is round(end) − 1 (the duration stays within one frame of the window).
 */
export function askedFrames(posStart: number, posEnd: number): { wantFirst: number; wantLast: number } {
  return { wantFirst: Math.round(posStart), wantLast: Math.round(posEnd) - 1 };
}

/**
 * Precise mode over a window whose both edges fall mid-GOP: trigger → ready, ratio vs the naive
 * baseline, the method used, and the boundary error in frames read from the burnt-in frame index.
 */
export async function measurePrecise(ctx: BenchContext): Promise<void> {
  const { plan, b, report, main } = ctx;
  const S = 'precise';
  const pub = await publishRecording(b.rt.store, main, `${ctx.tag}-precise`, recentT0(main));
  const start = new Date(pub.t0.getTime() + Math.round(plan.preciseStartSec * 1000));
  const end = new Date(start.getTime() + plan.windowSec * 1000);
  const gop = plan.fps * 2;
  const posStart = framePosition(pub, plan.fps, start);
  const posEnd = framePosition(pub, plan.fps, end);
  // The ideal cut is at the frame boundary nearest each asked instant (frame-exact = error 0).
  const { wantFirst, wantLast } = askedFrames(posStart, posEnd);
  ctx.log(`precise: ${plan.reps} clips of ${plan.windowSec} s, frames ${wantFirst}..${wantLast} (GOP positions ${wantFirst % gop} and ${(wantLast + 1) % gop} of ${gop})`);

  const runs: TriggerRun[] = [];
  for (let i = 0; i < plan.reps; i++) {
    runs.push(await triggerAndWait(b, { id: newId('bprec'), streamId: pub.streamId, at: end.toISOString(), before: plan.windowSec, mode: 'precise' }, { pollMs: plan.pollMs }));
  }
  const ready = median(runs.map((r) => r.triggerToReadyMs));
  const proc = median(runs.map((r) => r.job.result.timings.processMs));
  let base = ctx.shared.baselineMs;
  let baseNote = 'the copy section\'s baseline (same window length)';
  if (base === undefined) {
    const ms: number[] = [];
    for (let i = 0; i < plan.reps; i++) ms.push((await baselineFromPreview(ctx, runs[0]!.id, start, path.join(ctx.work, `baseline-precise-${i}.mp4`))).ms);
    base = median(ms);
    baseNote = 'baseline measured on this window (copy section not run)';
  }

  const result = runs[0]!.job.result;
  const file = b.rt.store.pathOf(result.key);
  const checks = await checkClip(file, plan.fps);
  const ix = await readFrameIndices(file, main.band, main.size, { width: checks.width ?? main.size.width, height: checks.height ?? main.size.height });
  const frames = summariseFrames(ix);
  const errFirst = frames.first - wantFirst;
  const errLast = frames.last - wantLast;
  const methods = [...new Set(runs.map((r) => r.job.result.method as string))];

  const w = `${plan.windowSec} s`;
  report.add({ id: 'precise.triggerToReadyMs', section: S, label: `precise ${w}: trigger → MP4 ready (client, median of ${runs.length})`, value: msToSec(ready), unit: 's' });
  report.add({ id: 'precise.processMs', section: S, label: `precise ${w}: server processMs (median)`, value: msToSec(proc), unit: 's' });
  report.add({ id: 'precise.speedup', section: S, label: 'precise speedup vs baseline (baseline / trigger→ready)', value: round(base / ready, 1), unit: 'x', target: { op: '>=', value: 8 }, note: `baseline ${msToSec(base)} s: ${baseNote}` });
  report.add({ id: 'precise.method', section: S, label: 'precise result.method', value: methods.join(', '), note: result.methodReason });
  report.add({
    id: 'precise.boundaryErrorFrames', section: S, label: 'precise boundary error (max of first/last frame)', value: Math.max(Math.abs(errFirst), Math.abs(errLast)), unit: 'frames',
    target: { op: '<=', value: 1 }, note: `first frame ${frames.first} (asked ${wantFirst}, ${errFirst >= 0 ? '+' : ''}${errFirst}); last ${frames.last} (asked ${wantLast}, ${errLast >= 0 ? '+' : ''}${errLast})`,
  });
  report.add({
    id: 'precise.frames', section: S, label: 'precise frame count as planned, contiguous', value: frames.breaks.length === 0 && Math.abs(frames.count - (wantLast - wantFirst + 1)) <= 1,
    target: { op: '==', value: true }, note: `${frames.count} frames (planned ${wantLast - wantFirst + 1}), ${frames.breaks.length} breaks${frames.breaks.length ? ` e.g. ${JSON.stringify(frames.breaks[0])}` : ''}`,
  });
  report.add({ id: 'precise.duration', section: S, label: 'precise duration within 1 frame of the window', value: Math.abs(checks.durationSec - plan.windowSec) <= 1 / plan.fps + 0.001, target: { op: '==', value: true }, note: `${round(checks.durationSec, 3)} s` });
  report.add({ id: 'precise.checks', section: S, label: 'precise clip passes decode / faststart / A-V start checks', value: checksPass(checks), target: { op: '==', value: true }, note: checksText(checks) });
  report.details.precise = {
    window: { start: start.toISOString(), end: end.toISOString(), framePosStart: round(posStart, 3), framePosEnd: round(posEnd, 3), wantFirst, wantLast },
    runs: runs.map((r) => ({ id: r.id, triggerToReadyMs: round(r.triggerToReadyMs, 1), method: r.job.result.method, methodReason: r.job.result.methodReason, timings: r.job.result.timings, durationSec: r.job.result.durationSec, phases: r.phases })),
    baselineMs: round(base, 1), baselineNote: baseNote, checks, frames,
  };
}
