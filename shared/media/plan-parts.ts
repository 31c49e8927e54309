import { segmentEnd, type PlaylistSegment } from './hls-playlist.ts';

export interface PartPlan {
  index: number;
  /** Consecutive segments the part reads; the first starts on a keyframe. */
  segments: PlaylistSegment[];
  /** Frames to skip from the part's first decoded frame (first part only, otherwise 0). */
  startFrame: number;
  /** Frames this part makes: whole frames, so the parts add up to the window exactly. */
  frames: number;
  /** The same in seconds (frames / fps). */
  trimStartSec: number;
  durationSec: number;
  /** Where the part starts in the clip, in seconds. */
  clipStartSec: number;
  /** Part-local output frames where a later segment (a source keyframe) begins: forced keyframes. */
  keyframes: number[];
}

/**
 * Pure: split a window over a contiguous run of segments into K parts whose boundaries fall on
 * segment starts (source keyframes), as even in length as the segments allow. K comes from
 * `parts`, else from `partSec`; never more parts than segments.
 *
 * Planning is in frames of the constant-rate source: segment i begins at frame
 * round((start_i - start_0) × fps) of the run, the window holds the frames nearest its start up to
 * (not including) the frame nearest its end, and each part gets a whole number of them, so the
 * joined parts hold exactly the window's frames, each once.
 */
export function planParts(run: PlaylistSegment[], window: { start: Date; end: Date }, o: { fps: number; parts?: number; partSec?: number }): PartPlan[] {
  const ws = window.start.getTime();
  const we = window.end.getTime();
  const inWindow = run.filter((s) => s.start.getTime() < we && segmentEnd(s).getTime() > ws);
  if (inWindow.length === 0 || !(o.fps > 0)) return [];
  const t0 = run[0]!.start.getTime();
  const frameAt = (ms: number) => Math.round(((ms - t0) / 1000) * o.fps);
  const segFrame = inWindow.map((s) => frameAt(s.start.getTime()));
  const endFrame = frameAt(segmentEnd(inWindow[inWindow.length - 1]!).getTime());
  const wsF = Math.max(frameAt(ws), segFrame[0]!);
  const weF = Math.min(frameAt(we), endFrame);
  if (weF <= wsF) return [];
  const totalSec = (weF - wsF) / o.fps;
  const wanted = o.parts ?? Math.ceil(totalSec / (o.partSec ?? 4) - 1e-9);
  const k = Math.max(1, Math.min(wanted, inWindow.length));

  // Boundaries: for each ideal cut, the segment start closest to it, strictly increasing.
  const cuts: number[] = [0];
  for (let j = 1; j < k; j++) {
    const ideal = wsF + ((weF - wsF) * j) / k;
    const min = cuts[j - 1]! + 1;
    const max = inWindow.length - (k - j);
    let best = min;
    for (let i = min; i <= max; i++) if (Math.abs(segFrame[i]! - ideal) < Math.abs(segFrame[best]! - ideal)) best = i;
    cuts.push(best);
  }
  cuts.push(inWindow.length);

  const parts: PartPlan[] = [];
  for (let j = 0; j < k; j++) {
    const first = cuts[j]!;
    const next = cuts[j + 1]!;
    const partStart = segFrame[first]!;
    const partEnd = next < inWindow.length ? segFrame[next]! : endFrame;
    const from = Math.max(wsF, partStart);
    const to = Math.min(weF, partEnd);
    parts.push({
      index: j,
      segments: inWindow.slice(first, next),
      startFrame: from - partStart,
      frames: to - from,
      trimStartSec: (from - partStart) / o.fps,
      durationSec: (to - from) / o.fps,
      clipStartSec: (from - wsF) / o.fps,
      keyframes: segFrame.slice(first + 1, next).map((f) => f - from).filter((f) => f > 0 && f < to - from),
    });
  }
  return parts.filter((p) => p.frames > 0).map((p, index) => ({ ...p, index }));
}
