import { segmentEnd, type PlaylistSegment } from './hls-playlist.ts';

export interface PartPlan {
  index: number;
  /** Consecutive segments the part reads; the first starts on a keyframe. */
  segments: PlaylistSegment[];
  /** Seconds to skip from the start of the part's first segment (first part only, otherwise 0). */
  trimStartSec: number;
  /** Seconds of output this part makes. */
  durationSec: number;
  /** Where the part starts in the clip, in seconds. */
  clipStartSec: number;
}

/**
 * Pure: split a window over a contiguous run of segments into K parts whose boundaries fall on
 * segment starts (source keyframes), as even in output length as the segments allow. K comes from
 * `parts`, else from `partSec`; never more parts than segments. The first part trims to the exact
 * window start, the last to the exact end, so the joined parts are frame-exact.
 */
export function planParts(segments: PlaylistSegment[], window: { start: Date; end: Date }, o: { parts?: number; partSec?: number }): PartPlan[] {
  const ws = window.start.getTime();
  const we = window.end.getTime();
  const inWindow = segments.filter((s) => s.start.getTime() < we && segmentEnd(s).getTime() > ws);
  if (inWindow.length === 0) return [];
  const from = Math.max(ws, inWindow[0]!.start.getTime());
  const to = Math.min(we, segmentEnd(inWindow[inWindow.length - 1]!).getTime());
  const totalMs = to - from;
  const wanted = o.parts ?? Math.ceil(totalMs / ((o.partSec ?? 4) * 1000) - 1e-9);
  const k = Math.max(1, Math.min(wanted, inWindow.length));

  // Boundaries: for each ideal cut, the segment start closest to it, strictly increasing.
  const cuts: number[] = [0];
  for (let j = 1; j < k; j++) {
    const ideal = from + (totalMs * j) / k;
    const min = cuts[j - 1]! + 1;
    const max = inWindow.length - (k - j);
    let best = min;
    for (let i = min; i <= max; i++) {
      if (Math.abs(inWindow[i]!.start.getTime() - ideal) < Math.abs(inWindow[best]!.start.getTime() - ideal)) best = i;
    }
    cuts.push(best);
  }
  cuts.push(inWindow.length);

  const parts: PartPlan[] = [];
  for (let j = 0; j < k; j++) {
    const segs = inWindow.slice(cuts[j], cuts[j + 1]);
    const first = segs[0]!;
    const start = Math.max(ws, first.start.getTime());
    const end = Math.min(we, segmentEnd(segs[segs.length - 1]!).getTime());
    parts.push({ index: j, segments: segs, trimStartSec: (start - first.start.getTime()) / 1000, durationSec: (end - start) / 1000, clipStartSec: (start - from) / 1000 });
  }
  return parts;
}
