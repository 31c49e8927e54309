import { createHash } from 'node:crypto';
import path from 'node:path';
import { AppError, toErrorBody } from '../domain/app-error.ts';
import { isValidKey } from '../domain/ids.ts';
import type { ClipJob } from '../domain/schemas.ts';
import { HIGHLIGHT_TRIGGER_PREFIX } from '../domain/store-keys.ts';
import type { Logger } from '../log/logger.ts';
import { putJson, type ObjectStore } from '../storage/object-store.ts';
import { acceptHighlight, acceptOptionsFrom } from './accept-highlight.ts';
import type { Config } from '../config/config.ts';

/** Outcome of each trigger file, beside the inbox (not inside it, so it does not trigger again). */
export const TRIGGER_RESULT_PREFIX = 'triggers/results/';
const MAX_TRIGGER_BYTES = 64 * 1024;

/**
 * A highlight request dropped as JSON under triggers/highlights/. Accepted exactly like an API
 * request; without an "id" the job id derives from the file's key and content, so the same event
 * delivered twice makes one job. The outcome is written to triggers/results/<name>.
 */
export async function acceptTriggerFile(key: string, d: { store: ObjectStore; log: Logger; config: Config }): Promise<ClipJob | null> {
  const log = d.log.child({ trigger: key });
  if (!isValidKey(key) || !key.startsWith(HIGHLIGHT_TRIGGER_PREFIX) || !key.endsWith('.json')) {
    log.warn('trigger.ignored', { reason: `not a ${HIGHLIGHT_TRIGGER_PREFIX}*.json key` });
    return null;
  }
  const resultKey = TRIGGER_RESULT_PREFIX + path.posix.basename(key);
  try {
    const head = await d.store.head(key);
    if (!head) throw new AppError('NOT_FOUND', `trigger file ${key} is gone`);
    if (head.size > MAX_TRIGGER_BYTES) throw new AppError('PAYLOAD_TOO_LARGE', `trigger file is larger than ${MAX_TRIGGER_BYTES} bytes`);
    const body = (await d.store.get(key)).toString('utf8');
    let raw: unknown;
    try {
      raw = JSON.parse(body);
    } catch {
      throw new AppError('INVALID_JSON', `trigger file ${key} is not valid JSON`);
    }
    const defaultId = 'trg-' + createHash('sha256').update(key).update('\0').update(body).digest('hex').slice(0, 24);
    const { job, created } = await acceptHighlight(raw, { ...acceptOptionsFrom(d.config, d.store), source: 'trigger', defaultId });
    log.info('trigger.accepted', { jobId: job.id, created });
    await putJson(d.store, resultKey, { trigger: key, id: job.id, status: job.state, statusUrl: `/v1/highlights/${job.id}` });
    return job;
  } catch (err) {
    const error = toErrorBody(err);
    log.warn('trigger.rejected', error);
    await putJson(d.store, resultKey, { trigger: key, error }).catch(() => {});
    return null;
  }
}
