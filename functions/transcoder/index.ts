import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { z } from 'zod';
import { idSchema, parseWith } from '../../shared/domain/schemas.ts';
import { clipPrefix, streamPrefix } from '../../shared/domain/store-keys.ts';
import { encodePart, H264_PRESETS } from '../../shared/media/encode-part.ts';
import { stat } from 'node:fs/promises';
import { defineHandler } from '../../shared/runtime/define-handler.ts';

const partTask = z.object({
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

/**
 * One part of a transcode, invoked synchronously per part by the clipper's fan-out: fetch the
 * part's segments, encode video with the clip's shared parameters, store clips/<id>/parts/<n>.ts.
 */
export const main_handler = defineHandler('transcoder', async (event, { deps, log, signal }) => {
  const task = parseWith(partTask, event, 'part task');
  const tmp = await mkdtemp(path.join(os.tmpdir(), `hl-part-${task.clipId}-${task.index}-`));
  try {
    const files: string[] = [];
    for (const [i, uri] of task.segments.entries()) {
      const file = path.join(tmp, `${i}.ts`);
      await pipeline(await deps.store.stream(streamPrefix(task.streamId) + uri), createWriteStream(file));
      files.push(file);
    }
    const out = path.join(tmp, 'part.ts');
    const started = Date.now();
    await encodePart(files, out, task.video, signal);
    const sizeBytes = (await stat(out)).size;
    const key = `${clipPrefix(task.clipId)}parts/${String(task.index).padStart(4, '0')}.ts`;
    await deps.store.put(key, createReadStream(out), { contentType: 'video/mp2t' });
    log.info('part.encoded', { key, ms: Date.now() - started, sizeBytes });
    // Parts are MPEG-TS: the npm-installed static ffprobe builds crash on TS input, so parts are
    // not probed here; the clipper probes the joined MP4.
    return { key, sizeBytes, encodeMs: Date.now() - started };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
});
