import { z } from 'zod';
import { idSchema, mediaKinds, type MediaKind } from '../domain/schemas.ts';

/** PUT /v1/rooms/:roomId/users/:userId: the user's stream (locally any source URL; in the cloud their TRTC relay). */
export const roomUserInputSchema = z.union([
  z.object({ url: z.string().min(1).max(2048).describe('Any source URL the URL policy allows (rtmp(s)://, srt://, http(s)://).') }).strict()
    .describe('The user streams from a URL (local runs).'),
  z.object({
    trtc: z.object({
      sdkAppId: z.number().int().min(1).max(2 ** 32).describe('The TRTC application id.'),
      stream: z.enum(['main', 'aux']).default('main').describe('main: the camera stream; aux: the screen share.'),
    }).strict().describe("The user's TRTC CDN relay (needs HL_TRTC_RELAY_DOMAIN)."),
  }).strict().describe('The user streams through TRTC.'),
]).describe("The user's stream.");

/** POST /v1/rooms/:roomId/recordings. Field names follow TRTC cloud recording where they can. */
export const roomRecordingRequestSchema = z.object({
  id: idSchema.optional().describe('Your id for the recording: the same id again returns the existing recording (200). Absent: the server makes one.'),
  mode: z.enum(['single', 'mixed']).describe('single: one recording per user; mixed: the chosen users composited into one stream.'),
  media: z.enum(mediaKinds).default('av').describe('Tracks to record: av (both), audio or video only.'),
  separateAV: z.boolean().default(false).describe('single + av: audio and video to separate files per user.'),
  userIds: z.array(idSchema).min(1).max(1000).optional().describe('Record only these users; absent: everyone announced in the room.'),
  recorderUserId: z.string().max(128).optional().describe('The recorder\'s own user id in the room; "0" or absent gets a random one.'),
  canvas: z.object({
    width: z.number().int().min(64).max(3840).multipleOf(2).default(1280),
    height: z.number().int().min(64).max(2160).multipleOf(2).default(720),
    fps: z.number().int().min(1).max(60).default(30),
  }).strict().optional().describe('mixed: the size and frame rate of the composited picture (default 1280x720 at 30 fps).'),
  segmentSec: z.number().int().min(1).max(10).default(2).describe('Target segment length of the recorded streams.'),
  retentionSec: z.number().int().min(10).max(7 * 24 * 3600).default(24 * 3600).describe('Segments are kept this long (the finalised files are made from them): default 24 h.'),
  reconnectSec: z.number().int().min(0).max(3600).default(30).describe("A user's stream gone this long ends their recording (like leaving the room)."),
}).strict()
  .refine((r) => !r.separateAV || (r.mode === 'single' && r.media === 'av'), { message: 'separateAV applies to mode "single" with media "av"', path: ['separateAV'] })
  .refine((r) => r.canvas === undefined || r.mode === 'mixed', { message: 'canvas applies to mode "mixed"', path: ['canvas'] });
export type RoomRecordingRequest = z.output<typeof roomRecordingRequestSchema>;

export interface RoomUser {
  roomId: string;
  userId: string;
  url: string;
  joinedAt: string;
}

/** One recorded track: a stream of the recording. */
export interface RecordingStream {
  streamId: string;
  /** Absent for a mix. */
  userId?: string;
  track: MediaKind;
}

export interface RoomRecording {
  id: string;
  roomId: string;
  mode: 'single' | 'mixed';
  media: MediaKind;
  separateAV: boolean;
  userIds?: string[];
  recorderUserId: string;
  canvas?: { width: number; height: number; fps: number };
  segmentSec: number;
  retentionSec: number;
  reconnectSec: number;
  state: 'recording' | 'stopping' | 'stopped';
  createdAt: string;
  stopRequestedAt?: string;
  streams: RecordingStream[];
  /** Files are made elsewhere: the SCF-template compatibility task streams them to the request's bucket. */
  delivery?: { kind: 'compat-trtc'; taskId: string };
}

/** A finalised file of one recording stream (rooms/<roomId>/<recordingId>/files/<streamId>.json). */
export interface RecordingFile {
  streamId: string;
  userId?: string;
  track: MediaKind;
  key: string;
  format: 'mp4' | 'm4a';
  start: string;
  end: string;
  durationSec: number;
  sizeBytes: number;
  /** Holes in the recording (drops, user away), wall clock. */
  gaps: Array<{ start: string; end: string }>;
  /** Set when the file could not be made (key is then empty). */
  error?: { code: string; message: string };
  /** Set when another part makes the file (key is then empty): the template compatibility task streams it to its bucket. */
  handledBy?: 'compat-trtc';
}
