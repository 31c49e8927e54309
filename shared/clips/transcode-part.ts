import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { z } from 'zod';
import { idSchema } from '../domain/schemas.ts';
import { clipPrefix, streamPrefix } from '../domain/store-keys.ts';
import { encodePart, H264_PRESETS } from '../media/encode-part.ts';
import type { Logger } from '../log/logger.ts';
import type { ObjectStore } from '../storage/object-store.ts';

/** One part of a transcode, as the clipper sends it to the transcoder function. */
export const partTaskSchema = z.object({
  action: z.literal('part'),
  streamId: idSchema,
  clipId: idSchema,
  index: z.number().int().min(0).max(9999),
  /** Segment URIs relative to the stream (as in its playlist). */
  segments: z.array(z.string().regex(/^seg\/[A-Za-z0-9._-]+\.ts$/)).min(1).max(120),
  video: z.object({
    width: z.number().int().min(16).max(3840).refine((n) => n % 2 === 0, 'must be even'),
    height: z.number().int().min(16).max(3840).refine((n) => n % 2 === 0, 'must be even'),
    crf: z.number().int().min(12).max(40).default(23),
    preset: z.enum(H264_PRESETS).default('veryfast'),
  }).strict(),
}).strict();
export type PartTask = z.output<typeof partTaskSchema>;

export interface PartResult {
  key: string;
  sizeBytes: number;
  encodeMs: number;
}

/**
 * Fetch the part's segments, encode its video with the clip's shared parameters and store
 * clips/<id>/parts/<n>.ts. Parts are MPEG-TS and are not probed here: the npm-installed static
 * ffprobe builds crash on TS input (docs/architecture.md); the clipper probes the joined MP4.
 */
export async function transcodePart(task: PartTask, d: { store: ObjectStore; log: Logger; signal?: AbortSignal }): Promise<PartResult> {
  const tmp = await mkdtemp(path.join(os.tmpdir(), `hl-part-${task.clipId}-${task.index}-`));
  try {
    const files: string[] = [];
    for (const [i, uri] of task.segments.entries()) {
      const file = path.join(tmp, `${i}.ts`);
      await pipeline(await d.store.stream(streamPrefix(task.streamId) + uri), createWriteStream(file));
      files.push(file);
    }
    const out = path.join(tmp, 'part.ts');
    const started = Date.now();
    await encodePart(files, out, task.video, d.signal);
    const encodeMs = Date.now() - started;
    const sizeBytes = (await stat(out)).size;
    const key = `${clipPrefix(task.clipId)}parts/${String(task.index).padStart(4, '0')}.ts`;
    await d.store.put(key, createReadStream(out), { contentType: 'video/mp2t' });
    d.log.info('part.encoded', { key, encodeMs, sizeBytes });
    return { key, sizeBytes, encodeMs };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
