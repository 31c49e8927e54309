import { test, describe, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, readdir, rm, writeFile, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { LocalFsStore } from '../../shared/storage/local-fs-store.ts';
import { getJson, listAll, putJson, putJsonIfAbsent } from '../../shared/storage/object-store.ts';
import { AppError } from '../../shared/domain/app-error.ts';

const code = (c: string) => (err: unknown) => err instanceof AppError && err.code === c;

let base: string;
let root: string;
let store: LocalFsStore;

beforeEach(async () => {
  base = await mkdtemp(path.join(os.tmpdir(), 'hl-store-test-'));
  root = path.join(base, 'root');
  await mkdir(root);
  store = new LocalFsStore({ root });
});

afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

async function readAll(r: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of r) chunks.push(Buffer.from(c as Buffer));
  return Buffer.concat(chunks);
}

async function tmpEntries(): Promise<string[]> {
  try {
    return await readdir(path.join(root, '.tmp'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

describe('put / get / head', () => {
  test('bytes, strings and streams round trip', async () => {
    const bytes = Buffer.from([0, 1, 2, 250, 255]);
    await store.put('a/bytes.bin', bytes);
    await store.put('a/text.txt', 'héllo');
    await store.put('a/stream.bin', Readable.from([Buffer.from('one,'), Buffer.from('two,'), Buffer.from('three')]));
    assert.deepEqual(await store.get('a/bytes.bin'), bytes);
    assert.equal((await store.get('a/text.txt')).toString('utf8'), 'héllo');
    assert.equal((await store.get('a/stream.bin')).toString('utf8'), 'one,two,three');
    assert.equal((await readAll(await store.stream('a/stream.bin'))).toString('utf8'), 'one,two,three');
    // the file is where pathOf says
    assert.equal(store.pathOf('a/text.txt'), path.join(root, 'a', 'text.txt'));
    assert.equal((await stat(path.join(root, 'a', 'bytes.bin'))).size, 5);
  });

  test('put replaces an existing object', async () => {
    await store.put('k', 'first');
    await store.put('k', 'second!');
    assert.equal((await store.get('k')).toString(), 'second!');
    assert.equal((await store.head('k'))?.size, 7);
  });

  test('get / stream of a missing key → NOT_FOUND', async () => {
    await assert.rejects(store.get('nope/missing.json'), code('NOT_FOUND'));
    await assert.rejects(store.stream('nope/missing.json'), code('NOT_FOUND'));
    await store.put('dir/file', 'x');
    // a "folder" is not an object
    await assert.rejects(store.get('dir'), code('NOT_FOUND'));
    await assert.rejects(store.stream('dir'), code('NOT_FOUND'));
    // below a file
    await assert.rejects(store.get('dir/file/below'), code('NOT_FOUND'));
  });

  test('head gives the size, or null when missing', async () => {
    await store.put('h/k.txt', '12345678');
    const info = await store.head('h/k.txt');
    assert.ok(info);
    assert.equal(info.key, 'h/k.txt');
    assert.equal(info.size, 8);
    assert.ok(info.modified instanceof Date);
    assert.equal(await store.head('h/missing'), null);
    assert.equal(await store.head('h'), null); // folder
    assert.equal(await store.head('h/k.txt/x'), null); // below a file
  });
});

describe('putIfAbsent', () => {
  test('true the first time, false after, and the first content is kept', async () => {
    assert.equal(await store.putIfAbsent('once/k.json', 'first'), true);
    assert.equal(await store.putIfAbsent('once/k.json', 'second'), false);
    assert.equal(await store.putIfAbsent('once/k.json', Readable.from([Buffer.from('third')])), false);
    assert.equal((await store.get('once/k.json')).toString(), 'first');
    assert.deepEqual(await tmpEntries(), []);
  });

  test('false when a plain put already wrote the key', async () => {
    await store.put('k', 'put');
    assert.equal(await store.putIfAbsent('k', 'pia'), false);
    assert.equal((await store.get('k')).toString(), 'put');
  });

  test('20 concurrent writers: exactly one wins and its content is stored', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => store.putIfAbsent('race/k.json', `writer-${i}`)));
    const winners = results.flatMap((r, i) => (r ? [i] : []));
    assert.equal(winners.length, 1);
    assert.equal((await store.get('race/k.json')).toString(), `writer-${winners[0]}`);
    assert.deepEqual(await tmpEntries(), []);
  });
});

describe('list', () => {
  test('ascending key order, including "-" before "/"', async () => {
    for (const k of ['p/a/b', 'p/a-c', 'p/b', 'p/a/a/z', 'p/A', 'q/x', 'pp']) await store.put(k, k);
    const r = await store.list('p/');
    assert.deepEqual(r.objects.map((o) => o.key), ['p/A', 'p/a-c', 'p/a/a/z', 'p/a/b', 'p/b']);
    assert.deepEqual(r.prefixes, []);
    assert.equal(r.nextStartAfter, undefined);
    assert.equal(r.objects.find((o) => o.key === 'p/a/b')?.size, 5);

    // a prefix that is not a folder boundary
    const partial = await store.list('p/a');
    assert.deepEqual(partial.objects.map((o) => o.key), ['p/a-c', 'p/a/a/z', 'p/a/b']);

    const all = await store.list('');
    assert.deepEqual(all.objects.map((o) => o.key), ['p/A', 'p/a-c', 'p/a/a/z', 'p/a/b', 'p/b', 'pp', 'q/x']);
    const pOnly = await store.list('p');
    assert.deepEqual(pOnly.objects.map((o) => o.key), ['p/A', 'p/a-c', 'p/a/a/z', 'p/a/b', 'p/b', 'pp']);
  });

  test('missing prefix lists nothing', async () => {
    const r = await store.list('none/here/');
    assert.deepEqual(r.objects, []);
    assert.deepEqual(r.prefixes, []);
  });

  test('delimiter "/" gives direct objects and folder prefixes', async () => {
    for (const k of ['s/x/1', 's/x/2', 's/y/z/1', 's/top.json', 's/a-c', 't/other']) await store.put(k, 'v');
    const r = await store.list('s/', { delimiter: '/' });
    assert.deepEqual(r.objects.map((o) => o.key), ['s/a-c', 's/top.json']);
    assert.deepEqual(r.prefixes, ['s/x/', 's/y/']);
    const top = await store.list('', { delimiter: '/' });
    assert.deepEqual(top.objects, []);
    assert.deepEqual(top.prefixes, ['s/', 't/']);
  });

  test('paging with limit and nextStartAfter covers every key exactly once', async () => {
    const keys = Array.from({ length: 23 }, (_, i) => `pg/${String(i).padStart(2, '0')}${i % 3 === 0 ? '/n' : ''}`);
    for (const k of keys) await store.put(k, 'v');
    const seen: string[] = [];
    let startAfter: string | undefined;
    let pages = 0;
    do {
      const page = await store.list('pg/', { limit: 5, startAfter });
      assert.ok(page.objects.length <= 5);
      seen.push(...page.objects.map((o) => o.key));
      startAfter = page.nextStartAfter;
      if (startAfter) assert.equal(startAfter, page.objects[page.objects.length - 1]!.key);
      pages++;
      assert.ok(pages < 20, 'paging does not terminate');
    } while (startAfter);
    assert.equal(pages, 5);
    assert.deepEqual(seen, [...keys].sort());
    assert.equal(new Set(seen).size, keys.length);

    // exactly `limit` keys left: no further page announced
    const last = await store.list('pg/', { limit: 3, startAfter: seen[19] });
    assert.equal(last.objects.length, 3);
    assert.equal(last.nextStartAfter, undefined);
  });

  test('rejects invalid prefixes', async () => {
    await assert.rejects(store.list('../'), code('INVALID_KEY'));
    await assert.rejects(store.list('/etc/'), code('INVALID_KEY'));
  });

  test('dot files and the .tmp folder are never listed', async () => {
    await store.put('v/a', 'a');
    await writeFile(path.join(root, '.hidden'), 'x');
    await mkdir(path.join(root, '.tmp'), { recursive: true });
    await writeFile(path.join(root, '.tmp', 'leftover'), 'x');
    await writeFile(path.join(root, 'v', '.partial'), 'x');
    assert.deepEqual((await store.list('')).objects.map((o) => o.key), ['v/a']);
    assert.deepEqual((await store.list('v/')).objects.map((o) => o.key), ['v/a']);
  });

  test('the temp file of an in-progress write never appears', async () => {
    const body = new PassThrough();
    const pending = store.put('live/seg.ts', body);
    body.write(Buffer.alloc(1024, 1));
    // wait until the temp file exists
    for (let i = 0; i < 200 && (await tmpEntries()).length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    assert.equal((await tmpEntries()).length, 1, 'temp file should exist while writing');
    assert.deepEqual((await store.list('')).objects, []);
    assert.equal(await store.head('live/seg.ts'), null);
    body.end(Buffer.alloc(1024, 2));
    await pending;
    assert.deepEqual((await store.list('')).objects.map((o) => o.key), ['live/seg.ts']);
    assert.equal((await store.head('live/seg.ts'))?.size, 2048);
    assert.deepEqual(await tmpEntries(), []);
  });
});

describe('failed writes', () => {
  test('a Readable that errors mid-way leaves no object and no temp file', async () => {
    const failing = new Readable({
      read() {
        this.push(Buffer.alloc(4096, 7));
        setImmediate(() => this.destroy(new Error('source dropped')));
      },
    });
    await assert.rejects(store.put('broken/seg.ts', failing), /source dropped/);
    assert.equal(await store.head('broken/seg.ts'), null);
    assert.deepEqual(await tmpEntries(), []);
    assert.deepEqual((await store.list('')).objects, []);
  });

  test('an erroring Readable in putIfAbsent leaves nothing and the key stays free', async () => {
    const failing = new Readable({ read() { this.destroy(new Error('boom')); } });
    await assert.rejects(store.putIfAbsent('pia/k', failing), /boom/);
    assert.equal(await store.head('pia/k'), null);
    assert.deepEqual(await tmpEntries(), []);
    assert.equal(await store.putIfAbsent('pia/k', 'ok'), true);
  });
});

describe('delete', () => {
  test('is idempotent and tidies empty parent folders', async () => {
    await store.put('d/x/y/k', 'v');
    await store.put('d/keep', 'v');
    await store.delete('d/x/y/k');
    assert.equal(await store.head('d/x/y/k'), null);
    assert.equal(existsSync(path.join(root, 'd', 'x')), false, 'empty folders removed');
    assert.equal(existsSync(path.join(root, 'd')), true, 'non-empty folder kept');
    assert.equal(existsSync(root), true, 'root kept');
    await store.delete('d/x/y/k'); // again: no error
    await store.delete('never/existed');
    await store.delete('d/keep');
    assert.equal(existsSync(path.join(root, 'd')), false);
    assert.equal(existsSync(root), true);
    assert.deepEqual((await store.list('', { delimiter: '/' })).prefixes, []);
  });

  test('sibling objects survive', async () => {
    await store.put('s/a', 'a');
    await store.put('s/b', 'b');
    await store.delete('s/a');
    assert.deepEqual((await store.list('s/')).objects.map((o) => o.key), ['s/b']);
  });
});

describe('keys that escape the root', () => {
  const bad = ['../escape', 'a/../../b', '/etc/passwd', '..', 'a/./b', '.tmp/x', '', 'a\\..\\..\\b'];

  test('throw INVALID_KEY on every operation and create nothing', async () => {
    for (const k of bad) {
      await assert.rejects(store.put(k, 'x'), code('INVALID_KEY'), `put ${k}`);
      await assert.rejects(store.putIfAbsent(k, 'x'), code('INVALID_KEY'), `putIfAbsent ${k}`);
      await assert.rejects(store.get(k), code('INVALID_KEY'), `get ${k}`);
      await assert.rejects(store.stream(k), code('INVALID_KEY'), `stream ${k}`);
      await assert.rejects(store.head(k), code('INVALID_KEY'), `head ${k}`);
      await assert.rejects(store.delete(k), code('INVALID_KEY'), `delete ${k}`);
      await assert.rejects(store.url(k), code('INVALID_KEY'), `url ${k}`);
      assert.throws(() => store.pathOf(k), code('INVALID_KEY'));
    }
    assert.deepEqual(await readdir(base), ['root']);
    assert.deepEqual(await readdir(root), []);
    assert.equal(existsSync(path.join(base, 'escape')), false);
    assert.equal(existsSync(path.join(base, 'b')), false);
  });

  test('delete of an escaping key does not remove a file outside the root', async () => {
    await writeFile(path.join(base, 'outside'), 'keep me');
    await assert.rejects(store.delete('../outside'), code('INVALID_KEY'));
    assert.equal(existsSync(path.join(base, 'outside')), true);
  });
});

describe('url', () => {
  test('file:// by default', async () => {
    const u = await store.url('clips/c1/c1.mp4');
    assert.equal(u, pathToFileURL(path.join(root, 'clips', 'c1', 'c1.mp4')).href);
    assert.match(u, /^file:\/\//);
  });

  test('publicBaseUrl/key when set (trailing slash tolerated)', async () => {
    const s = new LocalFsStore({ root, publicBaseUrl: 'http://localhost:9000/files' });
    assert.equal(await s.url('clips/c1/c1.mp4'), 'http://localhost:9000/files/clips/c1/c1.mp4');
    const s2 = new LocalFsStore({ root, publicBaseUrl: 'http://localhost:9000/files/' });
    assert.equal(await s2.url('clips/c1/c1.mp4'), 'http://localhost:9000/files/clips/c1/c1.mp4');
  });
});

describe('object-store helpers', () => {
  test('putJson / getJson round trip; getJson of a missing key is null', async () => {
    const value = { id: 'c1', n: 3, nested: { ok: true, list: [1, 'two'] } };
    await putJson(store, 'j/v.json', value);
    assert.deepEqual(await getJson(store, 'j/v.json'), value);
    assert.equal(await getJson(store, 'j/none.json'), null);
    // stored as readable JSON text
    assert.deepEqual(JSON.parse((await store.get('j/v.json')).toString('utf8')), value);
  });

  test('getJson throws on invalid JSON (it is not hidden as "missing")', async () => {
    await store.put('j/bad.json', '{not json');
    await assert.rejects(getJson(store, 'j/bad.json'), SyntaxError);
  });

  test('putJsonIfAbsent keeps the first value', async () => {
    assert.equal(await putJsonIfAbsent(store, 'j/once.json', { v: 1 }), true);
    assert.equal(await putJsonIfAbsent(store, 'j/once.json', { v: 2 }), false);
    assert.deepEqual(await getJson(store, 'j/once.json'), { v: 1 });
  });

  test('listAll follows pages past 1000 keys', async () => {
    // write files directly (faster than 1005 puts); the store sees them as objects
    await mkdir(path.join(root, 'many'), { recursive: true });
    const keys = Array.from({ length: 1005 }, (_, i) => `many/${String(i).padStart(4, '0')}`);
    await Promise.all(keys.map((k) => writeFile(path.join(root, ...k.split('/')), 'x')));
    await store.put('other/k', 'x');
    const first = await store.list('many/');
    assert.equal(first.objects.length, 1000);
    assert.equal(first.nextStartAfter, 'many/0999');
    const all = await listAll(store, 'many/');
    assert.deepEqual(all.map((o) => o.key), keys);
  });
});

describe('a store rooted at the filesystem root', () => {
  test('maps keys below it and still refuses escapes', () => {
    const s = new LocalFsStore({ root: '/' });
    assert.equal(s.pathOf('tmp/x'), path.join('/', 'tmp', 'x'));
    assert.throws(() => s.pathOf('../etc/passwd'), (e: unknown) => e instanceof AppError && e.code === 'INVALID_KEY');
  });
});
