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

export const clipModes = ['copy', 'precise', 'transcode'] as const;
export type ClipMode = (typeof clipModes)[number];
/** Named renditions for transcode mode (shared/media/output-profiles.ts). */
export const outputProfiles = ['source', '720p', '1080p', 'vertical'] as const;
export type OutputProfile = (typeof outputProfiles)[number];
/** H.264 presets a request may ask for; slower ones are not offered. */
export const x264Presets = ['ultrafast', 'superfast', 'veryfast', 'faster', 'fast', 'medium'] as const;

const TRANSCODE_ONLY = ['profile', 'fit', 'crf', 'preset', 'maxBitrateKbps', 'parts', 'partSec'] as const;

export const highlightRequestSchema = z.object({
  id: idSchema.optional(),
  streamId: idSchema,
  at: instantSchema.optional(),
  before: z.number().min(0).max(3600).default(20),
  after: z.number().min(0).max(600).default(0),
  mode: z.enum(clipModes).default('copy'),
  /** transcode: the rendition (default 720p). */
  profile: z.enum(outputProfiles).optional(),
  /** transcode, vertical: centre crop, or the whole frame over a blurred fill (default). */
  fit: z.enum(['crop', 'blur']).optional(),
  crf: z.number().int().min(16).max(35).optional(),
  preset: z.enum(x264Presets).optional(),
  maxBitrateKbps: z.number().int().min(200).max(20_000).optional(),
  /** transcode: split the window into this many parts (fan-out width). */
  parts: z.number().int().min(1).max(64).optional(),
  /** transcode: or into parts of about this many seconds (aligned to segments). */
  partSec: z.number().min(1).max(300).optional(),
  /** Gets a signed POST with the job when it ends. */
  callbackUrl: z.string().url().max(2048).optional(),
}).strict()
  .refine((r) => r.before + r.after > 0, { message: 'before + after must be more than 0 seconds' })
  .refine((r) => r.mode === 'transcode' || TRANSCODE_ONLY.every((k) => r[k] === undefined), {
    message: `${TRANSCODE_ONLY.join(', ')} apply to mode "transcode" only`,
  })
  .refine((r) => r.fit === undefined || r.profile === 'vertical', { message: 'fit applies to the vertical profile only', path: ['fit'] })
  .refine((r) => r.parts === undefined || r.partSec === undefined, { message: 'give parts or partSec, not both', path: ['parts'] });
export type HighlightRequestInput = z.input<typeof highlightRequestSchema>;
export type HighlightRequest = z.output<typeof highlightRequestSchema>;

export const jobStates = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type JobState = (typeof jobStates)[number];
export const isFinal = (s: JobState) => s === 'succeeded' || s === 'failed' || s === 'cancelled';

/** Encoder settings of a transcode, fixed when the job is accepted. */
export interface TranscodeSettings {
  profile: OutputProfile;
  fit: 'crop' | 'blur';
  crf: number;
  preset: (typeof x264Presets)[number];
  maxBitrateKbps?: number;
  parts?: number;
  partSec?: number;
}

export interface ClipResult {
  key: string;
  url: string;
  posterKey: string;
  posterUrl: string;
  durationSec: number;
  sizeBytes: number;
  mode: ClipMode;
  /** How the MP4 was made: copy (keyframe-aligned start), smart-cut or full-reencode (precise), fan-out (transcode). */
  method: 'copy' | 'smart-cut' | 'full-reencode' | 'fan-out';
  /** Why precise mode fell back to a full re-encode. */
  methodReason?: string;
  width?: number;
  height?: number;
  actual: { start: string; end: string };
  segments: number;
  /** Holes in the recording inside the window (recorder restarts), as [start, end] ISO pairs. */
  gaps: Array<{ start: string; end: string }>;
  /** transcode: parts planned, reused from an earlier run, and encoded by this run (ms each). */
  parts?: { total: number; reused: number; encoded: number; encodeMs: number[] };
  /** Where the time went: waiting for post-roll segments to be recorded, then making and publishing the MP4. */
  timings: { waitMs: number; processMs: number };
}

export interface ClipJob {
  id: string;
  streamId: string;
  mode: ClipMode;
  transcode?: TranscodeSettings;
  requested: { at: string; before: number; after: number; start: string; end: string };
  /** Hash of the normalised request, so a reused id with a different request is refused. */
  requestHash: string;
  state: JobState;
  createdAt: string;
  updatedAt: string;
  acceptedAt: string;
  finishedAt?: string;
  progress: { phase: string; done: number; total: number; etaSec?: number };
  /** Instant preview: an HLS playlist over the window's recorded segments, there from acceptance. */
  preview?: { key: string; url: string };
  result?: ClipResult;
  error?: { code: string; message: string };
  attempts: number;
  source: 'api' | 'trigger' | 'direct';
  /** The clipper invocation working on it (for cancel). */
  invocationId?: string;
  callbackUrl?: string;
  callback?: { delivered: boolean; attempts: number; lastStatus?: number; lastError?: string; at?: string };
}

/** Parse with a schema and turn failures into one readable VALIDATION_FAILED error. */
export function parseWith<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => `${i.path.length ? i.path.join('.') : what}: ${i.message}`);
  throw new AppError('VALIDATION_FAILED', `invalid ${what}: ${issues.join('; ')}`, r.error.issues);
}
