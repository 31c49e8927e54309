import type { BenchRuntime } from './drive-api.ts';
import type { Recording } from './generate-recording.ts';
import type { BenchOptions, BenchPlan } from './options.ts';
import type { Report } from './report.ts';

/** What every section gets. */
export interface BenchContext {
  opts: BenchOptions;
  plan: BenchPlan;
  b: BenchRuntime;
  main: Recording;
  /** Scratch folder for baselines, SSIM logs (removed at the end). */
  work: string;
  /** Short unique tag of this run, used in stream ids. */
  tag: string;
  report: Report;
  /** Figures one section hands to another (e.g. the copy baseline for precise's ratio). */
  shared: { baselineMs?: number; transcode?: TranscodeRuns[] };
  log: (msg: string) => void;
}

export interface TranscodeRun {
  id: string;
  triggerToReadyMs: number;
  processMs: number;
  partsTotal: number;
  encodeMs: number[];
  /** From the runtime's log lines: fanout.plan → last part.encoded. */
  fanoutMs?: number;
  /** processMs − fanoutMs: fetch/inspect/plan before, join + poster + probe + publish after. */
  nonFanoutMs?: number;
  /** Last part.encoded → clip.succeeded (join, poster, probe, publish). */
  afterPartsMs?: number;
}

export interface TranscodeRuns {
  profile: string;
  k: number;
  runs: TranscodeRun[];
}
