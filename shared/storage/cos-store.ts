import { unlink } from 'node:fs/promises';
import { Readable } from 'node:stream';
import COS from 'cos-nodejs-sdk-v5';
import { AppError } from '../domain/app-error.ts';
import { assertKey, assertPrefix } from '../domain/ids.ts';
import type { Body, ListOptions, ListResult, ObjectInfo, ObjectStore, PutOptions } from './object-store.ts';

export interface CosStoreOptions {
  /** `<name>-<appid>`, e.g. clips-1250000000. */
  bucket: string;
  region: string;
  /** Explicit keys (a user's own bucket); else the function role's temporary keys from SCF's env. */
  secretId?: string;
  secretKey?: string;
  sessionToken?: string;
  /** Custom endpoint (a local COS-compatible server, a CDN origin): `host[:port]`, with protocol. */
  domain?: string;
  protocol?: 'http:' | 'https:';
  /** When set, url() gives `<publicBaseUrl>/<key>` (a public-read bucket or CDN); else a presigned GET. */
  publicBaseUrl?: string;
  /** Presigned URL lifetime (default 1 h). */
  urlExpiresSec?: number;
  /** Files above this go up in parts (default 8 MB). */
  sliceSizeBytes?: number;
  /** Our own attempts per call on transient failures (the SDK retries buffered requests 3 more times inside each). */
  attempts?: number;
  baseDelayMs?: number;
  /** Per-request timeout in ms (default 60 s). */
  timeoutMs?: number;
}

interface CosErr { statusCode?: number; code?: string; message?: string; error?: { Code?: string; Message?: string } | string }

/** Credentials from options, else SCF's role variables (REFERENCE.md §1: TENCENTCLOUD_SECRETID/SECRETKEY/SESSIONTOKEN). */
export function cosCredentials(o: Pick<CosStoreOptions, 'secretId' | 'secretKey' | 'sessionToken'>, env: NodeJS.ProcessEnv = process.env) {
  const secretId = o.secretId ?? env.TENCENTCLOUD_SECRETID;
  const secretKey = o.secretKey ?? env.TENCENTCLOUD_SECRETKEY;
  const sessionToken = o.secretId ? o.sessionToken : (o.sessionToken ?? env.TENCENTCLOUD_SESSIONTOKEN);
  if (!secretId || !secretKey) {
    throw new AppError('STORAGE_DENIED', 'no COS credentials: give secretId/secretKey, or run in SCF with a role (TENCENTCLOUD_SECRETID/SECRETKEY)');
  }
  return { secretId, secretKey, sessionToken: sessionToken || undefined };
}

const codeOf = (e: CosErr) => e.code ?? (typeof e.error === 'object' ? e.error?.Code : undefined);

/** Server errors, throttling and network failures (no status) are worth another try; 4xx are not. */
export function isTransient(e: CosErr): boolean {
  if (e.statusCode === undefined) return true;
  return e.statusCode >= 500 || e.statusCode === 429 || codeOf(e) === 'SlowDown' || codeOf(e) === 'RequestTimeout';
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function toBuffer(body: Body): Promise<Buffer> {
  if (Buffer.isBuffer(body)) return body;
  if (typeof body === 'string') return Buffer.from(body);
  const chunks: Buffer[] = [];
  for await (const c of body) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c as string));
  return Buffer.concat(chunks);
}

/**
 * The ObjectStore on Tencent COS (cos-nodejs-sdk-v5). Every call retries transient failures with
 * exponential backoff and jitter and fails at once, with a code, on permanent ones (403 → STORAGE_DENIED,
 * 404 → NOT_FOUND). put-if-absent is `x-cos-forbid-overwrite: true` (409 FileAlreadyExists);
 * large files go up by multipart upload. Bodies are sent as buffers so the SDK's own retries can
 * resend them.
 */
export class CosStore implements ObjectStore {
  readonly kind = 'cos';
  private readonly cos: COS;
  private readonly o: CosStoreOptions;

  constructor(o: CosStoreOptions) {
    if (!/^[a-z\d-]+-\d+$/.test(o.bucket)) throw new AppError('BAD_REQUEST', `COS bucket ${o.bucket} must be <name>-<appid>, e.g. clips-1250000000`);
    if (!/^[a-z]+-[a-z-]+$/.test(o.region)) throw new AppError('BAD_REQUEST', `COS region ${o.region} must look like ap-guangzhou`);
    const cred = cosCredentials(o);
    this.o = o;
    this.cos = new COS({
      SecretId: cred.secretId, SecretKey: cred.secretKey, SecurityToken: cred.sessionToken,
      ...(o.domain ? { Domain: o.domain, Protocol: o.protocol ?? 'https:' } : {}),
      Timeout: o.timeoutMs ?? 60_000,
      ChunkRetryTimes: 2,
      KeepAlive: true,
    });
  }

  private params(key: string) {
    return { Bucket: this.o.bucket, Region: this.o.region, Key: key };
  }

  /** Run one SDK call with retries; map the final error to an AppError. */
  private async call<T>(what: string, key: string, fn: () => Promise<T>): Promise<T> {
    const attempts = this.o.attempts ?? 4;
    const base = this.o.baseDelayMs ?? 200;
    for (let i = 1; ; i++) {
      try {
        return await fn();
      } catch (raw) {
        const e = raw as CosErr;
        if (i < attempts && isTransient(e)) {
          await sleep(base * 2 ** (i - 1) * (0.5 + Math.random()));
          continue;
        }
        throw this.mapError(e, what, key, i);
      }
    }
  }

  private mapError(e: CosErr, what: string, key: string, attempts: number): AppError {
    const code = codeOf(e) ?? String(e.statusCode ?? 'network');
    const detail = `${what} ${key}: COS ${e.statusCode ?? 'no response'} ${code}${e.message ? ` (${e.message})` : ''}`;
    if (e.statusCode === 404) return new AppError('NOT_FOUND', `no object ${key} in COS bucket ${this.o.bucket}`);
    if (e.statusCode === 403 || e.statusCode === 401) return new AppError('STORAGE_DENIED', `${detail}: check the keys, their expiry and the bucket policy`, { cosCode: code });
    return new AppError('STORAGE_FAILED', `${detail}${isTransient(e) ? ` after ${attempts} attempts` : ''}`, { cosCode: code });
  }

  async put(key: string, body: Body, opts: PutOptions = {}): Promise<void> {
    assertKey(key);
    const buf = await toBuffer(body);
    await this.call('put', key, () => this.cos.putObject({ ...this.params(key), Body: buf, ContentType: opts.contentType }));
  }

  async putFile(key: string, file: string, opts: PutOptions = {}): Promise<void> {
    assertKey(key);
    await this.call('upload', key, () => this.cos.uploadFile({
      ...this.params(key), FilePath: file, SliceSize: this.o.sliceSizeBytes ?? 8 * 1024 * 1024, ContentType: opts.contentType,
    }));
    await unlink(file).catch(() => {});
  }

  /**
   * Multipart upload from a stream: parts of sliceSizeBytes (default 8 MiB) are read one at a
   * time and each is sent (and retried) as a buffer; Complete publishes the object. A failed
   * stream or part aborts the upload, so no partial object is ever visible.
   */
  async putStream(key: string, body: Readable, opts: PutOptions = {}): Promise<{ bytes: number }> {
    assertKey(key);
    const partSize = Math.max(1024 * 1024, this.o.sliceSizeBytes ?? 8 * 1024 * 1024);
    const init = await this.call('multipart init', key, () => this.cos.multipartInit({ ...this.params(key), ContentType: opts.contentType }));
    const uploadId = init.UploadId;
    const parts: Array<{ PartNumber: number; ETag: string }> = [];
    let bytes = 0;
    const send = async (buf: Buffer) => {
      const n = parts.length + 1;
      const r = await this.call('multipart part', key, () => this.cos.multipartUpload({ ...this.params(key), UploadId: uploadId, PartNumber: n, Body: buf }));
      parts.push({ PartNumber: n, ETag: r.ETag });
      bytes += buf.length;
    };
    try {
      let pending: Buffer[] = [];
      let size = 0;
      for await (const chunk of body) {
        const c = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
        pending.push(c);
        size += c.length;
        while (size >= partSize) {
          const all = Buffer.concat(pending);
          await send(all.subarray(0, partSize));
          pending = [all.subarray(partSize)];
          size = all.length - partSize;
        }
      }
      if (size > 0 || parts.length === 0) await send(Buffer.concat(pending));
      await this.call('multipart complete', key, () => this.cos.multipartComplete({ ...this.params(key), UploadId: uploadId, Parts: parts }));
      return { bytes };
    } catch (err) {
      await this.cos.multipartAbort({ ...this.params(key), UploadId: uploadId }).catch(() => undefined);
      throw err;
    }
  }

  async putIfAbsent(key: string, body: Body, opts: PutOptions = {}): Promise<boolean> {
    assertKey(key);
    const buf = await toBuffer(body);
    try {
      await this.call('put-if-absent', key, () => this.cos.putObject({
        ...this.params(key), Body: buf, ContentType: opts.contentType, Headers: { 'x-cos-forbid-overwrite': 'true' },
      }));
      return true;
    } catch (err) {
      const cosCode = ((err as AppError).details as { cosCode?: string } | undefined)?.cosCode;
      if (cosCode !== 'FileAlreadyExists' && cosCode !== '409') throw err;
      // A retried PUT (ours or the SDK's, after a lost response) can meet the object its first try
      // stored: the same bytes there mean this call created it.
      const existing = await this.get(key).catch(() => null);
      return existing !== null && existing.equals(buf);
    }
  }

  async get(key: string): Promise<Buffer> {
    assertKey(key);
    const r = await this.call('get', key, () => this.cos.getObject(this.params(key)));
    return Buffer.isBuffer(r.Body) ? r.Body : Buffer.from(r.Body as string);
  }

  async stream(key: string): Promise<Readable> {
    return Readable.from([await this.get(key)]);
  }

  async head(key: string): Promise<ObjectInfo | null> {
    assertKey(key);
    try {
      const r = await this.call('head', key, () => this.cos.headObject(this.params(key)));
      const h = r.headers as Record<string, string | undefined>;
      return { key, size: Number(h['content-length'] ?? 0), modified: new Date(h['last-modified'] ?? Date.now()) };
    } catch (err) {
      if ((err as AppError).code === 'NOT_FOUND') return null;
      throw err;
    }
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    if (prefix) assertPrefix(prefix);
    const r = await this.call('list', prefix, () => this.cos.getBucket({
      Bucket: this.o.bucket, Region: this.o.region, Prefix: prefix, Delimiter: opts.delimiter, Marker: opts.startAfter, MaxKeys: opts.limit ?? 1000,
    }));
    const objects = (r.Contents ?? []).map((c) => ({ key: c.Key, size: Number(c.Size), modified: new Date(c.LastModified) }));
    const prefixes = (r.CommonPrefixes ?? []).map((p) => p.Prefix);
    const truncated = r.IsTruncated === 'true';
    const last = [...objects.map((x) => x.key), ...prefixes].sort().at(-1);
    return { objects, prefixes, nextStartAfter: truncated ? (r.NextMarker || last) : undefined };
  }

  async delete(key: string): Promise<void> {
    assertKey(key);
    try {
      await this.call('delete', key, () => this.cos.deleteObject(this.params(key)));
    } catch (err) {
      if ((err as AppError).code !== 'NOT_FOUND') throw err;
    }
  }

  async url(key: string, opts: { expiresSec?: number } = {}): Promise<string> {
    assertKey(key);
    if (this.o.publicBaseUrl) return `${this.o.publicBaseUrl.replace(/\/+$/, '')}/${key.split('/').map(encodeURIComponent).join('/')}`;
    return this.cos.getObjectUrl({ ...this.params(key), Sign: true, Expires: opts.expiresSec ?? this.o.urlExpiresSec ?? 3600 });
  }
}
