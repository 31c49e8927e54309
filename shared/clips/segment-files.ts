import { createWriteStream } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import pLimit from 'p-limit';
import { AppError } from '../domain/app-error.ts';
import { streamPrefix } from '../domain/store-keys.ts';
import type { ObjectStore } from '../storage/object-store.ts';

/**
 * Local files for a stream's segments (playlist URIs), in order: read in place when the store
 * keeps objects as local files, else fetched into workDir, a few at a time.
 */
export async function segmentFiles(store: ObjectStore, streamId: string, uris: string[], workDir: string, signal?: AbortSignal): Promise<string[]> {
  const keys = uris.map((u) => streamPrefix(streamId) + u);
  if (store.localPath) {
    const paths = keys.map((k) => store.localPath!(k));
    if (paths.every((p): p is string => Boolean(p))) {
      for (const k of keys) if (!(await store.head(k))) throw new AppError('NOT_FOUND', `segment ${k} is gone (retention?)`);
      return paths;
    }
  }
  const limit = pLimit(4);
  return Promise.all(keys.map((k, i) => limit(async () => {
    if (signal?.aborted) throw new AppError('ABORTED', 'aborted while fetching segments');
    const file = path.join(workDir, `seg-${String(i).padStart(5, '0')}.ts`);
    await pipeline(await store.stream(k), createWriteStream(file));
    return file;
  })));
}
