import { signedHeaders } from '../auth/request-signature.ts';
import type { ClipJob } from '../domain/schemas.ts';
import { jobView } from './job-view.ts';
import type { Logger } from '../log/logger.ts';

export interface CallbackOutcome {
  delivered: boolean;
  attempts: number;
  lastStatus?: number;
  lastError?: string;
  at: string;
}

const retryable = (status: number) => status >= 500 || status === 408 || status === 429;

export interface PostOptions {
  secret: string;
  attempts: number;
  baseDelayMs: number;
  timeoutMs?: number;
  log: Logger;
  signal?: AbortSignal;
  /** Log fields that name what is being delivered. */
  what?: Record<string, unknown>;
}

/**
 * POST a JSON body to a callback URL, signed like API requests (X-HL-Timestamp, X-HL-Nonce,
 * X-HL-Signature over the URL's path and the body). Retries network errors, 5xx, 408 and 429 with
 * exponential backoff and full jitter; any other status ends the attempts.
 */
export async function postSignedJson(target: string, body: string, o: PostOptions): Promise<CallbackOutcome> {
  const url = new URL(target);
  let lastStatus: number | undefined;
  let lastError: string | undefined;
  let attempt = 0;
  while (attempt < o.attempts) {
    attempt++;
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...signedHeaders(o.secret, 'POST', url.pathname, body) },
        body,
        signal: AbortSignal.timeout(o.timeoutMs ?? 10_000),
      });
      lastStatus = res.status;
      await res.arrayBuffer().catch(() => undefined);
      if (res.ok) return { delivered: true, attempts: attempt, lastStatus, at: new Date().toISOString() };
      lastError = `HTTP ${res.status}`;
      if (!retryable(res.status)) break;
    } catch (err) {
      lastError = (err as Error).message;
    }
    if (attempt < o.attempts) {
      const delay = Math.random() * o.baseDelayMs * 2 ** (attempt - 1);
      o.log.warn('callback.retry', { ...o.what, attempt, lastStatus, lastError, delayMs: Math.round(delay) });
      await new Promise((r) => setTimeout(r, delay));
    }
  }
  o.log.error('callback.undelivered', { ...o.what, lastStatus, lastError });
  return { delivered: false, attempts: attempt, lastStatus, lastError, at: new Date().toISOString() };
}

/** POST the finished job to its callback URL: `{event: "highlight.finished", highlight}`. */
export function sendCallback(job: ClipJob, o: Omit<PostOptions, 'what'>): Promise<CallbackOutcome> {
  return postSignedJson(job.callbackUrl!, JSON.stringify({ event: 'highlight.finished', highlight: jobView(job) }), { ...o, what: { jobId: job.id } });
}
