import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { PartResult, PartTask } from '../shared/clips/transcode-part.ts';
import { windowAudio } from '../shared/media/assemble-clip.ts';
import { transcodeSettings } from '../shared/media/output-profiles.ts';
import { planParts } from '../shared/media/plan-parts.ts';
import { listAll } from '../shared/storage/object-store.ts';
import type { BenchContext } from './context.ts';
import { newId } from './drive-api.ts';
import { publishRecording, recentT0 } from './generate-recording.ts';
import { windowInput } from './measure-transcode.ts';
import { median, msToSec, round } from './stats.ts';

export interface DispatchSample { index: number; wallMs: number; encodeMs: number; overheadMs: number }

/**
 * Per-invocation overhead of the local invoker, measured directly: the window's K parts are sent
 * one at a time (nothing else running) to the transcoder function through the runtime's invoker,
 * exactly as the fan-out sends them (same task shape; x264 picks its threads, as a part alone in
 * its own function instance with this machine's cores would); overhead = the invocation's
 * wall time − the encodeMs the part reports (schema check, temp dir, segment lookup, storing the
 * part and its metadata, the invoker itself).
 */
export async function measureDispatch(ctx: BenchContext, k: number, profile: '720p' | 'vertical' = '720p'): Promise<DispatchSample[]> {
  const { plan, b, main } = ctx;
  const pub = await publishRecording(b.rt.store, main, `${ctx.tag}-disp`, recentT0(main));
  const start = new Date(pub.t0.getTime() + Math.round(plan.preciseStartSec * 1000));
  const win = { start, end: new Date(start.getTime() + plan.windowSec * 1000) };
  const { segments } = windowInput(pub, win);
  const parts = planParts(segments, win, { fps: plan.fps, parts: k });
  const s = transcodeSettings({ profile, preset: 'veryfast' });
  const clipId = newId('bdisp');
  const out: DispatchSample[] = [];
  for (const p of parts) {
    const task: PartTask = {
      action: 'part', streamId: pub.streamId, clipId, index: p.index, segments: p.segments.map((x) => x.uri),
      startFrame: p.startFrame, frames: p.frames, settings: { profile: s.profile, fit: s.fit, crf: s.crf, preset: s.preset },
      threads: 0, hash: randomBytes(16).toString('hex'),
    };
    const t0 = performance.now();
    const r = await b.rt.deps.invoker.invokeSync<PartResult>('transcoder', task);
    const wallMs = performance.now() - t0;
    out.push({ index: p.index, wallMs: round(wallMs, 1), encodeMs: r.encodeMs, overheadMs: round(wallMs - r.encodeMs, 1) });
  }
  for (const o of await listAll(b.rt.store, `clips/${clipId}/`)) await b.rt.store.delete(o.key);
  return out;
}

/** The window's audio, once (stream copy of the AAC source, as the clipper does, in parallel with the parts). */
export async function measureAudio(ctx: BenchContext): Promise<number[]> {
  const { plan, b, main } = ctx;
  const pub = await publishRecording(b.rt.store, main, `${ctx.tag}-aud`, recentT0(main));
  const start = new Date(pub.t0.getTime() + Math.round(plan.preciseStartSec * 1000));
  const inp = windowInput(pub, { start, end: new Date(start.getTime() + plan.windowSec * 1000) });
  const ms: number[] = [];
  for (let i = 0; i < plan.reps; i++) {
    const t0 = performance.now();
    await windowAudio(inp.files, inp.startSec, inp.durationSec, path.join(ctx.work, `audio-${i}.m4a`), { copy: true });
    ms.push(round(performance.now() - t0, 1));
  }
  return ms;
}

export const MODEL_FORMULA = 'T(K) = max(d + E_max(K), A) + N(K);  speedup(K) = T(1) / T(K)';

/**
 * A model, not a measurement: each part in its own function instance with this machine's cores,
 * all at once. d = local invoker overhead per part, E_max(K) = the slowest part's encodeMs when
 * each of the K parts runs alone on this machine (K = 1: the K = 1 runs),
 * A = the window audio (copied once) (runs in parallel with the parts), N(K) = processMs − fan-out
 * phase of the same runs (segment lookup, inspect, plan before; join, poster, probe, publish after).
 * Cold starts, SCF dispatch latency and COS transfers are not in it.
 */
export async function cloudModel(ctx: BenchContext): Promise<void> {
  const { plan, report } = ctx;
  const S = 'cloud model';
  const runs = ctx.shared.transcode;
  if (!runs?.length) {
    report.skip(S, 'needs the transcode section\'s runs');
    return;
  }
  const kMax = Math.max(...plan.ks);
  ctx.log(`cloud model: dispatch overhead over ${kMax} parts invoked one at a time, and the window's audio (copied once) x${plan.reps}`);
  // Each profile's K parts, each alone on the machine: the per-instance encode times of the model.
  const alone: Record<string, DispatchSample[]> = {};
  for (const profile of plan.profiles) alone[profile] = await measureDispatch(ctx, kMax, profile);
  const dispatch = Object.values(alone).flat();
  const d = median(dispatch.map((x) => x.overheadMs));
  const audio = await measureAudio(ctx);
  const A = median(audio);
  report.add({ id: 'model.dispatchMs', section: S, label: `local invoker overhead per part invocation (median of ${dispatch.length}; wall − encodeMs)`, value: round(d, 1), unit: 'ms', note: `min ${Math.min(...dispatch.map((x) => x.overheadMs))} / max ${Math.max(...dispatch.map((x) => x.overheadMs))} ms` });
  report.add({ id: 'model.audioMs', section: S, label: `window audio, copied once (A, median of ${audio.length})`, value: round(A, 0), unit: 'ms' });

  const model: Record<string, unknown> = { formula: MODEL_FORMULA, d, A, dispatch, audioMs: audio, perProfile: {} };
  for (const profile of plan.profiles) {
    const rows = plan.ks.map((k) => {
      const r = runs.find((x) => x.profile === profile && x.k === k);
      if (!r) return null;
      // K = 1 runs alone already; for K > 1 the parts ran side by side here, so use the parts
      // encoded alone (only measured for the largest K).
      const eMax = k === 1 ? median(r.runs.map((x) => Math.max(...x.encodeMs)))
        : k === kMax ? Math.max(...alone[profile]!.map((x) => x.encodeMs))
        : NaN;
      const n = median(r.runs.map((x) => x.nonFanoutMs ?? NaN).filter(Number.isFinite));
      const t = Math.max(d + eMax, A) + n;
      return { k, partsTotal: r.runs[0]!.partsTotal, eMaxMs: eMax, nonFanoutMs: n, modelMs: round(t, 1), measuredWallMs: median(r.runs.map((x) => x.triggerToReadyMs)) };
    }).filter((x): x is NonNullable<typeof x> => x !== null && Number.isFinite(x.modelMs));
    const one = rows.find((x) => x.k === 1);
    const top = rows.find((x) => x.k === kMax);
    (model.perProfile as Record<string, unknown>)[profile] = rows;
    if (!one || !top) continue;
    const speedup = one.modelMs / top.modelMs;
    report.add({
      id: `model.${profile}.speedupK${kMax}`, section: S, label: `MODEL ${profile}: speedup at K=${top.partsTotal}, each part in its own instance`, value: round(speedup, 2), unit: 'x',
      target: kMax >= 15 ? { op: '>=', value: 5 } : undefined,
      note: `T(1) = max(${round(d, 1)} + ${one.eMaxMs}, ${round(A)}) + ${round(one.nonFanoutMs)} = ${msToSec(one.modelMs, 2)} s; T(${top.partsTotal}) = max(${round(d, 1)} + ${top.eMaxMs}, ${round(A)}) + ${round(top.nonFanoutMs)} = ${msToSec(top.modelMs, 2)} s (ms)`,
    });
  }
  report.details.cloudModel = model;
  report.notes.push(
    `Cloud model (${MODEL_FORMULA}): d = local invoker overhead per part (measured: ${dispatch.length} parts invoked one at a time, wall − encodeMs); ` +
    'E_max(K) = the slowest part\'s encodeMs with each part alone on this machine (x264 picks its threads): one instance = this machine\'s 2 cores; K = 1 from the K = 1 runs, K = max from the ' + kMax + ' parts invoked one at a time; ' +
    'A = the window\'s audio (copied once), which runs in parallel with the parts; N(K) = processMs − fan-out phase (fanout.plan → last part.encoded log line) of the same runs. ' +
    'Not modelled: cold starts, SCF invoke latency, COS download of segments and upload of parts, instances with other vCPU counts.',
  );
}
