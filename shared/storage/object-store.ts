import type { Readable } from 'node:stream';

export interface ObjectInfo {
  key: string;
  size: number;
  modified: Date;
}

export interface ListResult {
  objects: ObjectInfo[];
  /** With a delimiter: the "folders" directly under the prefix, each ending in the delimiter. */
  prefixes: string[];
  /** Set when more keys follow; pass back as startAfter. */
  nextStartAfter?: string;
}

export interface ListOptions {
  delimiter?: '/';
  startAfter?: string;
  limit?: number;
}

export type Body = Buffer | string | Readable;

export interface PutOptions {
  contentType?: string;
}

/**
 * The one storage interface every function uses. Adapters: the local filesystem (default);
 * COS (cos-store.ts). Writes are atomic: a reader sees the old object or the new
 * one, never a partial one.
 */
export interface ObjectStore {
  readonly kind: string;
  put(key: string, body: Body, opts?: PutOptions): Promise<void>;
  /**
   * Store a local file under key (large outputs: the local store moves it into place, COS uploads
   * it in parts). The file belongs to the store afterwards: the caller must not use it again.
   */
  putFile(key: string, file: string, opts?: PutOptions): Promise<void>;
  /**
   * Store a stream of unknown length (ffmpeg writing to a pipe) without holding it in memory or on
   * local disk: the local store streams it to a temp file then renames; COS uploads it in parts,
   * one part in memory at a time, and publishes it only when the stream ended cleanly.
   */
  putStream(key: string, body: Readable, opts?: PutOptions): Promise<{ bytes: number }>;
  /**
   * Where the object lies as a plain local file, so ffmpeg can read it in place; undefined for
   * remote stores (callers then fetch it). The path is only for reading.
   */
  localPath?(key: string): string | undefined;
  /** Create only if no object has that key; false when it already existed (nothing written). */
  putIfAbsent(key: string, body: Body, opts?: PutOptions): Promise<boolean>;
  /** Throws AppError NOT_FOUND when missing. */
  get(key: string): Promise<Buffer>;
  stream(key: string): Promise<Readable>;
  head(key: string): Promise<ObjectInfo | null>;
  /** Keys under prefix in ascending key order. */
  list(prefix: string, opts?: ListOptions): Promise<ListResult>;
  /** Idempotent: deleting a missing key is not an error. */
  delete(key: string): Promise<void>;
  /** A URL a person or a player can fetch. */
  url(key: string, opts?: { expiresSec?: number }): Promise<string>;
}

/** Every key under a prefix, following pages. */
export async function listAll(store: ObjectStore, prefix: string): Promise<ObjectInfo[]> {
  const out: ObjectInfo[] = [];
  let startAfter: string | undefined;
  do {
    const page = await store.list(prefix, { startAfter, limit: 1000 });
    out.push(...page.objects);
    startAfter = page.nextStartAfter;
  } while (startAfter);
  return out;
}

/** Parsed JSON at key, or null when there is no object (one read, no separate head). */
export async function getJson<T>(store: ObjectStore, key: string): Promise<T | null> {
  const buf = await getIfExists(store, key);
  return buf ? (JSON.parse(buf.toString('utf8')) as T) : null;
}

export async function getIfExists(store: ObjectStore, key: string): Promise<Buffer | null> {
  try {
    return await store.get(key);
  } catch (err) {
    if ((err as { code?: string }).code === 'NOT_FOUND') return null;
    throw err;
  }
}

export function putJson(store: ObjectStore, key: string, value: unknown): Promise<void> {
  return store.put(key, JSON.stringify(value, null, 2), { contentType: 'application/json' });
}

export function putJsonIfAbsent(store: ObjectStore, key: string, value: unknown): Promise<boolean> {
  return store.putIfAbsent(key, JSON.stringify(value, null, 2), { contentType: 'application/json' });
}
