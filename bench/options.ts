import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

/** What one bench run does: the full run, or a tiny smoke run (--quick). */
export interface BenchOptions {
  quick: boolean;
  /** Keep generated data here (else a temp dir removed at the end). */
  dataDir?: string;
  skipGenerate: boolean;
  /** Sections to run (default all): copy, precise, transcode, model, memory, record. */
  only?: Set<string>;
  /** The exact command line, for the report. */
  command: string;
  plan: BenchPlan;
}

export interface Size { width: number; height: number }

/** Sizes, windows and repetitions; `quick` shrinks everything. Times are seconds from the recording's T0. */
export interface BenchPlan {
  size: Size;
  fps: number;
  /** Main recording (copy, precise, transcode). */
  recordSec: number;
  mainPreset: string;
  /** Memory-section recording and its clip. */
  memRecordSec: number;
  memPreset: string;
  memClipSec: number;
  /** Copy: window starts on this segment's start (keyframe), lasts windowSec. */
  copyStartSegment: number;
  windowSec: number;
  /** Precise and transcode: both edges mid-GOP, on exact-millisecond frame boundaries. */
  preciseStartSec: number;
  ks: number[];
  profiles: Array<'720p' | 'vertical'>;
  reps: number;
  pollMs: number;
}

export const FULL_PLAN: BenchPlan = {
  size: { width: 1280, height: 720 }, fps: 30, recordSec: 44, mainPreset: 'veryfast',
  memRecordSec: 306, memPreset: 'ultrafast', memClipSec: 300,
  copyStartSegment: 3, windowSec: 30, preciseStartSec: 7.3,
  ks: [1, 2, 4, 8, 15], profiles: ['720p', 'vertical'], reps: 3, pollMs: 15,
};

export const QUICK_PLAN: BenchPlan = {
  size: { width: 320, height: 180 }, fps: 30, recordSec: 14, mainPreset: 'veryfast',
  memRecordSec: 24, memPreset: 'ultrafast', memClipSec: 20,
  copyStartSegment: 1, windowSec: 6, preciseStartSec: 2.3,
  ks: [1, 3], profiles: ['720p', 'vertical'], reps: 1, pollMs: 15,
};

const SECTIONS = ['copy', 'precise', 'transcode', 'model', 'memory', 'record'];

export function parseOptions(argv = process.argv.slice(2)): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      data: { type: 'string' },
      'skip-generate': { type: 'boolean', default: false },
      only: { type: 'string' },
      ks: { type: 'string' },
      profiles: { type: 'string' },
      reps: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log([
      'usage: npm run bench -- [--quick] [--data DIR] [--skip-generate] [--only copy,precise,transcode,model,memory,record]',
      '  --quick          smoke run: 320x180, 6 s windows, K in {1,3}, 1 repetition (results-quick.{json,md})',
      '  --data DIR       keep the generated recordings and clips in DIR (default: a temp dir, removed at the end)',
      '  --skip-generate  DIR already holds the generated recordings (from an earlier run with --data DIR)',
      '  --only LIST      run only these sections (model needs transcode; record = concurrent RTMP recordings and a 4-user mix)',
      '  --ks 1,4,15      transcode: these part counts instead of the plan\'s',
      '  --profiles 720p  transcode: these profiles (720p, vertical)',
      '  --reps N         repetitions per measurement',
    ].join('\n'));
    process.exit(0);
  }
  if (values['skip-generate'] && !values.data) {
    console.error('error: --skip-generate needs --data DIR holding an earlier run\'s recordings');
    process.exit(2);
  }
  let only: Set<string> | undefined;
  if (values.only) {
    only = new Set(values.only.split(',').map((s) => s.trim()).filter(Boolean));
    const bad = [...only].filter((s) => !SECTIONS.includes(s));
    if (bad.length) {
      console.error(`error: unknown section(s) ${bad.join(', ')}; known: ${SECTIONS.join(', ')}`);
      process.exit(2);
    }
  }
  const quick = Boolean(values.quick);
  const base = quick ? QUICK_PLAN : FULL_PLAN;
  const list = (v: string | undefined) => v?.split(',').map((x) => x.trim()).filter(Boolean);
  const ks = list(values.ks)?.map(Number);
  if (ks?.some((k) => !Number.isInteger(k) || k < 1 || k > 64)) { console.error('error: --ks takes part counts 1..64'); process.exit(2); }
  const profiles = list(values.profiles);
  if (profiles?.some((p) => p !== '720p' && p !== 'vertical')) { console.error('error: --profiles takes 720p and/or vertical'); process.exit(2); }
  const reps = values.reps !== undefined ? Number(values.reps) : undefined;
  if (reps !== undefined && (!Number.isInteger(reps) || reps < 1)) { console.error('error: --reps takes a positive integer'); process.exit(2); }
  const plan = { ...base, ...(ks ? { ks } : {}), ...(profiles ? { profiles: profiles as BenchPlan['profiles'] } : {}), ...(reps ? { reps } : {}) };
  return {
    quick,
    dataDir: values.data ? path.resolve(values.data) : undefined,
    skipGenerate: Boolean(values['skip-generate']),
    only,
    command: ['npm run bench', ...(argv.length ? ['--', ...argv] : [])].join(' '),
    plan,
  };
}

export const wants = (o: BenchOptions, section: string) => !o.only || o.only.has(section);

export function machineInfo() {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model ?? 'unknown',
    cpuCount: cpus.length,
    availableParallelism: os.availableParallelism?.() ?? cpus.length,
    cpuMHz: cpus[0]?.speed ?? 0,
    totalMemMB: Math.round(os.totalmem() / 1024 / 1024),
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    node: process.version,
    loadAvg: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
}
