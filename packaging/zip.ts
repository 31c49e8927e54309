import { open, readFile, stat } from 'node:fs/promises';
import { promisify } from 'node:util';
import zlib from 'node:zlib';

/**
 * A minimal zip writer/reader on node:zlib (deflate + local headers + central directory + CRC32),
 * no dependency. Unix modes go into the external attributes (version made by = Unix), so
 * `unzip` and SCF's layer unpacker restore 0755 on executables. No zip64: every entry and the
 * archive must stay under 4 GiB (SCF caps code at 500 MB anyway).
 */

export interface ZipInput {
  /** Path inside the archive, forward slashes, no leading slash. */
  name: string;
  /** Contents: a buffer, or a file to read. */
  data?: Buffer;
  file?: string;
  /** Unix permission bits; default 0o644. */
  mode?: number;
}

export interface ZipEntryInfo {
  name: string;
  /** Uncompressed bytes. */
  size: number;
  compressedSize: number;
  method: number;
  crc32: number;
  /** Full unix mode (type + permissions) from the external attributes. */
  mode: number;
  isDirectory: boolean;
}

export interface ZipSummary {
  file: string;
  zipBytes: number;
  /** Sum of the entries' uncompressed sizes: what the archive takes once unpacked. */
  unpackedBytes: number;
  entries: ZipEntryInfo[];
}

const deflateRaw = promisify(zlib.deflateRaw);

const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const MAX32 = 0xffffffff;
/** Fixed timestamp (2025-01-01 00:00) so the same inputs give byte-identical zips. */
const DOS_TIME = 0;
const DOS_DATE = ((2025 - 1980) << 9) | (1 << 5) | 1;

let table: Uint32Array | undefined;
/** CRC-32 (IEEE); zlib.crc32 where the Node version has it (20.15+), else a table. */
export function crc32(buf: Buffer): number {
  const native = (zlib as { crc32?: (b: Buffer) => number }).crc32;
  if (native) return native(buf) >>> 0;
  if (!table) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = 0; i < buf.length; i++) c = table[(c ^ buf[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

interface Prepared {
  name: Buffer;
  info: ZipEntryInfo;
  body: Buffer;
}

async function prepare(input: ZipInput, level: number): Promise<Prepared> {
  if (!input.name || input.name.startsWith('/') || input.name.includes('\\') || input.name.split('/').includes('..')) {
    throw new Error(`zip: bad entry name ${JSON.stringify(input.name)}`);
  }
  const isDirectory = input.name.endsWith('/');
  const raw = isDirectory ? Buffer.alloc(0) : input.data ?? (input.file ? await readFile(input.file) : undefined);
  if (!raw) throw new Error(`zip: entry ${input.name} has neither data nor file`);
  if (raw.length > MAX32) throw new Error(`zip: ${input.name} is over 4 GiB (no zip64 support)`);
  let method = 0;
  let body = raw;
  if (raw.length > 0) {
    const deflated = await deflateRaw(raw, { level });
    if (deflated.length < raw.length) { method = 8; body = deflated; }
  }
  const mode = (isDirectory ? S_IFDIR : S_IFREG) | ((input.mode ?? (isDirectory ? 0o755 : 0o644)) & 0o7777);
  return {
    name: Buffer.from(input.name, 'utf8'),
    body,
    info: { name: input.name, size: raw.length, compressedSize: body.length, method, crc32: crc32(raw), mode, isDirectory },
  };
}

/** Directory entries for every parent folder, so unpackers create them with mode 0755. */
function withParents(inputs: ZipInput[]): ZipInput[] {
  const names = new Set(inputs.map((i) => i.name));
  const dirs: ZipInput[] = [];
  for (const i of inputs) {
    const parts = i.name.split('/').slice(0, -1);
    for (let n = 1; n <= parts.length; n++) {
      const d = `${parts.slice(0, n).join('/')}/`;
      if (!names.has(d)) { names.add(d); dirs.push({ name: d, mode: 0o755 }); }
    }
  }
  return [...dirs, ...inputs];
}

/** Write `inputs` to `outFile` (deflate, level 6 by default; entries compress in parallel on the libuv pool). */
export async function writeZip(outFile: string, inputs: ZipInput[], opts: { level?: number } = {}): Promise<ZipSummary> {
  const all = withParents(inputs);
  if (all.length > 0xffff) throw new Error('zip: more than 65535 entries (no zip64 support)');
  const prepared = await Promise.all(all.map((i) => prepare(i, opts.level ?? 6)));
  const fh = await open(outFile, 'w');
  try {
    let offset = 0;
    const central: Buffer[] = [];
    for (const p of prepared) {
      const { info } = p;
      const local = Buffer.alloc(30);
      local.writeUInt32LE(0x04034b50, 0);
      local.writeUInt16LE(20, 4); // version needed: 2.0 (deflate)
      local.writeUInt16LE(0x0800, 6); // UTF-8 names
      local.writeUInt16LE(info.method, 8);
      local.writeUInt16LE(DOS_TIME, 10);
      local.writeUInt16LE(DOS_DATE, 12);
      local.writeUInt32LE(info.crc32, 14);
      local.writeUInt32LE(info.compressedSize, 18);
      local.writeUInt32LE(info.size, 22);
      local.writeUInt16LE(p.name.length, 26);
      local.writeUInt16LE(0, 28);
      const cd = Buffer.alloc(46);
      cd.writeUInt32LE(0x02014b50, 0);
      cd.writeUInt16LE((3 << 8) | 20, 4); // made by: Unix, 2.0 → external attrs hold the unix mode
      cd.writeUInt16LE(20, 6);
      cd.writeUInt16LE(0x0800, 8);
      cd.writeUInt16LE(info.method, 10);
      cd.writeUInt16LE(DOS_TIME, 12);
      cd.writeUInt16LE(DOS_DATE, 14);
      cd.writeUInt32LE(info.crc32, 16);
      cd.writeUInt32LE(info.compressedSize, 20);
      cd.writeUInt32LE(info.size, 24);
      cd.writeUInt16LE(p.name.length, 28);
      // extra, comment, disk number, internal attributes: 0
      cd.writeUInt32LE(((info.mode << 16) | (info.isDirectory ? 0x10 : 0)) >>> 0, 38);
      cd.writeUInt32LE(offset, 42);
      central.push(cd, p.name);
      await fh.write(Buffer.concat([local, p.name]));
      await fh.write(p.body);
      offset += 30 + p.name.length + p.body.length;
      if (offset > MAX32) throw new Error('zip: archive is over 4 GiB (no zip64 support)');
    }
    const cdBuf = Buffer.concat(central);
    const eocd = Buffer.alloc(22);
    eocd.writeUInt32LE(0x06054b50, 0);
    eocd.writeUInt16LE(prepared.length, 8);
    eocd.writeUInt16LE(prepared.length, 10);
    eocd.writeUInt32LE(cdBuf.length, 12);
    eocd.writeUInt32LE(offset, 16);
    await fh.write(Buffer.concat([cdBuf, eocd]));
  } finally {
    await fh.close();
  }
  const entries = prepared.map((p) => p.info);
  return { file: outFile, zipBytes: (await stat(outFile)).size, unpackedBytes: entries.reduce((s, e) => s + e.size, 0), entries };
}

/** Read an archive's central directory (enough to check names, sizes and modes). */
export async function readZip(file: string): Promise<ZipSummary> {
  const buf = await readFile(file);
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) { eocd = i; break; }
  }
  if (eocd < 0) throw new Error(`${file}: not a zip (no end of central directory)`);
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const entries: ZipEntryInfo[] = [];
  for (let n = 0; n < count; n++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) throw new Error(`${file}: bad central directory entry ${n}`);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const name = buf.subarray(p + 46, p + 46 + nameLen).toString('utf8');
    const mode = buf.readUInt32LE(p + 38) >>> 16;
    entries.push({
      name,
      method: buf.readUInt16LE(p + 10),
      crc32: buf.readUInt32LE(p + 16),
      compressedSize: buf.readUInt32LE(p + 20),
      size: buf.readUInt32LE(p + 24),
      mode,
      isDirectory: name.endsWith('/'),
    });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return { file, zipBytes: buf.length, unpackedBytes: entries.reduce((s, e) => s + e.size, 0), entries };
}
