import { createReadStream, createWriteStream } from 'node:fs';
import { copyFile, mkdir, readFile, readdir, rename, stat, unlink, link, rm, rmdir, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { AppError } from '../domain/app-error.ts';
import { assertKey, assertPrefix } from '../domain/ids.ts';
import type { Body, ListOptions, ListResult, ObjectInfo, ObjectStore } from './object-store.ts';

export interface LocalFsStoreOptions {
  root: string;
  /** When set, url() gives `${publicBaseUrl}/${key}` (the local runtime serves it). */
  publicBaseUrl?: string;
}

/**
 * The default store: one file per key under a data folder. Writes go to a temp file in
 * `<root>/.tmp` and are renamed into place (atomic on one filesystem); put-if-absent uses
 * link(2), which fails when the target exists, so two writers cannot both win.
 */
export class LocalFsStore implements ObjectStore {
  readonly kind = 'local';
  readonly root: string;
  publicBaseUrl?: string;

  constructor(opts: LocalFsStoreOptions) {
    this.root = path.resolve(opts.root);
    this.publicBaseUrl = opts.publicBaseUrl;
  }

  /** Absolute path of a key's file (for the local runtime and the demo; not part of the interface). */
  pathOf(key: string): string {
    const p = path.join(this.root, ...assertKey(key).split('/'));
    const rel = path.relative(this.root, p);
    if (!rel || rel.startsWith('..') || path.isAbsolute(rel)) throw new AppError('INVALID_KEY', `key escapes the store: ${key}`);
    return p;
  }

  private async writeTemp(body: Body): Promise<string> {
    const dir = path.join(this.root, '.tmp');
    await mkdir(dir, { recursive: true });
    const tmp = path.join(dir, `${Date.now()}-${randomBytes(6).toString('hex')}`);
    if (typeof body === 'string' || Buffer.isBuffer(body)) {
      await writeFile(tmp, body);
    } else {
      try {
        await pipeline(body as Readable, createWriteStream(tmp));
      } catch (err) {
        await rm(tmp, { force: true });
        throw err;
      }
    }
    return tmp;
  }

  async put(key: string, body: Body): Promise<void> {
    const dest = this.pathOf(key);
    const tmp = await this.writeTemp(body);
    try {
      await this.intoPlace(() => rename(tmp, dest), dest);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }

  /** mkdir -p then move; retried once if a concurrent delete tidied the folder away in between. */
  private async intoPlace(move: () => Promise<void>, dest: string): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      await mkdir(path.dirname(dest), { recursive: true });
      try {
        return await move();
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || attempt >= 2) throw err;
      }
    }
  }

  async putStream(key: string, body: Readable): Promise<{ bytes: number }> {
    let bytes = 0;
    const counted = body.pipe(new Transform({ transform(c: Buffer, _e, done) { bytes += c.length; done(null, c); } }));
    body.once('error', (err) => counted.destroy(err));
    await this.put(key, counted);
    return { bytes };
  }

  async putFile(key: string, file: string): Promise<void> {
    const dest = this.pathOf(key);
    const dir = path.join(this.root, '.tmp');
    await mkdir(dir, { recursive: true });
    const tmp = path.join(dir, `${Date.now()}-${randomBytes(6).toString('hex')}`);
    try {
      await rename(file, tmp); // same filesystem: no copy at all
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
      await copyFile(file, tmp);
      await rm(file, { force: true });
    }
    try {
      await this.intoPlace(() => rename(tmp, dest), dest);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }

  localPath(key: string): string | undefined {
    return this.pathOf(key);
  }

  async putIfAbsent(key: string, body: Body): Promise<boolean> {
    const dest = this.pathOf(key);
    const tmp = await this.writeTemp(body);
    try {
      await this.intoPlace(() => link(tmp, dest), dest);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw err;
    } finally {
      await rm(tmp, { force: true });
    }
  }

  async get(key: string): Promise<Buffer> {
    try {
      return await readFile(this.pathOf(key));
    } catch (err) {
      throw this.mapMissing(err, key);
    }
  }

  async stream(key: string): Promise<Readable> {
    const p = this.pathOf(key);
    try {
      const s = await stat(p);
      if (!s.isFile()) throw Object.assign(new Error('not a file'), { code: 'ENOENT' });
    } catch (err) {
      throw this.mapMissing(err, key);
    }
    return createReadStream(p);
  }

  async head(key: string): Promise<ObjectInfo | null> {
    try {
      const s = await stat(this.pathOf(key));
      return s.isFile() ? { key, size: s.size, modified: s.mtime } : null;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return null;
      throw err;
    }
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    assertPrefix(prefix);
    // Walk only the deepest directory the prefix names, then filter and sort by full key.
    const slash = prefix.lastIndexOf('/');
    const baseDir = slash >= 0 ? prefix.slice(0, slash) : '';
    const keys: ObjectInfo[] = [];
    await this.walk(baseDir, keys);
    let all = keys.filter((o) => o.key.startsWith(prefix)).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    if (opts.startAfter) all = all.filter((o) => o.key > opts.startAfter!);
    const prefixes: string[] = [];
    let objects = all;
    if (opts.delimiter) {
      objects = [];
      const seen = new Set<string>();
      for (const o of all) {
        const rest = o.key.slice(prefix.length);
        const i = rest.indexOf(opts.delimiter);
        if (i >= 0) {
          const p = prefix + rest.slice(0, i + 1);
          if (!seen.has(p)) { seen.add(p); prefixes.push(p); }
        } else objects.push(o);
      }
    }
    const limit = opts.limit ?? 1000;
    if (objects.length > limit) {
      const page = objects.slice(0, limit);
      return { objects: page, prefixes, nextStartAfter: page[page.length - 1]!.key };
    }
    return { objects, prefixes };
  }

  private async walk(relDir: string, out: ObjectInfo[]): Promise<void> {
    const abs = relDir ? path.join(this.root, ...relDir.split('/')) : this.root;
    let entries;
    try {
      entries = await readdir(abs, { withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return;
      throw err;
    }
    for (const e of entries) {
      if (e.name.startsWith('.')) continue; // .tmp and other private files are not objects
      const rel = relDir ? `${relDir}/${e.name}` : e.name;
      if (e.isDirectory()) await this.walk(rel, out);
      else if (e.isFile()) {
        try {
          const s = await stat(path.join(abs, e.name));
          out.push({ key: rel, size: s.size, modified: s.mtime });
        } catch {
          // deleted while listing
        }
      }
    }
  }

  async delete(key: string): Promise<void> {
    const p = this.pathOf(key);
    try {
      await unlink(p);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      return;
    }
    // Tidy empty parent folders up to the root, so deleted prefixes disappear from listings.
    let dir = path.dirname(p);
    while (dir !== this.root && !path.relative(this.root, dir).startsWith('..')) {
      try {
        await rmdir(dir);
      } catch {
        break;
      }
      dir = path.dirname(dir);
    }
  }

  async url(key: string): Promise<string> {
    if (this.publicBaseUrl) return `${this.publicBaseUrl.replace(/\/$/, '')}/${assertKey(key)}`;
    return pathToFileURL(this.pathOf(key)).href;
  }

  private mapMissing(err: unknown, key: string): unknown {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') {
      return new AppError('NOT_FOUND', `no object at ${key}`);
    }
    return err;
  }
}
