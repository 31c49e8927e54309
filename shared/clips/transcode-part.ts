import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { idSchema, outputProfiles, x264Presets } from '../domain/schemas.ts';
import { clipPrefix } from '../domain/store-keys.ts';
import { keyframeArgs, profileFilter, videoEncodeArgs } from '../media/output-profiles.ts';
import { runFfmpeg } from '../media/run-ffmpeg.ts';
import type { Logger } from '../log/logger.ts';
import { putJson, type ObjectStore } from '../storage/object-store.ts';
import { segmentFiles } from './segment-files.ts';

/** One part of a transcode, as the clipper sends it to the transcoder function. */
export const partTaskSchema = z.object({
  action: z.literal('part'),
  streamId: idSchema,
  clipId: idSchema,
  index: z.number().int().min(0).max(9999),
  /** Segment URIs relative to the stream (as in its playlist); the first starts on a keyframe. */
  segments: z.array(z.string().regex(/^seg\/[A-Za-z0-9._-]+\.ts$/)).min(1).max(600),
  /** Skip this many decoded frames (exact window start), then make `frames` frames. */
  startFrame: z.number().int().min(0).max(100_000),
  frames: z.number().int().min(1).max(1_000_000),
  /** Output frames to make keyframes (the source's segment starts), so parts and a single pass share a GOP layout. */
  keyframes: z.array(z.number().int().min(1)).max(10_000).default([]),
  settings: z.object({
    profile: z.enum(outputProfiles),
    fit: z.enum(['crop', 'blur']),
    crf: z.number().int().min(16).max(35),
    preset: z.enum(x264Presets),
    maxBitrateKbps: z.number().int().min(200).max(20_000).optional(),
  }),
  /** x264 threads; 0 lets x264 decide (a cloud instance has the machine to itself). */
  threads: z.number().int().min(0).max(64).default(0),
  /** The clipper's hash of everything above: stored with the part so a resumed clip can trust it. */
  hash: z.string().regex(/^[0-9a-f]{16,64}$/),
});
export type PartTask = z.input<typeof partTaskSchema>;

export interface PartResult {
  key: string;
  sizeBytes: number;
  encodeMs: number;
}

export const partKey = (clipId: string, index: number) => `${clipPrefix(clipId)}parts/${String(index).padStart(4, '0')}.mp4`;
export const partMetaKey = (clipId: string, index: number) => `${clipPrefix(clipId)}parts/${String(index).padStart(4, '0')}.json`;

/**
 * Encode one part: decode its segments, keep exactly its frames, apply the profile, encode video only
 * with the clip's shared x264 settings into an MP4 part that starts with an IDR frame. The part is
 * stored first and its metadata (with the hash) after, so metadata means a complete part.
 */
export async function transcodePart(raw: unknown, d: { store: ObjectStore; log: Logger; signal?: AbortSignal }): Promise<PartResult> {
  const task = partTaskSchema.parse(raw);
  const tmp = await mkdtemp(path.join(os.tmpdir(), `hl-part-${task.clipId}-${task.index}-`));
  try {
    const files = await segmentFiles(d.store, task.streamId, task.segments, tmp, d.signal);
    const out = path.join(tmp, 'part.mp4');
    const started = Date.now();
    await runFfmpeg([
      '-hide_banner', '-loglevel', 'error', '-y', '-i', `concat:${files.join('|')}`,
      // Cut by frame index on the decoded frames and keep their timing (no frame-rate conversion,
      // which would duplicate or drop frames at the edges).
      '-map', '0:v:0', '-an', '-vsync', 'passthrough',
      '-vf', `trim=start_frame=${task.startFrame}:end_frame=${task.startFrame + task.frames},setpts=PTS-STARTPTS,${profileFilter(task.settings.profile, task.settings.fit)}`,
      ...videoEncodeArgs(task.settings, task.threads), ...keyframeArgs(task.keyframes),
      '-f', 'mp4', out,
    ], { signal: d.signal, what: `encode part ${task.index}` });
    const encodeMs = Date.now() - started;
    const sizeBytes = (await stat(out)).size;
    const key = partKey(task.clipId, task.index);
    await d.store.putFile(key, out, { contentType: 'video/mp4' });
    await putJson(d.store, partMetaKey(task.clipId, task.index), { hash: task.hash, key, sizeBytes, encodeMs });
    d.log.info('part.encoded', { key, encodeMs, sizeBytes });
    return { key, sizeBytes, encodeMs };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
