import { z } from 'zod';
import { ID_PATTERN } from './ids.ts';
import { AppError } from './app-error.ts';

export const idSchema = z.string().regex(ID_PATTERN, 'must match [A-Za-z0-9_-]{1,128}');

const MEDIA_DESCRIPTION = 'Tracks to record: av (both), audio or video only.';
const NORMALIZE_DESCRIPTION = 'Re-encode with a keyframe every segment (for sources whose keyframes are sparse or whose codecs are not H.264/AAC).';

/** Where a recorder pulls from. testsrc and file run locally (tests, demos); the rest are live network sources. */
export const testPatternSourceSchema = z.object({
  type: z.literal('testsrc'),
  width: z.number().int().min(64).max(3840).default(1280).describe('Picture width in pixels.'),
  height: z.number().int().min(64).max(2160).default(720).describe('Picture height in pixels.'),
  fps: z.number().int().min(1).max(60).default(30).describe('Frames per second.'),
  audio: z.boolean().default(true).describe('Add a test tone (440 Hz beeps).'),
  clock: z.boolean().default(true).describe('Burn the wall clock into the picture, so a viewer sees which moment was clipped.'),
}).strict().describe('A generated test pattern (local runs only: HL_ALLOW_LOCAL_SOURCES).');

export const fileSourceSchema = z.object({
  type: z.literal('file'),
  path: z.string().min(1).max(4096).describe('A media file on the server.'),
  loop: z.boolean().default(true).describe('Play the file again from the start when it ends.'),
  normalize: z.boolean().default(false).describe(NORMALIZE_DESCRIPTION),
}).strict().describe('A media file played as a live source (local runs only: HL_ALLOW_LOCAL_SOURCES).');

/** Which tracks of a source to record: both, or only the audio or only the video (single-stream room recording with separate files). */
export const mediaKinds = ['av', 'audio', 'video'] as const;
export type MediaKind = (typeof mediaKinds)[number];

/**
 * A live network source: rtmp(s)://, srt://, or http(s):// HLS or HTTP-FLV. Stream copy when the
 * source is H.264/AAC; `normalize` re-encodes with a keyframe every segment for sources whose
 * keyframes are sparse or whose codecs are not H.264/AAC.
 */
export const urlSourceSchema = z.object({
  type: z.literal('url'),
  url: z.string().min(1).max(2048).describe('rtmp(s)://, srt://, or http(s):// HLS (.m3u8) or HTTP-FLV (.flv); checked against the URL policy (no credentials; no private or loopback hosts outside local runs; HL_ALLOWED_HOSTS).'),
  media: z.enum(mediaKinds).default('av').describe(MEDIA_DESCRIPTION),
  normalize: z.boolean().default(false).describe(NORMALIZE_DESCRIPTION),
}).strict().describe('A live network source: stream copy when it is H.264/AAC.');

/** A TRTC user's CDN relay; the URL is built from the configured relay domain (stream id <sdkAppId>_<roomId>_<userId>_main|aux). */
export const trtcSourceSchema = z.object({
  type: z.literal('trtc'),
  sdkAppId: z.number().int().min(1).max(2 ** 32).describe('The TRTC application id.'),
  roomId: z.union([z.number().int().min(1).max(2 ** 32), idSchema]).describe('The TRTC room: a numeric or a string room id.'),
  userId: idSchema.describe('The TRTC user whose stream to record.'),
  stream: z.enum(['main', 'aux']).default('main').describe('main: the camera stream; aux: the screen share.'),
  media: z.enum(mediaKinds).default('av').describe(MEDIA_DESCRIPTION),
  normalize: z.boolean().default(false).describe(NORMALIZE_DESCRIPTION),
}).strict().describe("A TRTC user's CDN relay (needs HL_TRTC_RELAY_DOMAIN).");

/** Several live sources composited into one stream (grid + mixed audio); made by room recordings. */
export const mixSourceSchema = z.object({
  type: z.literal('mix'),
  inputs: z.array(z.object({ userId: idSchema, url: z.string().min(1).max(2048) }).strict()).max(64)
    .describe('The streams to composite (at most HL_MAX_MIX_USERS); empty only for a room mix waiting for its first user.'),
  media: z.enum(mediaKinds).default('av').describe(MEDIA_DESCRIPTION),
  canvas: z.object({
    width: z.number().int().min(64).max(3840).multipleOf(2).default(1280),
    height: z.number().int().min(64).max(2160).multipleOf(2).default(720),
    fps: z.number().int().min(1).max(60).default(30),
  }).strict().default({ width: 1280, height: 720, fps: 30 }).describe('The size and frame rate of the composited picture.'),
}).strict().describe('Several live sources composited into one stream (grid and mixed audio).');

export const sourceSchema = z.discriminatedUnion('type', [testPatternSourceSchema, fileSourceSchema, urlSourceSchema, trtcSourceSchema, mixSourceSchema])
  .describe('Where the recorder pulls from, chosen by `type`.');
export type SourceSpec = z.infer<typeof sourceSchema>;
/** Sources that are live network pulls: they drop, stall and reconnect. */
export const isLiveSource = (s: SourceSpec) => s.type === 'url' || s.type === 'trtc' || s.type === 'mix';

export const streamSpecSchema = z.object({
  id: idSchema.describe('Your id for the stream; starting a stopped stream again continues its playlist.'),
  source: sourceSchema,
  retentionSec: z.number().int().min(10).max(7 * 24 * 3600).default(600).describe('Recorded segments are kept this long; a highlight window must start inside it.'),
  segmentSec: z.number().int().min(1).max(10).default(2).describe('Target segment length (copy mode cuts at the source keyframes, so segments of a sparse-keyframe source run longer).'),
  stallSec: z.number().int().min(2).max(120).default(10).describe('Live sources: no data for this long counts as a drop (then reconnect).'),
  reconnectSec: z.number().int().min(0).max(24 * 3600).default(60).describe('Live sources: keep reconnecting for this long after a drop before the stream ends as "ended".'),
  room: z.object({ roomId: idSchema, recordingId: idSchema, userId: idSchema.optional(), track: z.enum(mediaKinds) }).strict().optional()
    .describe('Where the stream belongs: set by room recordings only (POST /v1/streams refuses it with 422).'),
}).strict()
  .refine((s) => s.source.type !== 'mix' || s.source.inputs.length > 0 || s.room !== undefined, { message: 'a mix needs at least one input', path: ['source', 'inputs'] });
export type StreamSpec = z.infer<typeof streamSpecSchema>;

/** ended: a live source stayed gone past reconnectSec (like a user leaving the room). */
export const streamStates = ['starting', 'recording', 'reconnecting', 'stopping', 'stopped', 'ended', 'failed'] as const;
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
  /** Live sources: reconnects after drops or stalls, and when the last drop began. */
  reconnects?: number;
  lastDropAt?: string;
  /** Hand-overs to a fresh invocation before a function deadline. */
  handovers?: number;
  /** Longest segment so far: in copy mode segments follow the source's keyframe interval. */
  maxSegmentSec?: number;
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
  id: idSchema.optional().describe('Your id for the highlight: the same id and request again returns the existing job (200); the same id with a different request is refused (409). Absent: the server makes one.'),
  streamId: idSchema.describe('The stream to clip (its id from POST /v1/streams).'),
  at: instantSchema.optional().describe('The moment of the highlight: ISO-8601 date-time with zone, or epoch milliseconds; default now; at most 30 s in the future.'),
  before: z.number().min(0).max(3600).default(20).describe('Seconds before `at` where the clip starts.'),
  after: z.number().min(0).max(600).default(0).describe('Seconds after `at` where the clip ends (post-roll: the job waits for them to be recorded).'),
  mode: z.enum(clipModes).default('copy').describe('copy: stream copy from the keyframe at or before the start; precise: frame-exact boundaries (smart cut); transcode: a new rendition (profile), frame-exact.'),
  profile: z.enum(outputProfiles).optional().describe('transcode: the rendition (default 720p).'),
  fit: z.enum(['crop', 'blur']).optional().describe('transcode, vertical: centre crop, or the whole frame over a blurred fill (default blur).'),
  crf: z.number().int().min(16).max(35).optional().describe('transcode: x264 constant rate factor, lower is better (default 23).'),
  preset: z.enum(x264Presets).optional().describe('transcode: x264 preset (default veryfast).'),
  maxBitrateKbps: z.number().int().min(200).max(20_000).optional().describe('transcode: cap on the video bitrate in kbit/s.'),
  parts: z.number().int().min(1).max(64).optional().describe('transcode: split the window into this many parts (fan-out width).'),
  partSec: z.number().min(1).max(300).optional().describe('transcode: or into parts of about this many seconds (aligned to segments).'),
  callbackUrl: z.string().url().max(2048).optional().describe('Gets a signed POST with the job when it ends (http(s); no credentials; no private or loopback hosts outside local runs; HL_ALLOWED_HOSTS).'),
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
  source: 'api' | 'trigger' | 'direct' | 'schedule';
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
