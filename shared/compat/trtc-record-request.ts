import { z } from 'zod';
import { AppError } from '../domain/app-error.ts';
import { ID_PATTERN, isValidKey } from '../domain/ids.ts';
import type { MediaKind } from '../domain/schemas.ts';

/**
 * The body of Tencent's SCF "single-stream / mixed-stream recording" templates
 * (REFERENCE.md §8), accepted as they send it. Field names and Mode codes are theirs.
 */
const sdkAppId = z.union([z.number().int().min(1).max(2 ** 32 - 1), z.string().regex(/^\d{1,10}$/).transform(Number)]);
const MODES = ['00', '01', '02', '10', '11', '12'] as const;
export type TemplateMode = (typeof MODES)[number];

export const trtcRecordRequestSchema = z.object({
  SdkAppId: sdkAppId.describe('The TRTC application.'),
  RoomId: z.union([z.number().int().min(0).max(2 ** 32 - 1), z.string().regex(/^\d{1,10}$/).transform(Number)]).optional().describe('A numeric room (0 means none).'),
  StrRoomId: z.string().max(64).optional().describe('A string room ("" means none).'),
  UserId: z.union([z.string().max(128), z.literal(0)]).describe('The recording user; "0" or 0 gets a random id.'),
  UserSig: z.string().min(1).max(4096).describe("The recording user's UserSig."),
  CosConfig: z.object({
    SecretId: z.string().min(1).max(256).optional(),
    SecretKey: z.string().min(1).max(256).optional(),
    Region: z.string().regex(/^[a-z]+-[a-z-]+$/, 'must look like ap-guangzhou'),
    Bucket: z.string().regex(/^[a-z\d-]+-\d+$/, 'must be <name>-<appid>, e.g. records-1250000000'),
    Path: z.string().max(512).default(''),
  }).strict()
    .refine((c) => (c.SecretId === undefined) === (c.SecretKey === undefined), { message: 'give SecretId and SecretKey together, or neither (the role\'s keys)' })
    .refine((c) => { const p = c.Path.replace(/^\/+/, '').replace(/\/+$/, ''); return p === '' || isValidKey(p); }, { message: 'Path must be folders of [A-Za-z0-9._-] separated by single slashes, with no . or .. parts', path: ['Path'] }),
  Callback: z.string().max(2048).optional().describe('Gets a POST of the result when the recording ends.'),
  Mode: z.union([z.enum(MODES), z.number().int().transform((n) => String(n).padStart(2, '0'))])
    .describe('00 audio (MP3), 01 video (MP4), 02 audio+video (MP4), each per user; 10, 11, 12 the same as one mix.'),
  IsReserve: z.union([z.boolean(), z.literal(0), z.literal(1)]).optional().describe('Accepted and kept; see docs/migrating-from-scf-templates.md.'),
}).strict();

export type TrtcRecordRequest = z.output<typeof trtcRecordRequestSchema>;

export interface CompatPlan {
  sdkAppId: number;
  /** The template's room as given (one of them), and our room id for it. */
  roomIdNum: number;
  strRoomId: string;
  roomId: string;
  /** The recording user as asked ("0" → random, decided by the caller). */
  userId: string;
  mode: TemplateMode;
  recording: { mode: 'single' | 'mixed'; media: MediaKind };
  /** File format of each output. */
  format: 'mp3' | 'mp4';
  /** Folder under the bucket, "" or ending in "/". */
  path: string;
}

/** Pure: the template request → what to record and how to name it. Throws VALIDATION_FAILED with the field. */
export function planCompatRecording(raw: unknown): { req: TrtcRecordRequest; plan: CompatPlan } {
  const parsed = trtcRecordRequestSchema.safeParse(raw);
  if (!parsed.success) {
    throw new AppError('VALIDATION_FAILED', parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
  }
  const req = parsed.data;
  if (!(MODES as readonly string[]).includes(req.Mode)) throw new AppError('VALIDATION_FAILED', `Mode: ${req.Mode} is not one of ${MODES.join(', ')}`);
  const mode = req.Mode as TemplateMode;
  const hasNum = req.RoomId !== undefined && req.RoomId !== 0;
  const hasStr = req.StrRoomId !== undefined && req.StrRoomId !== '';
  if (hasNum === hasStr) throw new AppError('VALIDATION_FAILED', 'give exactly one of RoomId (a number) and StrRoomId (a string)');
  const roomId = hasNum ? String(req.RoomId) : req.StrRoomId!;
  if (!ID_PATTERN.test(roomId)) {
    throw new AppError('VALIDATION_FAILED', `StrRoomId: "${roomId}" must match [A-Za-z0-9_-] here (TRTC allows more characters; this product's room ids do not)`);
  }
  const userId = String(req.UserId);
  if (userId !== '0' && !ID_PATTERN.test(userId)) throw new AppError('VALIDATION_FAILED', 'UserId: must match [A-Za-z0-9_-]{1,128}, or be "0" for a random one');
  const media: MediaKind = mode.endsWith('0') ? 'audio' : mode.endsWith('1') ? 'video' : 'av';
  const rawPath = req.CosConfig.Path.replace(/^\/+/, '');
  return {
    req,
    plan: {
      sdkAppId: req.SdkAppId, roomIdNum: hasNum ? req.RoomId! : 0, strRoomId: hasStr ? req.StrRoomId! : '', roomId, userId, mode,
      recording: { mode: mode.startsWith('0') ? 'single' : 'mixed', media },
      format: media === 'audio' ? 'mp3' : 'mp4',
      path: rawPath && !rawPath.endsWith('/') ? `${rawPath}/` : rawPath,
    },
  };
}

/** <Path><SdkAppId>_<room>_<user or "mix">_<UTC yyyyMMddHHmmss>.<mp3|mp4>: our naming (the template's is not published). */
export function compatFileName(plan: CompatPlan, who: string, start: Date): string {
  const stamp = start.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  return `${plan.path}${plan.sdkAppId}_${plan.roomId}_${who}_${stamp}.${plan.format}`;
}
