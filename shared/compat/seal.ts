import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { AppError } from '../domain/app-error.ts';

/**
 * A secret kept at rest (a request's COS SecretKey in its task record, so a resumed task can
 * still upload): AES-256-GCM under a key derived from the signing secret. "v1.<iv>.<tag>.<data>", base64url.
 */
const keyOf = (secret: string) => createHmac('sha256', secret).update('highlight-clipper seal v1').digest();

export function seal(secret: string, plain: string): string {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', keyOf(secret), iv);
  const data = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
  return ['v1', iv, c.getAuthTag(), data].map((x) => (typeof x === 'string' ? x : x.toString('base64url'))).join('.');
}

export function unseal(secret: string, sealed: string): string {
  const [v, iv, tag, data] = sealed.split('.');
  if (v !== 'v1' || !iv || !tag || data === undefined) throw new AppError('INTERNAL', 'a sealed value is malformed');
  try {
    const d = createDecipheriv('aes-256-gcm', keyOf(secret), Buffer.from(iv, 'base64url'));
    d.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([d.update(Buffer.from(data, 'base64url')), d.final()]).toString('utf8');
  } catch {
    throw new AppError('INTERNAL', 'a sealed value does not open with this signing secret (was HL_SECRET changed?)');
  }
}
