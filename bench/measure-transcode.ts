import path from 'node:path';
import { readFile } from 'node:fs/promises';
import { previewKey } from '../shared/clips/preview-playlist.ts';
import { parsePlaylist } from '../shared/media/hls-playlist.ts';
import { keyframeArgs, profileFilter, transcodeSettings, videoEncodeArgs } from '../shared/media/output-profiles.ts';
import { planParts } from '../shared/media/plan-parts.ts';
import { selectSegments } from '../shared/media/select-segments.ts';
import { checkClip, checksPass, checksText, type ClipChecks } from './clip-checks.ts';
import type { BenchContext, TranscodeRun, TranscodeRuns } from './context.ts';
import { newId, triggerAndWait, type LogLine } from './drive-api.ts';
import { timedFfmpeg } from './ffmpeg-util.ts';
import { readFrameIndices, summariseFrames, type FrameRun } from './frame-index.ts';
import { framePosition, publishRecording, recentT0, type PublishedStream } from './generate-recording.ts';
import { askedFrames } from './measure-precise.ts';
import { median, msToSec, round } from './stats.ts';
import { ssimPerFrame, ssimSummary } from './ssim.ts';

export const framesText = (f: FrameRun) =>
  `${f.first}..${f.last} (${f.count} frames, ${f.breaks.length} breaks${f.breaks[0] ? `, first at #${f.breaks[0].at}: ${f.breaks[0].from}→${f.breaks[0].to}` : ''})`;

/** The fan-out phase of one job, from the runtime's own log lines (ms timestamps). */
export function fanoutFromLogs(logs: LogLine[], jobId: string, processMs: number): Pick<TranscodeRun, 'fanoutMs' | 'nonFanoutMs' | 'afterPartsMs'> {
  const plan = logs.find((l) => l.msg === 'fanout.plan' && l.jobId === jobId);
  const parts = logs.filter((l) => l.msg === 'part.encoded' && typeof l.key === 'string' && l.key.startsWith(`clips/${jobId}/parts/`));
  const done = logs.find((l) => l.msg === 'clip.succeeded' && l.jobId === jobId);
  if (!plan || parts.length === 0) return {};
  const lastPart = Math.max(...parts.map((p) => p.t));
  const fanoutMs = lastPart - plan.t;
  return { fanoutMs, nonFanoutMs: processMs - fanoutMs, ...(done ? { afterPartsMs: done.t - lastPart } : {}) };
}

export interface Window { start: Date; end: Date }

/** The window's segment files and offset, exactly as the clipper selects them. */
export function windowInput(pub: PublishedStream, w: Window) {
  const sel = selectSegments(pub.segments, w);
  if (!sel) throw new Error('window outside the recording');
  const files = sel.segments.map((s) => pub.segments.find((p) => p.uri === s.uri)!.file);
  const t0 = sel.segments[0]!.start.getTime();
  return {
    files, startSec: (w.start.getTime() - t0) / 1000, durationSec: (w.end.getTime() - w.start.getTime()) / 1000, segments: sel.segments,
    segmentOffsets: sel.segments.map((s) => (s.start.getTime() - t0) / 1000),
  };
}

/**
 * Transcode mode at each K (fan-out over the transcoder function) against one ffmpeg doing the
 * same encode in a single pass: wall time, per-part encode times, SSIM overall and at the joins.
 */
export async function measureTranscode(ctx: BenchContext): Promise<void> {
  const { plan, b, report, main } = ctx;
  const S = 'transcode';
  const pub = await publishRecording(b.rt.store, main, `${ctx.tag}-tx`, recentT0(main));
  const start = new Date(pub.t0.getTime() + Math.round(plan.preciseStartSec * 1000));
  const end = new Date(start.getTime() + plan.windowSec * 1000);
  const win = { start, end };
  const { wantFirst, wantLast } = askedFrames(framePosition(pub, plan.fps, start), framePosition(pub, plan.fps, end));
  const input = windowInput(pub, win);
  const all: TranscodeRuns[] = [];
  ctx.shared.transcode = all;
  const detail: Record<string, unknown> = { window: { start: start.toISOString(), end: end.toISOString(), wantFirst, wantLast } };
  report.details.transcode = detail;

  for (const profile of plan.profiles) {
    const settings = transcodeSettings({ profile, preset: 'veryfast' });
    const vf = profileFilter(profile, settings.fit);
    const single = path.join(ctx.work, `single-${profile}.mp4`);
    // The same frames as the fan-out (nearest-frame edges, no frame-rate conversion), in one pass.
    const firstFrame = Math.round(input.startSec * plan.fps);
    const endFrame = Math.round((input.startSec + input.durationSec) * plan.fps);
    const graph = `[0:v]trim=start_frame=${firstFrame}:end_frame=${endFrame},setpts=PTS-STARTPTS,${vf}[v];` +
      `[0:a]atrim=start=${(firstFrame / plan.fps).toFixed(6)}:duration=${((endFrame - firstFrame) / plan.fps).toFixed(6)},asetpts=PTS-STARTPTS[a]`;
    // Keyframes where the source's segments begin, as every part has them (same GOP layout).
    const segStarts = input.files.map((_, i) => Math.round(input.segmentOffsets[i]! * plan.fps) - firstFrame).filter((f) => f > 0 && f < endFrame - firstFrame);
    const args = (out: string) => ['-hide_banner', '-loglevel', 'error', '-y', '-i', `concat:${input.files.join('|')}`,
      '-filter_complex', graph, '-map', '[v]', '-map', '[a]', '-vsync', 'passthrough',
      ...videoEncodeArgs(settings, 0), ...keyframeArgs(segStarts), '-c:a', 'aac', '-b:a', '128k', '-movflags', '+faststart', '-f', 'mp4', out];
    ctx.log(`transcode ${profile}: single-pass baseline x${plan.reps}`);
    const singleMs: number[] = [];
    for (let i = 0; i < plan.reps; i++) singleMs.push((await timedFfmpeg(args(i === 0 ? single : path.join(ctx.work, `single-${profile}-${i}.mp4`)), `single-pass ${profile}`)).ms);
    const singleMed = median(singleMs);
    const singleChecks = await checkClip(single, plan.fps);
    const singleFrames = summariseFrames(await readFrameIndices(single, main.band, main.size, { width: singleChecks.width ?? 0, height: singleChecks.height ?? 0 }));
    report.add({
      id: `transcode.${profile}.singleMs`, section: S, label: `${profile} ${plan.windowSec} s: one ffmpeg single pass (median of ${singleMs.length})`, value: msToSec(singleMed), unit: 's',
      note: `its frames ${framesText(singleFrames)} (asked ${wantFirst}..${wantLast})`,
    });

    const perK: Array<Record<string, unknown>> = [];
    const checksAll: Array<{ k: number; checks: ClipChecks; frames: FrameRun; exact: boolean }> = [];
    for (const k of plan.ks) {
      ctx.log(`transcode ${profile}: K=${k} x${plan.reps}`);
      const runs: TranscodeRun[] = [];
      let firstJob: any;
      for (let i = 0; i < plan.reps; i++) {
        const r = await triggerAndWait(b, {
          id: newId(`btx${k}`), streamId: pub.streamId, at: end.toISOString(), before: plan.windowSec, mode: 'transcode',
          profile, ...(profile === 'vertical' ? { fit: settings.fit } : {}), preset: 'veryfast', parts: k,
        }, { pollMs: plan.pollMs });
        const res = r.job.result;
        runs.push({ id: r.id, triggerToReadyMs: r.triggerToReadyMs, processMs: res.timings.processMs, partsTotal: res.parts?.total ?? 0, encodeMs: res.parts?.encodeMs ?? [], ...fanoutFromLogs(b.logs, r.id, res.timings.processMs) });
        firstJob ??= r.job;
      }
      all.push({ profile, k, runs });
      const wall = median(runs.map((r) => r.triggerToReadyMs));
      const proc = median(runs.map((r) => r.processMs));
      const enc = runs[0]!.encodeMs;

      // Quality and correctness of the first run's output.
      const file = b.rt.store.pathOf(firstJob.result.key);
      const checks = await checkClip(file, plan.fps);
      const outSize = { width: checks.width ?? 0, height: checks.height ?? 0 };
      const frames = summariseFrames(await readFrameIndices(file, main.band, main.size, outSize));
      const exact = frames.first === wantFirst && frames.last === wantLast && frames.breaks.length === 0;
      checksAll.push({ k, checks, frames, exact });
      const previewSegs = parsePlaylist(await readFile(b.rt.store.pathOf(previewKey(firstJob.id)), 'utf8')).segments;
      const parts = planParts(previewSegs, { start: new Date(firstJob.result.actual.start), end: new Date(firstJob.result.actual.end) }, { fps: plan.fps, parts: k });
      const joinFrames = parts.slice(1).map((p) => Math.round(p.clipStartSec * plan.fps));
      const ssim = ssimSummary(await ssimPerFrame(file, single, ctx.work), joinFrames);

      const label = `${profile} K=${runs[0]!.partsTotal}`;
      report.add({
        id: `transcode.${profile}.k${k}.ratio`, section: S, label: `${label}: trigger→ready / single pass`, value: round(wall / singleMed, 3), unit: 'x', target: { op: '<=', value: 1.05 },
        note: `${msToSec(wall, 2)} s vs ${msToSec(singleMed, 2)} s (processMs ${msToSec(proc, 2)} s = ${round(proc / singleMed, 3)}x); part encode ms min/med/max ${Math.min(...enc)}/${median(enc)}/${Math.max(...enc)}`,
      });
      report.add({
        id: `transcode.${profile}.k${k}.ssimMean`, section: S, label: `${label}: SSIM vs single pass, mean of ${ssim.frames} frame pairs`, value: round(ssim.mean, 5), target: { op: '>=', value: 0.998 },
        note: `min over all frames ${round(ssim.min, 4)}; frames: fan-out ${frames.count}, single pass ${singleFrames.count}`,
      });
      if (ssim.joinMin !== null) {
        report.add({ id: `transcode.${profile}.k${k}.ssimJoins`, section: S, label: `${label}: SSIM min at the ${joinFrames.length} part joins (±1 frame)`, value: round(ssim.joinMin, 4), target: { op: '>=', value: 0.98 } });
      }
      perK.push({
        k, partsTotal: runs[0]!.partsTotal, wallMs: runs.map((r) => round(r.triggerToReadyMs, 1)), processMs: runs.map((r) => r.processMs),
        encodeMs: runs.map((r) => r.encodeMs), fanoutMs: runs.map((r) => r.fanoutMs), nonFanoutMs: runs.map((r) => r.nonFanoutMs), afterPartsMs: runs.map((r) => r.afterPartsMs),
        ratio: round(wall / singleMed, 3), ssim: { mean: ssim.mean, min: ssim.min, joinMin: ssim.joinMin, joins: ssim.joins }, checks, frames,
        partStartsSec: parts.map((p) => p.clipStartSec),
      });
    }
    const bad = checksAll.filter((c) => !checksPass(c.checks) || !c.exact);
    report.add({
      id: `transcode.${profile}.checks`, section: S, label: `${profile}: every K's output passes checks and holds exactly frames ${wantFirst}..${wantLast}`, value: bad.length === 0, target: { op: '==', value: true },
      note: bad.length === 0 ? `${checksAll.length} outputs checked` : bad.map((c) => `K=${c.k}: ${checksPass(c.checks) ? 'checks ok' : checksText(c.checks)}; frames ${framesText(c.frames)}`).join(' / '),
    });
    detail[profile] = { settings, vf, singleMs: singleMs.map((x) => round(x, 1)), singleChecks, singleFrames, singleArgs: args('<out>.mp4').map((a) => a.replace(ctx.work, '<work>').replace(b.rt.store.root, '<data>')), perK };
  }
}
