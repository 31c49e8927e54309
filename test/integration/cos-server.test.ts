/*
 * The local COS server against the real SDK (cos-nodejs-sdk-v5): whatever the SDK sends must be
 * accepted and whatever the server answers must parse into the SDK's documented results and
 * errors, so COS adapters can be tested with no cloud account.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import COS from 'cos-nodejs-sdk-v5';
import { startCosServer, type CosServer } from '../servers/cos-server.ts';

let server: CosServer;
let tmp: string;

/** An SDK client for the local server. */
const client = (over: COS.COSOptions = {}) => new COS({
  SecretId: server.credentials.secretId, SecretKey: server.credentials.secretKey,
  Domain: server.endpoint, Protocol: 'http:', ...over,
});
const at = (Key: string) => ({ Bucket: server.bucket, Region: server.region, Key });
/** The rejection of an SDK promise (fails the test when it resolves). */
async function failure(p: Promise<unknown>): Promise<COS.CosSdkError> {
  try { await p; } catch (e) { return e as COS.CosSdkError; }
  return assert.fail('expected the call to fail');
}
/** `<Code>` of a COS XML error body. */
const xmlCode = (body: string) => /<Code>([^<]*)<\/Code>/.exec(body)?.[1];
const md5hex = (b: Buffer) => createHash('md5').update(b).digest('hex');

before(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'cos-server-'));
  server = await startCosServer();
});
after(async () => {
  await server?.close();
  await rm(tmp, { recursive: true, force: true });
});

describe('objects', () => {
  it('put / get / head / delete round trip, with ETag, Content-Type, Range and missing-key errors', async () => {
    const cos = client();
    const body = randomBytes(5000);
    const put = await cos.putObject({ ...at('rt/a.bin'), Body: body, ContentType: 'video/mp2t' });
    assert.equal(put.statusCode, 200);
    assert.equal(put.ETag, `"${md5hex(body)}"`);
    assert.ok(put.RequestId, 'x-cos-request-id becomes RequestId');
    const got = await cos.getObject(at('rt/a.bin'));
    assert.ok(got.Body.equals(body));
    assert.equal(got.ETag, put.ETag);
    assert.equal(got.headers?.['content-type'], 'video/mp2t');
    const head = await cos.headObject(at('rt/a.bin'));
    assert.equal(head.ETag, put.ETag);
    assert.equal(head.headers?.['content-length'], '5000');
    assert.ok(!Number.isNaN(Date.parse(String(head.headers?.['last-modified']))));
    const part = await cos.getObject({ ...at('rt/a.bin'), Range: 'bytes=10-19' });
    assert.equal(part.statusCode, 206);
    assert.ok(part.Body.equals(body.subarray(10, 20)));
    assert.equal((await cos.deleteObject(at('rt/a.bin'))).statusCode, 204);
    assert.equal((await cos.deleteObject(at('rt/a.bin'))).statusCode, 204, 'deleting a missing key succeeds');
    const headErr = await failure(cos.headObject(at('rt/a.bin')));
    assert.equal(headErr.statusCode, 404);
    assert.equal(headErr.code, '404', 'a HEAD 404 has no body');
    const getErr = await failure(cos.getObject(at('rt/a.bin')));
    assert.equal(getErr.statusCode, 404);
    assert.equal(getErr.code, 'NoSuchKey');
  });

  it('x-cos-forbid-overwrite refuses an existing key with 409 FileAlreadyExists', async () => {
    const cos = client();
    const Headers = { 'x-cos-forbid-overwrite': 'true' };
    await cos.putObject({ ...at('fo/job.json'), Body: '{"v":1}', Headers });
    const err = await failure(cos.putObject({ ...at('fo/job.json'), Body: '{"v":2}', Headers }));
    assert.equal(err.statusCode, 409);
    assert.equal(err.code, 'FileAlreadyExists');
    assert.equal((await cos.getObject(at('fo/job.json'))).Body.toString(), '{"v":1}');
    await cos.putObject({ ...at('fo/job.json'), Body: '{"v":3}' });
    assert.equal((await cos.getObject(at('fo/job.json'))).Body.toString(), '{"v":3}', 'without the header a put replaces');
  });
});

describe('getBucket and deleteMultipleObject', () => {
  const keys = [
    ...Array.from({ length: 10 }, (_, i) => `ls/a/${String(i).padStart(2, '0')}`),
    ...Array.from({ length: 5 }, (_, i) => `ls/b/${String(i).padStart(2, '0')}`),
    ...Array.from({ length: 10 }, (_, i) => `ls/c-${String(i).padStart(2, '0')}`),
  ];
  before(async () => {
    const cos = client();
    for (const k of [...keys].reverse()) await cos.putObject({ ...at(k), Body: k });
    await cos.putObject({ ...at('lsx/outside'), Body: 'x' });
  });

  it('pages with MaxKeys / Marker: IsTruncated and NextMarker right, keys ascending, each once', async () => {
    const cos = client();
    const seen: string[] = [];
    const flags: string[] = [];
    let Marker = '';
    do {
      const page = await cos.getBucket({ Bucket: server.bucket, Region: server.region, Prefix: 'ls/', MaxKeys: 10, Marker });
      seen.push(...page.Contents.map((c) => c.Key));
      flags.push(page.IsTruncated);
      assert.equal(page.CommonPrefixes.length, 0);
      if (page.IsTruncated === 'true') assert.equal(page.NextMarker, page.Contents.at(-1)!.Key);
      else assert.equal(page.NextMarker, undefined);
      Marker = page.IsTruncated === 'true' ? page.NextMarker! : '';
    } while (Marker);
    assert.deepEqual(seen, keys);
    assert.deepEqual(flags, ['true', 'true', 'false']);
    const one = (await cos.getBucket({ Bucket: server.bucket, Region: server.region, Prefix: 'ls/b/00' })).Contents;
    assert.equal(one.length, 1);
    assert.equal(one[0]!.Size, '7');
    assert.equal(one[0]!.ETag, `"${md5hex(Buffer.from('ls/b/00'))}"`);
    assert.ok(!Number.isNaN(Date.parse(one[0]!.LastModified)));
  });

  it('groups by Delimiter into CommonPrefixes, which count toward MaxKeys and resume after a Marker', async () => {
    const cos = client();
    const list = (Marker: string, MaxKeys: number) => cos.getBucket({ Bucket: server.bucket, Region: server.region, Prefix: 'ls/', Delimiter: '/', Marker, MaxKeys });
    const p1 = await list('', 5);
    assert.deepEqual(p1.CommonPrefixes.map((p) => p.Prefix), ['ls/a/', 'ls/b/']);
    assert.deepEqual(p1.Contents.map((c) => c.Key), ['ls/c-00', 'ls/c-01', 'ls/c-02']);
    assert.equal(p1.IsTruncated, 'true');
    assert.equal(p1.NextMarker, 'ls/c-02');
    const p2 = await list(p1.NextMarker!, 5);
    assert.deepEqual(p2.Contents.map((c) => c.Key), ['ls/c-03', 'ls/c-04', 'ls/c-05', 'ls/c-06', 'ls/c-07']);
    const p3 = await list(p2.NextMarker!, 5);
    assert.deepEqual(p3.Contents.map((c) => c.Key), ['ls/c-08', 'ls/c-09']);
    assert.equal(p3.IsTruncated, 'false');
    const q1 = await list('', 1);
    assert.deepEqual([q1.CommonPrefixes.map((p) => p.Prefix), q1.NextMarker], [['ls/a/'], 'ls/a/']);
    const q2 = await list('ls/a/', 1);
    assert.deepEqual([q2.CommonPrefixes.map((p) => p.Prefix), q2.Contents.length], [['ls/b/'], 0], 'a prefix marker skips its whole group');
  });

  it('deleteMultipleObject deletes (missing keys count as deleted); Quiet answers no list', async () => {
    const cos = client();
    const res = await cos.deleteMultipleObject({ Bucket: server.bucket, Region: server.region, Objects: [{ Key: 'ls/c-00' }, { Key: 'ls/c-01' }, { Key: 'ls/nope' }] });
    assert.deepEqual(res.Deleted.map((d) => d.Key), ['ls/c-00', 'ls/c-01', 'ls/nope']);
    assert.deepEqual(res.Error, []);
    const quiet = await cos.deleteMultipleObject({ Bucket: server.bucket, Region: server.region, Objects: [{ Key: 'ls/c-02' }], Quiet: true });
    assert.deepEqual(quiet.Deleted, []);
    const left = await cos.getBucket({ Bucket: server.bucket, Region: server.region, Prefix: 'ls/c-' });
    assert.deepEqual(left.Contents.map((c) => c.Key), keys.filter((k) => k.startsWith('ls/c-')).slice(3));
  });
});

describe('multipart', () => {
  it('sliceUploadFile of a 3 MB file with 1 MB chunks goes through uploads / parts / complete', async () => {
    const data = randomBytes(3 * 1024 * 1024 + 12345);
    const file = path.join(tmp, 'big.bin');
    await writeFile(file, data);
    const from = server.requests.length;
    const res = await client().sliceUploadFile({ ...at('mp/big.bin'), FilePath: file, ChunkSize: 1024 * 1024 });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.ETag), /^"[0-9a-f]{32}-4"$/, 'a multipart ETag names its part count');
    const log = server.requests.slice(from).map((r) => `${r.method} /${r.key}${r.query.replace(/=[^&]*/g, '')} ${r.status}`);
    assert.ok(log.includes('GET /?uploads&prefix 200'), 'it looks for an upload to resume');
    assert.ok(log.includes('POST /mp/big.bin?uploads 200'), 'it initiates an upload');
    assert.equal(log.filter((l) => l === 'PUT /mp/big.bin?partNumber&uploadId 200').length, 4, 'four parts');
    assert.ok(log.includes('POST /mp/big.bin?uploadId 200'), 'it completes the upload');
    const got = await client().getObject(at('mp/big.bin'));
    assert.ok(got.Body.equals(data));
  });

  it('uploadFile under SliceSize is a single PUT', async () => {
    const file = path.join(tmp, 'small.bin');
    await writeFile(file, randomBytes(100_000));
    const from = server.requests.length;
    await client().uploadFile({ ...at('mp/small.bin'), FilePath: file, SliceSize: 1024 * 1024 });
    assert.deepEqual(server.requests.slice(from).map((r) => `${r.method} ${r.query}`), ['PUT ']);
  });

  it('the low-level calls: list parts, list uploads, EntityTooSmall, forbid-overwrite on complete, abort', async () => {
    const cos = client();
    const { UploadId } = await cos.multipartInit({ ...at('mp/low.bin'), ContentType: 'video/mp4' });
    const p1 = randomBytes(1024 * 1024);
    const e1 = await cos.multipartUpload({ ...at('mp/low.bin'), UploadId, PartNumber: 1, Body: p1 });
    const e2 = await cos.multipartUpload({ ...at('mp/low.bin'), UploadId, PartNumber: 2, Body: Buffer.from('tail') });
    assert.equal(e1.ETag, `"${md5hex(p1)}"`);
    const parts = await cos.multipartListPart({ ...at('mp/low.bin'), UploadId });
    assert.deepEqual(parts.Part.map((p) => [p.PartNumber, p.ETag, p.Size]), [['1', e1.ETag, String(p1.length)], ['2', e2.ETag, '4']]);
    const ups = await cos.multipartList({ Bucket: server.bucket, Region: server.region, Prefix: 'mp/low', Delimiter: '' });
    assert.deepEqual(ups.Upload.map((u) => [u.Key, u.UploadId]), [['mp/low.bin', UploadId]]);
    const missing = await failure(cos.multipartComplete({ ...at('mp/low.bin'), UploadId, Parts: [{ PartNumber: 1, ETag: e1.ETag }, { PartNumber: 3, ETag: e2.ETag }] }));
    assert.deepEqual([missing.statusCode, missing.code], [400, 'InvalidPart']);
    const order = await failure(cos.multipartComplete({ ...at('mp/low.bin'), UploadId, Parts: [{ PartNumber: 2, ETag: e2.ETag }, { PartNumber: 1, ETag: e1.ETag }] }));
    assert.equal(order.code, 'InvalidPartOrder');
    await cos.putObject({ ...at('mp/low.bin'), Body: 'exists' });
    const Parts = [{ PartNumber: 1, ETag: e1.ETag }, { PartNumber: 2, ETag: e2.ETag }];
    const clash = await failure(cos.multipartComplete({ ...at('mp/low.bin'), UploadId, Parts, Headers: { 'x-cos-forbid-overwrite': 'true' } }));
    assert.deepEqual([clash.statusCode, clash.code], [409, 'FileAlreadyExists']);
    const done = await cos.multipartComplete({ ...at('mp/low.bin'), UploadId, Parts });
    assert.match(done.ETag, /^"[0-9a-f]{32}-2"$/);
    assert.equal(done.Location, `${server.endpoint}/mp/low.bin`);
    const got = await cos.getObject(at('mp/low.bin'));
    assert.ok(got.Body.equals(Buffer.concat([p1, Buffer.from('tail')])));
    assert.equal(got.headers?.['content-type'], 'video/mp4');

    const second = await cos.multipartInit(at('mp/tiny.bin'));
    const t1 = await cos.multipartUpload({ ...at('mp/tiny.bin'), UploadId: second.UploadId, PartNumber: 1, Body: 'a' });
    const t2 = await cos.multipartUpload({ ...at('mp/tiny.bin'), UploadId: second.UploadId, PartNumber: 2, Body: 'b' });
    const tooSmall = await failure(cos.multipartComplete({ ...at('mp/tiny.bin'), UploadId: second.UploadId, Parts: [{ PartNumber: 1, ETag: t1.ETag }, { PartNumber: 2, ETag: t2.ETag }] }));
    assert.equal(tooSmall.code, 'EntityTooSmall');
    assert.equal((await cos.multipartAbort({ ...at('mp/tiny.bin'), UploadId: second.UploadId })).statusCode, 204);
    assert.equal((await failure(cos.multipartListPart({ ...at('mp/tiny.bin'), UploadId: second.UploadId }))).code, 'NoSuchUpload');
  });
});

describe('signatures', () => {
  it('a presigned getObjectUrl works with plain fetch; a tampered or expired one is refused', async () => {
    const cos = client();
    const body = randomBytes(777);
    await cos.putObject({ ...at('sig/clip one.mp4'), Body: body });
    const url = cos.getObjectUrl({ ...at('sig/clip one.mp4'), Sign: true, Expires: 60 });
    assert.ok(url.startsWith(`http://${server.endpoint}/sig/clip%20one.mp4?q-sign-algorithm=sha1&`), url);
    const ok = await fetch(url);
    assert.equal(ok.status, 200);
    assert.ok(Buffer.from(await ok.arrayBuffer()).equals(body));

    const tampered = url.replace(/q-signature=([0-9a-f])/, (_, c: string) => `q-signature=${c === '0' ? '1' : '0'}`);
    const bad = await fetch(tampered);
    assert.equal(bad.status, 403);
    assert.equal(xmlCode(await bad.text()), 'SignatureDoesNotMatch');

    const now = Math.floor(Date.now() / 1000);
    const auth = COS.getAuthorization({
      SecretId: server.credentials.secretId, SecretKey: server.credentials.secretKey,
      Method: 'get', Key: 'sig/clip one.mp4', KeyTime: `${now - 120};${now - 60}`, Headers: { host: server.endpoint },
    });
    const expired = await fetch(`http://${server.endpoint}/sig/clip%20one.mp4?${auth}`);
    assert.equal(expired.status, 403);
    const text = await expired.text();
    assert.equal(xmlCode(text), 'AccessDenied');
    assert.match(text, /<Message>Request has expired<\/Message>/);
    assert.ok(expired.headers.get('x-cos-request-id'));

    const unsigned = await fetch(`http://${server.endpoint}/sig/clip%20one.mp4`);
    assert.deepEqual([unsigned.status, xmlCode(await unsigned.text())], [403, 'AccessDenied']);
  });

  it('a wrong SecretKey is SignatureDoesNotMatch (not retried), an unknown SecretId InvalidAccessKeyId', async () => {
    const from = server.requests.length;
    const err = await failure(client({ SecretKey: 'wrong' }).getObject(at('sig/clip one.mp4')));
    assert.deepEqual([err.statusCode, err.code], [403, 'SignatureDoesNotMatch']);
    assert.equal(server.requests.length - from, 1, '4xx answers are not retried by the SDK');
    const unknown = await failure(client({ SecretId: 'AKIDnobody' }).headObject(at('sig/clip one.mp4')));
    assert.equal(unknown.statusCode, 403, 'HEAD errors have no body, so only the status is known');
    const listErr = await failure(client({ SecretId: 'AKIDnobody' }).getBucket({ Bucket: server.bucket, Region: server.region }));
    assert.equal(listErr.code, 'InvalidAccessKeyId');
  });

  it('a credential with a token needs x-cos-security-token (SecurityToken)', async () => {
    const role = { secretId: 'AKIDrole', secretKey: 'role-secret', token: 'session-token-123' };
    const s2 = await startCosServer({ credentials: [{ secretId: 'AKIDmain', secretKey: 'main-secret' }, role], bucket: 'other-1250000001' });
    try {
      const mk = (o: COS.COSOptions) => new COS({ Domain: s2.endpoint, Protocol: 'http', ...o });
      const loc = { Bucket: s2.bucket, Region: s2.region, Key: 'tok/x.txt' };
      const withToken = mk({ SecretId: role.secretId, SecretKey: role.secretKey, SecurityToken: role.token });
      await withToken.putObject({ ...loc, Body: 'via role' });
      assert.equal((await withToken.getObject(loc)).Body.toString(), 'via role');
      const presigned = await fetch(withToken.getObjectUrl({ ...loc, Sign: true }));
      assert.equal(await presigned.text(), 'via role', 'a presigned URL carries the token as a query parameter');
      const none = await failure(mk({ SecretId: role.secretId, SecretKey: role.secretKey }).getObject(loc));
      assert.deepEqual([none.statusCode, none.code], [403, 'InvalidToken']);
      const wrong = await failure(mk({ SecretId: role.secretId, SecretKey: role.secretKey, SecurityToken: 'stale' }).getObject(loc));
      assert.equal(wrong.code, 'InvalidToken');
      assert.equal((await mk({ SecretId: 'AKIDmain', SecretKey: 'main-secret' }).getObject(loc)).Body.toString(), 'via role', 'a key without a token needs none');
    } finally {
      await s2.close();
    }
  });
});

describe('faults', () => {
  it('503 at rate 1: the SDK retries 3 times itself, then fails with 503 ServiceUnavailable; rate 0 heals', async () => {
    const cos = client();
    server.setFaults({ rate: 1, kinds: ['503'] });
    const from = server.requests.length;
    try {
      const err = await failure(cos.putObject({ ...at('f/a.txt'), Body: 'x' }));
      assert.deepEqual([err.statusCode, err.code], [503, 'ServiceUnavailable']);
    } finally {
      server.setFaults({ rate: 0 });
    }
    const tries = server.requests.slice(from);
    assert.equal(tries.length, 4, 'one call + 3 SDK-internal retries');
    assert.ok(tries.every((r) => r.fault === '503' && r.status === 503));
    assert.equal((await cos.putObject({ ...at('f/a.txt'), Body: 'x' })).statusCode, 200);
  });

  it('resets at rate 1: the SDK retries, then fails without a status; rate 0 heals', async () => {
    const cos = client();
    await cos.putObject({ ...at('f/b.txt'), Body: 'bee' });
    server.setFaults({ rate: 1, kinds: ['reset'] });
    const from = server.requests.length;
    try {
      const err = await failure(cos.getObject(at('f/b.txt')));
      assert.equal(err.statusCode, undefined);
      assert.match(String(err.code), /ECONNRESET|socket hang up/i);
    } finally {
      server.setFaults({ rate: 0 });
    }
    const tries = server.requests.slice(from);
    assert.equal(tries.length, 4);
    assert.ok(tries.every((r) => r.fault === 'reset' && r.status === 0));
    assert.equal((await cos.getObject(at('f/b.txt'))).Body.toString(), 'bee');
  });
});
