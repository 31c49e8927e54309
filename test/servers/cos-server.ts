/*
 * A local, in-memory Tencent Cloud COS server (XML API, one bucket) for tests. It speaks the wire
 * protocol that cos-nodejs-sdk-v5 uses with `Domain: '127.0.0.1:<port>', Protocol: 'http:'`:
 * the path is the object key (no bucket in the URL), every request is signed with the COS sha1
 * scheme (Authorization header, or the same fields as query parameters for presigned URLs), and
 * errors come back as `<Error><Code>…` XML, which the SDK turns into `err.code`.
 *
 * Implemented: PUT/GET/HEAD/DELETE object (x-cos-forbid-overwrite, Range, Content-MD5),
 * GET bucket (ListBucketResult: prefix, delimiter, marker, max-keys, encoding-type=url),
 * POST ?delete (DeleteMultipleObjects), multipart upload (initiate, upload part, list parts,
 * complete, abort, list uploads: everything `sliceUploadFile`/`uploadFile` sends), and
 * injected faults (503 ServiceUnavailable or a reset socket). No dependencies beyond node:.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

export interface CosCredential { secretId: string; secretKey: string; token?: string }
/** 503 or reset: instead of handling the request; lost-response: handled (stored), then the socket reset. */
export type CosFaultKind = '503' | 'reset' | 'lost-response';
export interface CosFaults { rate: number; kinds?: CosFaultKind[]; /** Only requests with these methods (default all). */ methods?: string[] }
export interface CosRequestRecord {
  method: string;
  /** The URL-decoded object key ('' for bucket-level requests). */
  key: string;
  /** The raw query string including '?' (e.g. '?partNumber=1&uploadId=…'), or ''. */
  query: string;
  /** The answered status; 0 when the socket was reset. */
  status: number;
  fault?: CosFaultKind;
}
export interface CosServerOptions {
  /** Accepted keys; default one random key without a token. A key with `token` requires x-cos-security-token. */
  credentials?: CosCredential[];
  /** '<name>-<appid>', default 'clips-1250000000'. */
  bucket?: string;
  faults?: CosFaults;
  /** A directory whose files are loaded as objects at start (relative path = key). */
  root?: string;
}
export interface CosServer {
  port: number;
  /** '127.0.0.1:<port>': pass as the SDK's `Domain`. */
  endpoint: string;
  bucket: string;
  region: string;
  /** The first configured credential. */
  credentials: CosCredential;
  requests: CosRequestRecord[];
  setFaults(f: CosFaults): void;
  close(): Promise<void>;
}

interface StoredObject { body: Buffer; contentType: string; etag: string; lastModified: Date }
interface Upload { key: string; uploadId: string; initiated: Date; contentType: string; forbidOverwrite: boolean; parts: Map<number, StoredObject> }
interface Ctx { req: IncomingMessage; res: ServerResponse; key: string; query: URLSearchParams; body: Buffer; record: CosRequestRecord; requestId: string }

const REGION = 'ap-guangzhou';
const MIN_PART_SIZE = 1024 * 1024;
const UNSUPPORTED = ['acl', 'tagging', 'cors', 'policy', 'lifecycle', 'versions', 'versioning', 'restore', 'append', 'select', 'website', 'referer', 'logging', 'inventory', 'encryption', 'replication', 'domain', 'origin', 'accelerate'];

/** A COS error answer: status, `<Code>` and `<Message>`. */
class CosError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) { super(message); }
}

// ---------------------------------------------------------------- encoding and XML

/** The SDK's UrlEncode (util.camSafeUrlEncode): encodeURIComponent plus !'()*. */
export const camSafeUrlEncode = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const XML_ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };
const esc = (s: string) => s.replace(/[&<>"']/g, (c) => XML_ESC[c]!);
const unesc = (s: string) => s
  .replace(/&#x([0-9a-f]+);/gi, (_, h: string) => String.fromCodePoint(parseInt(h, 16)))
  .replace(/&#(\d+);/g, (_, d: string) => String.fromCodePoint(Number(d)))
  .replace(/&(lt|gt|quot|apos);/g, (_, n: string) => ({ lt: '<', gt: '>', quot: '"', apos: "'" })[n as 'lt']).replace(/&amp;/g, '&');
/** `<name>value</name>` with the value escaped. */
const el = (name: string, value: string | number | boolean) => `<${name}>${esc(String(value))}</${name}>`;
const xmlDoc = (root: string, inner: string) => `<?xml version='1.0' encoding='utf-8' ?>\n<${root}>${inner}</${root}>`;
/** Inner texts of every `<tag>…</tag>` in a small request body. */
const tags = (xml: string, tag: string) => [...xml.matchAll(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, 'g'))].map((m) => m[1]!);
const md5 = (b: Buffer | string) => createHash('md5').update(b).digest();
const quotedMd5 = (b: Buffer) => `"${md5(b).toString('hex')}"`;
const sha1hex = (s: string) => createHash('sha1').update(s, 'utf8').digest('hex');
const hmacSha1hex = (key: string, s: string) => createHmac('sha1', key).update(s, 'utf8').digest('hex');

// ---------------------------------------------------------------- request signature (q-sign-algorithm=sha1)

/** The q-* fields from the Authorization header, or from the query string of a presigned URL. */
function authFields(req: IncomingMessage, query: URLSearchParams): Map<string, string> | null {
  if (query.has('q-sign-algorithm') || query.has('q-ak')) return new Map([...query].filter(([k]) => k.startsWith('q-')));
  const header = req.headers.authorization;
  if (!header) return null;
  return new Map(header.split('&').map((kv) => { const i = kv.indexOf('='); return i < 0 ? [kv, ''] : [kv.slice(0, i), kv.slice(i + 1)]; }));
}

/** `k=v&…` of the listed names (already URL-encoded and lowercased), values UrlEncoded; a listed name must be present. */
function canonical(list: string[], actual: Map<string, string>, what: string): string {
  return [...list].sort().map((name) => {
    const v = actual.get(name);
    if (v === undefined) throw new CosError(403, 'SignatureDoesNotMatch', `The signed ${what} '${name}' is not in the request.`);
    return `${name}=${camSafeUrlEncode(v)}`;
  }).join('&');
}

/**
 * COS request signature (cloud.tencent.com/document/product/436/7778; the SDK's util.getAuth):
 * SignKey = HMAC-SHA1(SecretKey, KeyTime); HttpString = method\n/key\nparams\nheaders\n;
 * StringToSign = sha1\nSignTime\nSHA1(HttpString)\n; Signature = HMAC-SHA1(SignKey, StringToSign).
 */
export function cosSignature(secretKey: string, keyTime: string, signTime: string, method: string, pathname: string, params: string, headers: string): string {
  const signKey = hmacSha1hex(secretKey, keyTime);
  const httpString = [method.toLowerCase(), pathname, params, headers, ''].join('\n');
  return hmacSha1hex(signKey, ['sha1', signTime, sha1hex(httpString), ''].join('\n'));
}

/** Checks the request's signature against the configured credentials; throws the COS 403 error otherwise. */
function authenticate(ctx: Ctx, credentials: CosCredential[]): void {
  const f = authFields(ctx.req, ctx.query);
  if (!f) throw new CosError(403, 'AccessDenied', 'Access Denied.');
  const [ak, signTime, keyTime, signature] = ['q-ak', 'q-sign-time', 'q-key-time', 'q-signature'].map((k) => f.get(k));
  if (f.get('q-sign-algorithm') !== 'sha1' || !ak || !signTime || !keyTime || !signature) throw new CosError(403, 'AccessDenied', 'Authorization is malformed.');
  const cred = credentials.find((c) => c.secretId === ak);
  if (!cred) throw new CosError(403, 'InvalidAccessKeyId', 'The access key Id format you provided is invalid.');
  const [start, end] = signTime.split(';').map(Number);
  const now = Date.now() / 1000;
  if (!Number.isFinite(start) || !Number.isFinite(end)) throw new CosError(403, 'AccessDenied', 'q-sign-time is malformed.');
  if (end! < now || start! > now + 60) throw new CosError(403, 'AccessDenied', 'Request has expired');
  const headerList = (f.get('q-header-list') ?? '').split(';').filter(Boolean);
  const paramList = (f.get('q-url-param-list') ?? '').split(';').filter(Boolean);
  if (!headerList.includes('host')) throw new CosError(403, 'AccessDenied', 'The host header must be signed.');
  const params = new Map<string, string>();
  for (const [k, v] of ctx.query) { const n = camSafeUrlEncode(k).toLowerCase(); if (!params.has(n)) params.set(n, v); }
  const headers = new Map(Object.entries(ctx.req.headers).map(([k, v]) => [camSafeUrlEncode(k).toLowerCase(), String(v)]));
  const expected = cosSignature(cred.secretKey, keyTime, signTime, ctx.req.method ?? 'GET', `/${ctx.key}`,
    canonical(paramList, params, 'parameter'), canonical(headerList, headers, 'header'));
  const a = Buffer.from(expected);
  const b = Buffer.from(signature);
  if (a.length !== b.length || !timingSafeEqual(a, b)) throw new CosError(403, 'SignatureDoesNotMatch', 'The Signature you specified is invalid.');
  if (cred.token !== undefined) {
    const token = ctx.req.headers['x-cos-security-token'] ?? ctx.query.get('x-cos-security-token');
    if (token !== cred.token) throw new CosError(403, 'InvalidToken', 'The provided token is malformed or otherwise invalid.');
  }
}

// ---------------------------------------------------------------- the server

export async function startCosServer(opts: CosServerOptions = {}): Promise<CosServer> {
  const credentials = opts.credentials?.length ? opts.credentials
    : [{ secretId: `AKID${randomBytes(12).toString('hex')}`, secretKey: randomBytes(16).toString('hex') }];
  const bucket = opts.bucket ?? 'clips-1250000000';
  if (!/^[a-z\d-]+-\d+$/.test(bucket)) throw new Error(`bucket must look like 'name-1250000000', got ${bucket}`);
  const appId = bucket.slice(bucket.lastIndexOf('-') + 1);
  const owner = `<Owner>${el('ID', appId)}${el('DisplayName', appId)}</Owner>`;
  const objects = new Map<string, StoredObject>();
  const uploads = new Map<string, Upload>();
  const requests: CosRequestRecord[] = [];
  let faults: CosFaults = opts.faults ?? { rate: 0 };
  let endpoint = '';

  const makeObject = (body: Buffer, contentType: string | undefined, etag = quotedMd5(body)): StoredObject =>
    ({ body, contentType: contentType || 'application/octet-stream', etag, lastModified: new Date() });
  if (opts.root) {
    for (const rel of readdirSync(opts.root, { recursive: true, encoding: 'utf8' })) {
      const file = path.join(opts.root, rel);
      if (statSync(file).isFile()) objects.set(rel.split(path.sep).join('/'), makeObject(readFileSync(file), undefined));
    }
  }

  /** Every answer goes through here: records the status, adds x-cos-request-id. */
  function send(ctx: Ctx, status: number, headers: Record<string, string | number> = {}, body: Buffer | string = '') {
    ctx.record.status = status;
    const buf = typeof body === 'string' ? Buffer.from(body) : body;
    const extra = buf.length && !headers['Content-Type'] ? { 'Content-Type': 'application/xml' } : {};
    ctx.res.writeHead(status, { 'x-cos-request-id': ctx.requestId, Server: 'tencent-cos', 'Content-Length': buf.length, ...extra, ...headers });
    ctx.res.end(ctx.req.method === 'HEAD' ? undefined : buf);
  }
  const sendXml = (ctx: Ctx, status: number, root: string, inner: string) => send(ctx, status, { 'Content-Type': 'application/xml' }, xmlDoc(root, inner));
  /** COS error body; a HEAD answer has none (so the SDK reports code = the status). */
  const sendError = (ctx: Ctx, e: CosError) => sendXml(ctx, e.status, 'Error',
    el('Code', e.code) + el('Message', e.message) + el('Resource', `${endpoint}/${ctx.key}`) + el('RequestId', ctx.requestId) + el('TraceId', ctx.requestId));

  /** Content-MD5 (base64 of the binary md5), when sent, must match the body. */
  function checkContentMd5(ctx: Ctx) {
    const want = ctx.req.headers['content-md5'];
    if (want && want !== md5(ctx.body).toString('base64')) throw new CosError(400, 'BadDigest', 'The Content-MD5 you specified did not match what was received.');
  }
  const forbidsOverwrite = (req: IncomingMessage) => String(req.headers['x-cos-forbid-overwrite']).toLowerCase() === 'true';
  const objectHeaders = (o: StoredObject) => ({ 'Content-Type': o.contentType, ETag: o.etag, 'Last-Modified': o.lastModified.toUTCString(), 'Accept-Ranges': 'bytes' });
  function getUpload(ctx: Ctx): Upload {
    const u = uploads.get(ctx.query.get('uploadId') ?? '');
    if (!u || u.key !== ctx.key) throw new CosError(404, 'NoSuchUpload', 'The specified multipart upload does not exist.');
    return u;
  }

  /** PUT Object: stores the body; x-cos-forbid-overwrite: true refuses an existing key (409 FileAlreadyExists). */
  function putObject(ctx: Ctx) {
    checkContentMd5(ctx);
    if (forbidsOverwrite(ctx.req) && objects.has(ctx.key)) throw new CosError(409, 'FileAlreadyExists', 'The specified object already exists.');
    const o = makeObject(ctx.body, ctx.req.headers['content-type']);
    objects.set(ctx.key, o);
    send(ctx, 200, { ETag: o.etag });
  }

  /** GET / HEAD Object, with `Range: bytes=a-b | a- | -n` → 206 (HEAD of a missing key: 404 without body). */
  function getObject(ctx: Ctx) {
    const o = objects.get(ctx.key);
    if (!o) throw new CosError(404, 'NoSuchKey', 'The specified key does not exist.');
    const m = /^bytes=(\d*)-(\d*)$/.exec(ctx.req.headers.range ?? '');
    if (!m || (!m[1] && !m[2])) return send(ctx, 200, objectHeaders(o), o.body);
    const size = o.body.length;
    const start = m[1] ? Number(m[1]) : Math.max(0, size - Number(m[2]));
    const end = m[1] && m[2] ? Math.min(Number(m[2]), size - 1) : size - 1;
    if (start >= size || start > end) throw new CosError(416, 'InvalidRange', 'The requested range is not satisfiable.');
    send(ctx, 206, { ...objectHeaders(o), 'Content-Range': `bytes ${start}-${end}/${size}` }, o.body.subarray(start, end + 1));
  }

  /** GET Bucket (ListObjects): keys ascending after `marker`, grouped by `delimiter`; max-keys counts keys and prefixes. */
  function listObjects(ctx: Ctx) {
    const q = ctx.query;
    const prefix = q.get('prefix') ?? '';
    const delimiter = q.get('delimiter') ?? '';
    const marker = q.get('marker') ?? '';
    const maxKeys = Math.min(1000, Math.max(0, Number(q.get('max-keys') ?? 1000) || 0));
    const enc = q.get('encoding-type') === 'url' ? (s: string) => camSafeUrlEncode(s).replace(/%2F/g, '/') : (s: string) => s;
    const contents: string[] = [];
    const prefixes: string[] = [];
    let last = '';
    let truncated = false;
    for (const key of [...objects.keys()].filter((k) => k.startsWith(prefix) && k > marker).sort()) {
      const cut = delimiter ? key.indexOf(delimiter, prefix.length) : -1;
      const cp = cut >= 0 ? key.slice(0, cut + delimiter.length) : '';
      if (cp && (cp <= marker || cp === prefixes.at(-1))) continue;
      if (contents.length + prefixes.length >= maxKeys) { truncated = true; break; }
      last = cp || key;
      if (cp) { prefixes.push(cp); continue; }
      const o = objects.get(key)!;
      contents.push(`<Contents>${el('Key', enc(key))}${el('LastModified', o.lastModified.toISOString())}${el('ETag', o.etag)}${el('Size', o.body.length)}${owner}${el('StorageClass', 'STANDARD')}</Contents>`);
    }
    sendXml(ctx, 200, 'ListBucketResult', el('Name', bucket) + (q.get('encoding-type') ? el('EncodingType', 'url') : '')
      + el('Prefix', enc(prefix)) + el('Marker', enc(marker)) + el('MaxKeys', maxKeys) + (delimiter ? el('Delimiter', enc(delimiter)) : '')
      + el('IsTruncated', truncated) + (truncated ? el('NextMarker', enc(last)) : '')
      + prefixes.map((p) => `<CommonPrefixes>${el('Prefix', enc(p))}</CommonPrefixes>`).join('') + contents.join(''));
  }

  /** DELETE Object: 204 whether or not the key existed. */
  function deleteObject(ctx: Ctx) {
    objects.delete(ctx.key);
    send(ctx, 204);
  }

  /** POST /?delete (DeleteMultipleObjects): `<Delete><Quiet/><Object><Key/></Object>…` → DeleteResult. */
  function deleteMultiple(ctx: Ctx) {
    checkContentMd5(ctx);
    const xml = ctx.body.toString('utf8');
    const keys = tags(xml, 'Object').map((o) => unesc(tags(o, 'Key')[0] ?? ''));
    if (!keys.length || keys.length > 1000) throw new CosError(400, 'MalformedXML', 'The XML you provided was not well-formed.');
    const quiet = /<Quiet>\s*true\s*<\/Quiet>/i.test(xml);
    for (const k of keys) objects.delete(k);
    sendXml(ctx, 200, 'DeleteResult', quiet ? '' : keys.map((k) => `<Deleted>${el('Key', k)}</Deleted>`).join(''));
  }

  /** POST /key?uploads (InitiateMultipartUpload) → UploadId; Content-Type and x-cos-forbid-overwrite are kept for Complete. */
  function initiateUpload(ctx: Ctx) {
    const uploadId = `${Date.now()}${randomBytes(8).toString('hex')}`;
    uploads.set(uploadId, { key: ctx.key, uploadId, initiated: new Date(), contentType: ctx.req.headers['content-type'] || 'application/octet-stream', forbidOverwrite: forbidsOverwrite(ctx.req), parts: new Map() });
    sendXml(ctx, 200, 'InitiateMultipartUploadResult', el('Bucket', bucket) + el('Key', ctx.key) + el('UploadId', uploadId));
  }

  /** PUT /key?partNumber=N&uploadId=… (UploadPart) → ETag header (quoted md5 of the part). */
  function uploadPart(ctx: Ctx) {
    const u = getUpload(ctx);
    const n = Number(ctx.query.get('partNumber'));
    if (!Number.isInteger(n) || n < 1 || n > 10000) throw new CosError(400, 'InvalidArgument', 'partNumber must be an integer from 1 to 10000.');
    checkContentMd5(ctx);
    const part = makeObject(ctx.body, undefined);
    u.parts.set(n, part);
    send(ctx, 200, { ETag: part.etag });
  }

  /** GET /key?uploadId=… (ListParts), paged by part-number-marker / max-parts. */
  function listParts(ctx: Ctx) {
    const u = getUpload(ctx);
    const marker = Number(ctx.query.get('part-number-marker') ?? 0) || 0;
    const max = Math.min(1000, Number(ctx.query.get('max-parts') ?? 1000) || 1000);
    const all = [...u.parts.entries()].filter(([n]) => n > marker).sort(([a], [b]) => a - b);
    const page = all.slice(0, max);
    const truncated = all.length > max;
    sendXml(ctx, 200, 'ListPartsResult', el('Bucket', bucket) + el('Key', u.key) + el('UploadId', u.uploadId)
      + `<Initiator>${el('ID', appId)}${el('DisplayName', appId)}</Initiator>` + owner + el('StorageClass', 'STANDARD')
      + el('PartNumberMarker', marker) + el('MaxParts', max) + el('IsTruncated', truncated)
      + (truncated ? el('NextPartNumberMarker', page.at(-1)![0]) : '')
      + page.map(([n, p]) => `<Part>${el('PartNumber', n)}${el('LastModified', p.lastModified.toISOString())}${el('ETag', p.etag)}${el('Size', p.body.length)}</Part>`).join(''));
  }

  /**
   * POST /key?uploadId=… (CompleteMultipartUpload): parts ascending, each present with its ETag, all
   * but the last ≥ 1 MB; the object's ETag is "md5(part md5s)-N" as COS reports for multipart objects.
   */
  function completeUpload(ctx: Ctx) {
    const u = getUpload(ctx);
    checkContentMd5(ctx);
    const listed = tags(ctx.body.toString('utf8'), 'Part').map((p) => ({ n: Number(tags(p, 'PartNumber')[0]), etag: unesc(tags(p, 'ETag')[0] ?? '').replace(/^"?(.*?)"?$/, '"$1"') }));
    if (!listed.length) throw new CosError(400, 'MalformedXML', 'The XML you provided was not well-formed.');
    if (listed.some(({ n }, i) => i > 0 && n <= listed[i - 1]!.n)) throw new CosError(400, 'InvalidPartOrder', 'The list of parts was not in ascending order.');
    const parts = listed.map(({ n, etag }, i) => {
      const p = u.parts.get(n);
      if (!p || p.etag !== etag) throw new CosError(400, 'InvalidPart', `Part ${n} was not uploaded or its ETag does not match.`);
      if (i < listed.length - 1 && p.body.length < MIN_PART_SIZE) throw new CosError(400, 'EntityTooSmall', `Part ${n} is smaller than the 1 MB minimum.`);
      return p;
    });
    if ((u.forbidOverwrite || forbidsOverwrite(ctx.req)) && objects.has(u.key)) throw new CosError(409, 'FileAlreadyExists', 'The specified object already exists.');
    const etag = `"${md5(Buffer.concat(parts.map((p) => md5(p.body)))).toString('hex')}-${parts.length}"`;
    objects.set(u.key, makeObject(Buffer.concat(parts.map((p) => p.body)), u.contentType, etag));
    uploads.delete(u.uploadId);
    sendXml(ctx, 200, 'CompleteMultipartUploadResult', el('Location', `${endpoint}/${u.key}`) + el('Bucket', bucket) + el('Key', u.key) + el('ETag', etag));
  }

  /** DELETE /key?uploadId=… (AbortMultipartUpload) → 204. */
  function abortUpload(ctx: Ctx) {
    uploads.delete(getUpload(ctx).uploadId);
    send(ctx, 204);
  }

  /** GET /?uploads (ListMultipartUploads; sliceUploadFile asks with prefix=<key> to resume), paged by key-marker/upload-id-marker. */
  function listUploads(ctx: Ctx) {
    const q = ctx.query;
    const prefix = q.get('prefix') ?? '';
    const keyMarker = q.get('key-marker') ?? '';
    const idMarker = q.get('upload-id-marker') ?? '';
    const max = Math.min(1000, Number(q.get('max-uploads') ?? 1000) || 1000);
    const all = [...uploads.values()].filter((u) => u.key.startsWith(prefix) && (u.key > keyMarker || (u.key === keyMarker && !!idMarker && u.uploadId > idMarker)))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.uploadId < b.uploadId ? -1 : 1));
    const page = all.slice(0, max);
    const truncated = all.length > max;
    sendXml(ctx, 200, 'ListMultipartUploadsResult', el('Bucket', bucket) + el('Prefix', prefix) + el('KeyMarker', keyMarker) + el('UploadIdMarker', idMarker)
      + el('MaxUploads', max) + el('IsTruncated', truncated)
      + (truncated ? el('NextKeyMarker', page.at(-1)!.key) + el('NextUploadIdMarker', page.at(-1)!.uploadId) : '')
      + page.map((u) => `<Upload>${el('Key', u.key)}${el('UploadId', u.uploadId)}${el('StorageClass', 'STANDARD')}<Initiator>${el('ID', appId)}${el('DisplayName', appId)}</Initiator>${owner}${el('Initiated', u.initiated.toISOString())}</Upload>`).join(''));
  }

  /** Picks the operation from method, path (object key or '' for the bucket) and sub-resource query. */
  function route(ctx: Ctx) {
    const { method } = ctx.req;
    const q = ctx.query;
    const sub = UNSUPPORTED.find((s) => q.has(s));
    if (sub) throw new CosError(501, 'NotImplemented', `?${sub} is not implemented by the local COS server.`);
    if (ctx.key === '') {
      if (method === 'GET' && q.has('uploads')) return listUploads(ctx);
      if (method === 'GET') return listObjects(ctx);
      if (method === 'POST' && q.has('delete')) return deleteMultiple(ctx);
      if (method === 'HEAD') return send(ctx, 200);
    } else if (method === 'POST' && q.has('uploads')) {
      return initiateUpload(ctx);
    } else if (q.has('uploadId')) {
      if (method === 'PUT') return uploadPart(ctx);
      if (method === 'POST') return completeUpload(ctx);
      if (method === 'GET') return listParts(ctx);
      if (method === 'DELETE') return abortUpload(ctx);
    } else {
      if (method === 'PUT') return putObject(ctx);
      if (method === 'GET' || method === 'HEAD') return getObject(ctx);
      if (method === 'DELETE') return deleteObject(ctx);
    }
    throw new CosError(405, 'MethodNotAllowed', `${method} is not allowed here.`);
  }

  /** With probability `rate`, a fault to inject instead of handling the request. */
  function pickFault(): CosFaultKind | undefined {
    if (!(faults.rate > 0) || Math.random() >= faults.rate) return undefined;
    const kinds: CosFaultKind[] = faults.kinds?.length ? faults.kinds : ['503', 'reset'];
    return kinds[Math.floor(Math.random() * kinds.length)];
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://local');
    const record: CosRequestRecord = { method: req.method ?? 'GET', key: '', query: url.search, status: 0 };
    requests.push(record);
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const ctx: Ctx = { req, res, key: '', query: url.searchParams, body: Buffer.concat(chunks), record, requestId: randomBytes(12).toString('base64url') };
    try {
      try { ctx.key = record.key = decodeURIComponent(url.pathname.slice(1)); } catch { throw new CosError(400, 'InvalidURI', 'Could not parse the specified URI.'); }
      const fault = !faults.methods || faults.methods.includes(record.method) ? pickFault() : undefined;
      if (fault) record.fault = fault;
      if (fault === 'reset') return void req.socket.destroy();
      if (fault === '503') throw new CosError(503, 'ServiceUnavailable', 'Please reduce your request rate. (injected fault)');
      authenticate(ctx, credentials);
      if (fault === 'lost-response') {
        // Do the work, then drop the connection before the answer: the client cannot tell it happened.
        route({ ...ctx, res: { writeHead: () => undefined, end: () => undefined } as unknown as ServerResponse });
        return void req.socket.destroy();
      }
      route(ctx);
    } catch (e) {
      if (res.headersSent) return void req.socket.destroy();
      sendError(ctx, e instanceof CosError ? e : new CosError(500, 'InternalError', String((e as Error)?.stack ?? e)));
    }
  }

  const server = createServer((req, res) => { handle(req, res).catch(() => req.socket.destroy()); });
  await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(0, '127.0.0.1', resolve); });
  const port = (server.address() as AddressInfo).port;
  endpoint = `127.0.0.1:${port}`;
  return {
    port, endpoint, bucket, region: REGION, credentials: credentials[0]!, requests,
    setFaults(f) { faults = f; },
    close: () => new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections(); }),
  };
}
