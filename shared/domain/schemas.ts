import { z } from 'zod';
import { ID_PATTERN } from './ids.ts';
import { AppError } from './app-error.ts';

export const idSchema = z.string().regex(ID_PATTERN, 'must match [A-Za-z0-9_-]{1,128}');

/** Where a recorder pulls from. Network sources come later; these two run locally. */
export const testPatternSourceSchema = z.object({
  type: z.literal('testsrc'),
  width: z.number().int().min(64).max(3840).default(1280),
  height: z.number().int().min(64).max(2160).default(720),
  fps: z.number().int().min(1).max(60).default(30),
  audio: z.boolean().default(true),
  /** Burn the wall clock into the picture, so a viewer sees which moment was clipped. */
  clock: z.boolean().default(true),
}).strict();

export const fileSourceSchema = z.object({
  type: z.literal('file'),
  path: z.string().min(1).max(4096),
  loop: z.boolean().default(true),
  /** Re-encode with a keyframe every segment (for sources whose keyframes are sparse or codecs are not H.264/AAC). */
  normalize: z.boolean().default(false),
}).strict();

export const sourceSchema = z.discriminatedUnion('type', [testPatternSourceSchema, fileSourceSchema]);
export type SourceSpec = z.infer<typeof sourceSchema>;

export const streamSpecSchema = z.object({
  id: idSchema,
  source: sourceSchema,
  retentionSec: z.number().int().min(10).max(7 * 24 * 3600).default(600),
  segmentSec: z.number().int().min(1).max(10).default(2),
}).strict();
export type StreamSpec = z.infer<typeof streamSpecSchema>;

export const streamStates = ['starting', 'recording', 'stopping', 'stopped', 'failed'] as const;
export type StreamStateName = (typeof streamStates)[number];

export interface StreamState {
  spec: StreamSpec;
  state: StreamStateName;
  createdAt: string;
  startedAt?: string;
  stoppedAt?: string;
  heartbeatAt?: string;
  /** Invocation that holds the recorder role. */
  owner?: string;
  segmentCount: number;
  lastSegmentEnd?: string;
  restarts: number;
  error?: { code: string; message: string };
}

/** A point in time: ISO-8601 with zone, or epoch milliseconds. */
export const instantSchema = z.union([
  z.string().datetime({ offset: true }),
  z.number().int().min(0),
]).transform((v) => new Date(v));

export const clipModes = ['copy'] as const;

export const highlightRequestSchema = z.object({
  id: idSchema.optional(),
  streamId: idSchema,
  at: instantSchema.optional(),
  before: z.number().min(0).max(3600).default(20),
  after: z.number().min(0).max(600).default(0),
  mode: z.enum(clipModes).default('copy'),
}).strict().refine((r) => r.before + r.after > 0, { message: 'before + after must be more than 0 seconds' });
export type HighlightRequestInput = z.input<typeof highlightRequestSchema>;
export type HighlightRequest = z.output<typeof highlightRequestSchema>;

export const jobStates = ['queued', 'running', 'succeeded', 'failed'] as const;
export type JobState = (typeof jobStates)[number];

export interface ClipResult {
  key: string;
  url: string;
  posterKey: string;
  posterUrl: string;
  durationSec: number;
  sizeBytes: number;
  mode: 'copy';
  actual: { start: string; end: string };
  segments: number;
  /** Holes in the recording inside the window (recorder restarts), as [start, end] ISO pairs. */
  gaps: Array<{ start: string; end: string }>;
  /** Where the time went: waiting for post-roll segments to be recorded, then fetch + join + publish. */
  timings: { waitMs: number; processMs: number };
}

export interface ClipJob {
  id: string;
  streamId: string;
  mode: 'copy';
  requested: { at: string; before: number; after: number; start: string; end: string };
  /** Hash of the normalised request, so a reused id with a different request is refused. */
  requestHash: string;
  state: JobState;
  createdAt: string;
  updatedAt: string;
  acceptedAt: string;
  finishedAt?: string;
  progress: { phase: string; done: number; total: number };
  result?: ClipResult;
  error?: { code: string; message: string };
  attempts: number;
  source: 'api' | 'trigger' | 'direct';
}

/** Parse with a schema and turn failures into one readable VALIDATION_FAILED error. */
export function parseWith<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => `${i.path.length ? i.path.join('.') : what}: ${i.message}`);
  throw new AppError('VALIDATION_FAILED', `invalid ${what}: ${issues.join('; ')}`, r.error.issues);
}
