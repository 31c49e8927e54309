import type { Readable } from 'node:stream';
import type { Body, ListOptions, ListResult, ObjectInfo, ObjectStore, PutOptions } from './object-store.ts';

/** The shareable outputs of a clip: clips/<id>/<id>.mp4 and clips/<id>/poster.jpg (not its parts or job). */
export const isClipOutputKey = (key: string) => /^clips\/[^/]+\/(?:[^/]+\.mp4|poster\.jpg)$/.test(key);

/**
 * One ObjectStore over two: outputs (the finished MP4s and posters) go to their own destination, a
 * user's own bucket or region, with its own keys; everything else (recordings, jobs, parts) stays in
 * the main store. Lists merge both where outputs can live under the prefix.
 */
export class RoutedStore implements ObjectStore {
  readonly kind: string;

  constructor(
    private readonly main: ObjectStore,
    private readonly outputs: ObjectStore,
    private readonly isOutput: (key: string) => boolean = isClipOutputKey,
  ) {
    this.kind = `${main.kind}+${outputs.kind} outputs`;
  }

  private pick(key: string): ObjectStore {
    return this.isOutput(key) ? this.outputs : this.main;
  }

  put(key: string, body: Body, opts?: PutOptions): Promise<void> { return this.pick(key).put(key, body, opts); }
  putFile(key: string, file: string, opts?: PutOptions): Promise<void> { return this.pick(key).putFile(key, file, opts); }
  putStream(key: string, body: Readable, opts?: PutOptions): Promise<{ bytes: number }> { return this.pick(key).putStream(key, body, opts); }
  putIfAbsent(key: string, body: Body, opts?: PutOptions): Promise<boolean> { return this.pick(key).putIfAbsent(key, body, opts); }
  get(key: string): Promise<Buffer> { return this.pick(key).get(key); }
  stream(key: string): Promise<Readable> { return this.pick(key).stream(key); }
  head(key: string): Promise<ObjectInfo | null> { return this.pick(key).head(key); }
  delete(key: string): Promise<void> { return this.pick(key).delete(key); }
  url(key: string, opts?: { expiresSec?: number }): Promise<string> { return this.pick(key).url(key, opts); }
  localPath(key: string): string | undefined { return this.pick(key).localPath?.(key); }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    if (!prefix.startsWith('clips/') && !'clips/'.startsWith(prefix)) return this.main.list(prefix, opts);
    const [a, b] = await Promise.all([this.main.list(prefix, opts), this.outputs.list(prefix, opts)]);
    const limit = opts.limit ?? 1000;
    const objects = new Map<string, ObjectInfo>();
    for (const o of [...a.objects, ...b.objects]) objects.set(o.key, o);
    const prefixes = [...new Set([...a.prefixes, ...b.prefixes])];
    // One ordered page over both: entries (objects and folders) in key order, cut at the limit.
    const entries = [...[...objects.keys()].map((k) => ({ k, o: objects.get(k) })), ...prefixes.map((k) => ({ k, o: undefined }))].sort((x, y) => (x.k < y.k ? -1 : x.k > y.k ? 1 : 0));
    const page = entries.slice(0, limit);
    const more = entries.length > limit || Boolean(a.nextStartAfter) || Boolean(b.nextStartAfter);
    return {
      objects: page.flatMap((e) => (e.o ? [e.o] : [])),
      prefixes: page.flatMap((e) => (e.o ? [] : [e.k])),
      nextStartAfter: more && page.length ? page[page.length - 1]!.k : undefined,
    };
  }
}
