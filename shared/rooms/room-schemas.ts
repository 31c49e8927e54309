import { z } from 'zod';
import { idSchema, mediaKinds, type MediaKind } from '../domain/schemas.ts';

/** PUT /v1/rooms/:roomId/users/:userId: the user's stream (locally any source URL; in the cloud their TRTC relay). */
export const roomUserInputSchema = z.union([
  z.object({ url: z.string().min(1).max(2048) }).strict(),
  z.object({ trtc: z.object({ sdkAppId: z.number().int().min(1).max(2 ** 32), stream: z.enum(['main', 'aux']).default('main') }).strict() }).strict(),
]);

/** POST /v1/rooms/:roomId/recordings. Field names follow TRTC cloud recording where they can. */
export const roomRecordingRequestSchema = z.object({
  id: idSchema.optional(),
  /** single: one recording per user; mixed: the chosen users composited into one stream. */
  mode: z.enum(['single', 'mixed']),
  media: z.enum(mediaKinds).default('av'),
  /** single + av: audio and video to separate files per user. */
  separateAV: z.boolean().default(false),
  /** Record only these users; absent = everyone announced in the room. */
  userIds: z.array(idSchema).min(1).max(1000).optional(),
  /** The recorder's own user id in the room; "0" or absent gets a random one. */
  recorderUserId: z.string().max(128).optional(),
  canvas: z.object({
    width: z.number().int().min(64).max(3840).multipleOf(2).default(1280),
    height: z.number().int().min(64).max(2160).multipleOf(2).default(720),
    fps: z.number().int().min(1).max(60).default(30),
  }).strict().optional(),
  segmentSec: z.number().int().min(1).max(10).default(2),
  /** Segments are kept this long (the finalised files are made from them): default 24 h. */
  retentionSec: z.number().int().min(10).max(7 * 24 * 3600).default(24 * 3600),
  /** A user's stream gone this long ends their recording (like leaving the room). */
  reconnectSec: z.number().int().min(0).max(3600).default(30),
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
}
