import { segmentEnd, type PlaylistSegment } from './hls-playlist.ts';

export interface TimeWindow {
  start: Date;
  end: Date;
}

export interface SegmentSelection {
  /** One contiguous run of segments (no gap inside), in time order. */
  segments: PlaylistSegment[];
  /** First selected segment's start (a keyframe, at or before the asked start when recorded). */
  actualStart: Date;
  /** min(asked end, last selected segment's end). */
  actualEnd: Date;
  /**
   * The recording reaches the asked end (post-roll complete), so waiting longer cannot add to
   * the clip. True even when the chosen run ends earlier because a gap splits the window.
   */
  coversEnd: boolean;
  /** Holes inside the asked window: unrecorded time, or time left out because it lies across a gap. */
  gaps: TimeWindow[];
}

/** Two segments further apart than this, or split by a discontinuity, are not contiguous. */
const JOIN_TOLERANCE_MS = 250;

/**
 * Pure: pick the segments covering [start, end] by their wall-clock times. Segments overlapping
 * the window are split into contiguous runs; the run with the most recorded time in the window
 * wins (a byte-level join across a recorder restart would break timestamps). Null when nothing
 * recorded overlaps the window.
 */
export function selectSegments(all: PlaylistSegment[], window: TimeWindow): SegmentSelection | null {
  const ws = window.start.getTime();
  const we = window.end.getTime();
  const overlapping = all
    .filter((s) => s.start.getTime() < we && segmentEnd(s).getTime() > ws)
    .sort((a, b) => a.start.getTime() - b.start.getTime());
  if (overlapping.length === 0) return null;

  const runs: PlaylistSegment[][] = [];
  for (const s of overlapping) {
    const run = runs[runs.length - 1];
    const prev = run?.[run.length - 1];
    if (run && prev && !s.discontinuity && Math.abs(s.start.getTime() - segmentEnd(prev).getTime()) <= JOIN_TOLERANCE_MS) run.push(s);
    else runs.push([s]);
  }
  const inWindow = (run: PlaylistSegment[]) =>
    Math.min(we, segmentEnd(run[run.length - 1]!).getTime()) - Math.max(ws, run[0]!.start.getTime());
  const best = runs.reduce((a, b) => (inWindow(b) >= inWindow(a) ? b : a));

  const first = best[0]!;
  const last = best[best.length - 1]!;
  const actualStart = first.start;
  const actualEnd = new Date(Math.min(we, segmentEnd(last).getTime()));

  // Gaps: any part of the window not covered by the chosen run.
  const gaps: TimeWindow[] = [];
  if (first.start.getTime() > ws) gaps.push({ start: new Date(ws), end: first.start });
  if (actualEnd.getTime() < we && segmentEnd(last).getTime() < we) gaps.push({ start: segmentEnd(last), end: new Date(we) });

  const coversEnd = segmentEnd(overlapping[overlapping.length - 1]!).getTime() >= we;
  return { segments: best, actualStart, actualEnd, coversEnd, gaps };
}
