import { getRandomValues } from 'node:crypto';
import { AppError } from './app-error.ts';

/** Ids name streams, clips and rooms; they end up inside store keys, so they are strict. */
export const ID_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;

export function isValidId(id: unknown): id is string {
  return typeof id === 'string' && ID_PATTERN.test(id);
}

export function assertId(id: unknown, what = 'id'): string {
  if (!isValidId(id)) {
    throw new AppError('INVALID_ID', `${what} must match [A-Za-z0-9_-]{1,128}`);
  }
  return id;
}

const KEY_SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;

/**
 * Object keys: slash-separated segments of safe characters, no empty, dot-leading,
 * '.' or '..' segments, so a key can never escape the store's root or prefix.
 */
export function isValidKey(key: unknown): key is string {
  if (typeof key !== 'string' || key.length === 0 || key.length > 1024) return false;
  return key.split('/').every((seg) => KEY_SEGMENT.test(seg));
}

export function assertKey(key: unknown): string {
  if (!isValidKey(key)) throw new AppError('INVALID_KEY', `invalid object key: ${JSON.stringify(key)}`);
  return key;
}

/** A prefix is a key that may end in '/', or the empty string (everything). */
export function assertPrefix(prefix: string): string {
  if (prefix === '') return prefix;
  const body = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
  if (!isValidKey(body)) throw new AppError('INVALID_KEY', `invalid key prefix: ${JSON.stringify(prefix)}`);
  return prefix;
}

export function randomId(prefix: string): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  // node:crypto's, not the global: globalThis.crypto needs a flag on Node 18 (SCF's Nodejs18.15).
  const bytes = getRandomValues(new Uint8Array(12));
  let out = '';
  for (const b of bytes) out += alphabet[b % alphabet.length];
  return `${prefix}_${out}`;
}
