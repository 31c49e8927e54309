/*
 * One contract, every ObjectStore adapter: the local filesystem store, and the COS store talking
 * the real COS protocol (signed requests) to the local COS-compatible server. The same assertions
 * run against each, so the adapters cannot drift; COS-only behaviour (signatures, faults,
 * presigned URLs, multipart) follows.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { CosStore } from '../../shared/storage/cos-store.ts';
import { isClipOutputKey, RoutedStore } from '../../shared/storage/routed-store.ts';
import { LocalFsStore } from '../../shared/storage/local-fs-store.ts';
import { listAll, type ObjectStore } from '../../shared/storage/object-store.ts';
import { startCosServer, type CosServer } from '../servers/cos-server.ts';

const codeOf = async (p: Promise<unknown>) => p.then(() => 'no error', (e: { code?: string }) => e.code ?? 'no code');

let cos: CosServer;
let tmp: string;
const cosStore = (over: Partial<ConstructorParameters<typeof CosStore>[0]> = {}) => new CosStore({
  bucket: cos.bucket, region: cos.region, domain: cos.endpoint, protocol: 'http:',
  secretId: cos.credentials.secretId, secretKey: cos.credentials.secretKey, baseDelayMs: 5, sliceSizeBytes: 1024 * 1024, ...over,
});

const adapters: Array<{ name: string; make: () => Promise<ObjectStore> }> = [
  { name: 'local filesystem', make: async () => new LocalFsStore({ root: await mkdtemp(path.join(tmp, 'fs-')) }) },
  { name: 'COS (local COS server)', make: async () => cosStore() },
  { name: 'routed (local main, COS outputs)', make: async () => new RoutedStore(new LocalFsStore({ root: await mkdtemp(path.join(tmp, 'rt-')) }), cosStore(), (k) => k.includes('/out-')) },
];

before(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'hl-contract-'));
  cos = await startCosServer();
});
after(async () => {
  await cos?.close();
  await rm(tmp, { recursive: true, force: true });
});

for (const adapter of adapters) {
  describe(`ObjectStore contract: ${adapter.name}`, () => {
    let s: ObjectStore;
    const ns = () => `c${randomBytes(4).toString('hex')}`;
    before(async () => { s = await adapter.make(); });

    it('puts and gets buffers, strings and streams; a put replaces', async () => {
      const p = ns();
      await s.put(`${p}/a.bin`, Buffer.from([0, 1, 2, 255]));
      await s.put(`${p}/b.txt`, 'hello', { contentType: 'text/plain' });
      await s.put(`${p}/c.ts`, Readable.from([Buffer.from('chunk1-'), Buffer.from('chunk2')]));
      assert.deepEqual(await s.get(`${p}/a.bin`), Buffer.from([0, 1, 2, 255]));
      assert.equal((await s.get(`${p}/b.txt`)).toString(), 'hello');
      assert.equal((await s.get(`${p}/c.ts`)).toString(), 'chunk1-chunk2');
      await s.put(`${p}/b.txt`, 'replaced');
      assert.equal((await s.get(`${p}/b.txt`)).toString(), 'replaced');
      const chunks: Buffer[] = [];
      for await (const c of await s.stream(`${p}/c.ts`)) chunks.push(c as Buffer);
      assert.equal(Buffer.concat(chunks).toString(), 'chunk1-chunk2');
    });

    it('put-if-absent creates once and never overwrites', async () => {
      const key = `${ns()}/job.json`;
      assert.equal(await s.putIfAbsent(key, '{"v":1}'), true);
      assert.equal(await s.putIfAbsent(key, '{"v":2}'), false);
      assert.equal((await s.get(key)).toString(), '{"v":1}');
    });

    it('heads, and reports missing objects as null / NOT_FOUND', async () => {
      const key = `${ns()}/x.bin`;
      assert.equal(await s.head(key), null);
      assert.equal(await codeOf(s.get(key)), 'NOT_FOUND');
      await s.put(key, Buffer.alloc(1234, 7));
      const h = await s.head(key);
      assert.equal(h?.key, key);
      assert.equal(h?.size, 1234);
      assert.ok(Math.abs(h!.modified.getTime() - Date.now()) < 120_000, 'modified is a recent time');
    });

    it('lists a prefix in key order, with folders by delimiter and pages that cover every key once', async () => {
      const p = ns();
      const keys = Array.from({ length: 23 }, (_, i) => `${p}/seg/${String(i).padStart(3, '0')}.ts`);
      for (const k of [...keys].reverse()) await s.put(k, k);
      await s.put(`${p}/stream.json`, '{}');
      await s.put(`${p}/pins/a.json`, '{}');
      await s.put(`${p}x/other`, 'not under the prefix');
      const all = await listAll(s, `${p}/seg/`);
      assert.deepEqual(all.map((o) => o.key), keys);
      assert.ok(all.every((o) => o.size === o.key.length));
      const seen: string[] = [];
      let startAfter: string | undefined;
      let pages = 0;
      do {
        const page = await s.list(`${p}/seg/`, { limit: 10, startAfter });
        assert.ok(page.objects.length <= 10);
        seen.push(...page.objects.map((o) => o.key));
        startAfter = page.nextStartAfter;
        pages++;
      } while (startAfter);
      assert.deepEqual(seen, keys);
      assert.equal(pages, 3);
      const top = await s.list(`${p}/`, { delimiter: '/' });
      assert.deepEqual(top.prefixes, [`${p}/pins/`, `${p}/seg/`]);
      assert.deepEqual(top.objects.map((o) => o.key), [`${p}/stream.json`]);
    });

    it('deletes idempotently', async () => {
      const key = `${ns()}/gone.txt`;
      await s.put(key, 'x');
      await s.delete(key);
      await s.delete(key);
      assert.equal(await s.head(key), null);
    });

    it('stores a local file (large files in parts) and gives a URL', async () => {
      const key = `${ns()}/clip.mp4`;
      const file = path.join(tmp, `${randomBytes(4).toString('hex')}.mp4`);
      const data = randomBytes(3 * 1024 * 1024 + 17);
      await writeFile(file, data);
      await s.putFile(key, file, { contentType: 'video/mp4' });
      assert.equal(existsSync(file), false, 'the file belongs to the store afterwards');
      assert.ok((await s.get(key)).equals(data));
      const url = new URL(await s.url(key));
      assert.ok(url.href.includes('clip.mp4'), url.href);
    });

    it('stores a stream of unknown length (in parts on COS); a failing stream publishes nothing', async () => {
      const key = `${ns()}/piped.mp4`;
      const data = randomBytes(2 * 1024 * 1024 + 123);
      const chunks = Array.from({ length: 40 }, (_, i) => data.subarray(Math.floor((i * data.length) / 40), Math.floor(((i + 1) * data.length) / 40)));
      const r = await s.putStream(key, Readable.from(chunks), { contentType: 'video/mp4' });
      assert.equal(r.bytes, data.length);
      assert.ok((await s.get(key)).equals(data));
      const broken = `${ns()}/broken.mp4`;
      const failing = new Readable({ read() {} });
      failing.push(randomBytes(1024 * 1024 + 5));
      setTimeout(() => failing.destroy(new Error('ffmpeg died')), 20);
      await assert.rejects(s.putStream(broken, failing), /ffmpeg died/);
      assert.equal(await s.head(broken), null, 'no partial object');
    });

    it('refuses keys that could escape their prefix', async () => {
      for (const bad of ['../etc/passwd', '/abs', 'a//b', 'a/../b', '', 'a/b/']) {
        assert.equal(await codeOf(s.put(bad, 'x')), 'INVALID_KEY', JSON.stringify(bad));
      }
    });
  });
}

describe('COS store specifics (against the local COS server)', () => {
  it('uploads large files by multipart', async () => {
    const before = cos.requests.length;
    const file = path.join(tmp, 'big.bin');
    await writeFile(file, randomBytes(3 * 1024 * 1024));
    await cosStore().putFile('multi/big.bin', file);
    assert.ok(cos.requests.slice(before).some((r) => r.method === 'PUT' && /uploadId/.test(r.key + (r as { query?: string }).query)), 'parts were uploaded');
  });

  it('a presigned URL fetches the object; a wrong secret fails at once with STORAGE_DENIED, no retry loop', async () => {
    const s = cosStore();
    await s.put('shared/clip.mp4', 'mp4 bytes');
    const res = await fetch(await s.url('shared/clip.mp4'));
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'mp4 bytes');
    const bad = cosStore({ secretKey: 'wrong' });
    const before = cos.requests.length;
    assert.equal(await codeOf(bad.get('shared/clip.mp4')), 'STORAGE_DENIED');
    assert.equal(cos.requests.length - before, 1, 'a 403 is not retried');
    const expired = await cosStore().url('shared/clip.mp4', { expiresSec: 1 });
    await new Promise((r) => setTimeout(r, 2100));
    assert.equal((await fetch(expired)).status, 403, 'an expired URL is refused');
  });

  it('rides out 20% injected faults (503s and resets): every write lands, every read is whole', async () => {
    const s = cosStore();
    cos.setFaults({ rate: 0.2, kinds: ['503', 'reset'] });
    try {
      for (let i = 0; i < 30; i++) await s.put(`faulty/${i}.ts`, `segment ${i}`);
      for (let i = 0; i < 30; i++) assert.equal((await s.get(`faulty/${i}.ts`)).toString(), `segment ${i}`);
      assert.equal((await listAll(s, 'faulty/')).length, 30);
    } finally {
      cos.setFaults({ rate: 0 });
    }
    assert.ok(cos.requests.some((r) => r.fault), 'faults were injected');
  });

  it('put-if-absent whose first answer was lost still reports that it created the object', async () => {
    const s = cosStore();
    // Every PUT's answer is lost when it stores: the first stores and is lost, the retry meets the
    // stored object and gets 409 (a refusal is answered).
    cos.setFaults({ rate: 1, kinds: ['lost-response'], methods: ['PUT'] });
    try {
      assert.equal(await s.putIfAbsent('lost/job.json', '{"mine":true}'), true, 'the object is ours: same bytes');
      assert.ok(cos.requests.some((r) => r.key === 'lost/job.json' && r.fault === 'lost-response'), 'an answer was lost');
      assert.equal(await s.putIfAbsent('lost/job.json', '{"someone":"else"}'), false, 'a different writer still loses');
    } finally {
      cos.setFaults({ rate: 0 });
    }
  });

  it('takes the function role keys from SCF variables when none are given', async () => {
    const saved = { ...process.env };
    try {
      process.env.TENCENTCLOUD_SECRETID = cos.credentials.secretId;
      process.env.TENCENTCLOUD_SECRETKEY = cos.credentials.secretKey;
      const s = new CosStore({ bucket: cos.bucket, region: cos.region, domain: cos.endpoint, protocol: 'http:' });
      await s.put('role/x.txt', 'role');
      assert.equal((await s.get('role/x.txt')).toString(), 'role');
      delete process.env.TENCENTCLOUD_SECRETID;
      assert.throws(() => new CosStore({ bucket: cos.bucket, region: cos.region }), /no COS credentials/);
    } finally {
      process.env = saved;
    }
  });
});

describe('routed store: finished clips to their own bucket', () => {
  it('sends clip MP4s and posters to the output store, the rest to the main one, and lists both as one', async () => {
    assert.equal(isClipOutputKey('clips/j1/j1.mp4'), true);
    assert.equal(isClipOutputKey('clips/j1/poster.jpg'), true);
    for (const k of ['clips/j1/job.json', 'clips/j1/parts/0.mp4', 'clips/j1/preview.m3u8', 'streams/s/seg/a.ts']) assert.equal(isClipOutputKey(k), false, k);
    const main = new LocalFsStore({ root: await mkdtemp(path.join(tmp, 'main-')) });
    const out = await startCosServer();
    try {
      const outputs = new CosStore({ bucket: out.bucket, region: out.region, domain: out.endpoint, protocol: 'http:', secretId: out.credentials.secretId, secretKey: out.credentials.secretKey });
      const s = new RoutedStore(main, outputs);
      for (const k of ['clips/j1/job.json', 'clips/j1/j1.mp4', 'clips/j1/poster.jpg', 'clips/j1/parts/0.mp4', 'clips/j1/preview.m3u8']) await s.put(k, k);
      assert.deepEqual((await listAll(main, 'clips/')).map((o) => o.key), ['clips/j1/job.json', 'clips/j1/parts/0.mp4', 'clips/j1/preview.m3u8']);
      assert.deepEqual((await listAll(outputs, 'clips/')).map((o) => o.key), ['clips/j1/j1.mp4', 'clips/j1/poster.jpg']);
      assert.deepEqual((await listAll(s, 'clips/j1/')).map((o) => o.key), ['clips/j1/j1.mp4', 'clips/j1/job.json', 'clips/j1/parts/0.mp4', 'clips/j1/poster.jpg', 'clips/j1/preview.m3u8']);
      const pages: string[][] = [];
      let startAfter: string | undefined;
      do {
        const p = await s.list('clips/j1/', { limit: 2, startAfter });
        pages.push(p.objects.map((o) => o.key));
        startAfter = p.nextStartAfter;
      } while (startAfter);
      assert.deepEqual(pages.flat(), ['clips/j1/j1.mp4', 'clips/j1/job.json', 'clips/j1/parts/0.mp4', 'clips/j1/poster.jpg', 'clips/j1/preview.m3u8'], 'pages over both stores cover every key once, in order');
      assert.match(await s.url('clips/j1/j1.mp4'), new RegExp(`^http://${out.endpoint.replace(/\./g, '\\.')}/`), 'the MP4 URL is the output bucket');
      assert.equal((await s.get('clips/j1/poster.jpg')).toString(), 'clips/j1/poster.jpg');
    } finally {
      await out.close();
    }
  });
});
