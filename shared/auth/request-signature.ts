import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { AppError } from '../domain/app-error.ts';

/**
 * Webhook signing, documented in README.md:
 *   X-HL-Timestamp: <unix seconds>
 *   X-HL-Nonce:     <8–64 chars [A-Za-z0-9_-], new for every request>
 *   X-HL-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>\n<nonce>\n<METHOD>\n<path>\n<body>")>
 * The path is the request path without query string; the body is the raw bytes sent.
 * The nonce lets two identical requests in the same second (status polling) both pass the
 * replay check, while a captured request cannot be sent again.
 */
export const TIMESTAMP_HEADER = 'x-hl-timestamp';
export const NONCE_HEADER = 'x-hl-nonce';
export const SIGNATURE_HEADER = 'x-hl-signature';

export function signatureBase(timestamp: string, nonce: string, method: string, path: string, body: string): string {
  return `${timestamp}\n${nonce}\n${method.toUpperCase()}\n${path}\n${body}`;
}

export function sign(secret: string, timestamp: string, nonce: string, method: string, path: string, body: string): string {
  return 'v1=' + createHmac('sha256', secret).update(signatureBase(timestamp, nonce, method, path, body)).digest('hex');
}

export function signedHeaders(secret: string, method: string, path: string, body: string, now = Date.now()): Record<string, string> {
  const ts = String(Math.floor(now / 1000));
  const nonce = randomBytes(12).toString('hex');
  return { [TIMESTAMP_HEADER]: ts, [NONCE_HEADER]: nonce, [SIGNATURE_HEADER]: sign(secret, ts, nonce, method, path, body) };
}

/** Remembers signatures seen inside the tolerance window, so a captured request cannot be replayed. */
export class ReplayGuard {
  private seen = new Map<string, number>();
  constructor(private ttlMs: number) {}
  /** False when the signature was already used. */
  claim(signature: string, now = Date.now()): boolean {
    if (this.seen.size > 1000) for (const [k, exp] of this.seen) if (exp < now) this.seen.delete(k);
    const exp = this.seen.get(signature);
    if (exp !== undefined && exp >= now) return false;
    this.seen.set(signature, now + this.ttlMs);
    return true;
  }
}

export interface VerifyInput {
  secret: string;
  method: string;
  path: string;
  body: string;
  headers: Record<string, string | undefined>;
  toleranceSec: number;
  replay: ReplayGuard;
  now?: number;
}

export function verifyRequest(v: VerifyInput): void {
  if (!v.secret) throw new AppError('UNAUTHORIZED', 'the server has no signing secret configured (HL_SECRET)');
  const ts = v.headers[TIMESTAMP_HEADER];
  const nonce = v.headers[NONCE_HEADER];
  const sig = v.headers[SIGNATURE_HEADER];
  if (!ts || !nonce || !sig) {
    throw new AppError('UNAUTHORIZED', `missing ${TIMESTAMP_HEADER}, ${NONCE_HEADER} or ${SIGNATURE_HEADER} header; requests must be signed`);
  }
  if (!/^\d{1,12}$/.test(ts)) throw new AppError('SIGNATURE_INVALID', `${TIMESTAMP_HEADER} must be unix seconds`);
  if (!/^[A-Za-z0-9_-]{8,64}$/.test(nonce)) throw new AppError('SIGNATURE_INVALID', `${NONCE_HEADER} must be 8-64 characters [A-Za-z0-9_-]`);
  const now = v.now ?? Date.now();
  if (Math.abs(now / 1000 - Number(ts)) > v.toleranceSec) {
    throw new AppError('SIGNATURE_STALE', `signature timestamp is more than ${v.toleranceSec}s away from server time`);
  }
  const expected = Buffer.from(sign(v.secret, ts, nonce, v.method, v.path, v.body));
  const given = Buffer.from(sig);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    throw new AppError('SIGNATURE_INVALID', 'signature does not match the request');
  }
  if (!v.replay.claim(sig, now)) throw new AppError('SIGNATURE_REPLAYED', 'this signed request was already used');
}
