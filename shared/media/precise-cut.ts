import { open } from 'node:fs/promises';
import path from 'node:path';
import { AppError, isAppError } from '../domain/app-error.ts';
import { runFfmpeg as runFfmpeg0 } from './run-ffmpeg.ts';
const runFfmpeg: typeof runFfmpeg0 = async (a, o) => { const t = performance.now(); try { return await runFfmpeg0(a, o); } finally { if (process.env.PC_DEBUG) console.error(`${o?.what}: ${((performance.now() - t) / 1000).toFixed(3)} s`); } }; // TEMP

export interface PreciseCutInput {
  /** Local MPEG-TS segment files of one contiguous recording run, in order. Each starts on a keyframe; timestamps are continuous across them (byte-joinable). */
  files: string[];
  /** Each segment's duration in seconds (from the HLS playlist), same order as files. */
  segmentDurations: number[];
  /** Exact window start and end, in seconds from the start of files[0] (0 <= startSec < endSec <= sum of durations). */
  startSec: number;
  endSec: number;
  /** Where to write the result: a faststart MP4 (video H.264 + the source audio re-encoded once as AAC, or no audio if the source has none). */
  out: string;
  /** A scratch folder that exists and that the caller deletes afterwards. */
  workDir: string;
  signal?: AbortSignal;
}

export interface PreciseCutResult {
  /** smart-cut: only the boundary GOPs were re-encoded; full-reencode: the fallback. */
  method: 'smart-cut' | 'full-reencode';
  /** Why the fallback was used (absent for smart-cut). */
  reason?: string;
  /** Seconds of video that were re-encoded. */
  reencodedSec: number;
}

/*
 * How it works
 * ------------
 * Everything is planned in MPEG-TS ticks (1/90000 s) read from the segments themselves, never from
 * float arithmetic on frame rates:
 *
 * 1. probe   One ffmpeg run stream-copies the video of the segments that hold the window's edges
 *            (and files[0] when an edge lies in it) into `framecrc` (no decoding): every packet's
 *            pts/dts/duration/size/key flag, plus, from stderr, each file's codecs and `start:`.
 *            (ffprobe is never used: the npm ffprobe segfaults on MPEG-TS.) The first SPS/PPS of a
 *            source segment is read from the TS bytes in Node.
 * 2. plan    A time t (seconds from files[0]'s start, the playlist's convention) is mapped to ticks
 *            from the segment holding it: files[i]'s first video pts + (t - start of segment i),
 *            or, for segment 0, files[0]'s `start:` (its earliest packet, which is what the segment
 *            muxer's playlist times are counted from) + t. The clip holds the frames whose pts lie
 *            in [t(start) - half a frame, t(end) - half a frame): first frame = the frame nearest
 *            startSec, last frame = the one before the frame nearest endSec, so the duration is
 *            within one frame of endSec - startSec.
 * 3. encode  In parallel: the head piece (exact first frame .. end of its segment), the tail piece
 *            (start of its segment .. exact last frame), or a single piece when the window lies in
 *            one segment, each as MPEG-TS with the source's pts unchanged (-copyts, pts shifted onto
 *            the encoder's 1/fps grid and shifted back with -output_ts_offset, -mpegts_copyts 1) and
 *            the source's video PID; and the window's audio, once, from the byte-joined segments,
 *            trimmed to the exact video span, as AAC in an .m4a (the mov muxer records the encoder
 *            priming in an edit list, so it survives the final remux).
 * 4. check   Each piece's SPS and PPS must be byte-identical to the source's (MEDIA-NOTES trap list:
 *            an MP4 carries one avcC; a GOP coded with other parameter sets breaks strict players).
 * 5. join    concat:head.ts|seg…|tail.ts (bytes, continuous timestamps) + audio.m4a → MP4 by stream
 *            copy, -movflags +faststart, video shifted so its first frame is at 0.
 * 6. verify  Packet metadata of the whole MP4 (frame count, pts gaps, durations) plus a decode of
 *            only the re-encoded pieces and the first frames after the head joint (see verify()).
 * Any failure of 1–6 other than an abort falls back to a full re-encode of the window.
 */

const TICKS = 90_000;
const AUDIO_BITRATE = '128k';
/** How much of a segment's start is read to find its first SPS/PPS. */
const HEAD_BYTES = 128 * 1024;

interface Packet {
  pts: number;
  dts: number;
  dur: number;
  size: number;
  key: boolean;
}

interface FileProbe {
  file: string;
  /** Earliest timestamp over all streams (ffmpeg's `start:`), in ticks. */
  startTicks: number;
  videoCodec?: string;
  audioCodec?: string;
  sampleRate?: number;
  /** Video packets sorted by pts. */
  packets: Packet[];
}

interface Piece {
  kind: 'head' | 'tail' | 'single';
  seg: number;
  /** First kept pts (inclusive), when the piece starts inside its segment. */
  fromPts?: number;
  /** End pts (exclusive), when the piece ends inside its segment. */
  toPts?: number;
  frames: number;
  firstPts: number;
  out: string;
}

interface Plan {
  /** First and one-past-last video pts of the clip, in ticks. */
  firstPts: number;
  endPts: number;
  frameTicks: number;
  expectedFrames: number;
  pieces: Piece[];
  /** Video TS parts in order: piece outputs and source segments copied whole. */
  parts: string[];
  /** Source segments whose video the clip uses, inclusive. */
  segFrom: number;
  segTo: number;
  hasAudio: boolean;
  sampleRate: number;
  videoCodec: string;
  /** A probed source segment (its bytes give the SPS/PPS and video PID). */
  refSegment: number;
  refPackets: Packet[];
  refDurationSec: number;
}

const sec = (ticks: number): string => (ticks / TICKS).toFixed(6);

function fail(message: string): never {
  throw new AppError('FFMPEG_FAILED', message);
}

/** An abort must never turn into a fallback. */
function isAbort(err: unknown, signal?: AbortSignal): boolean {
  return (isAppError(err) && err.code === 'ABORTED') || signal?.aborted === true;
}

// ---------------------------------------------------------------------------------------------
// 1. probe

function parseFramecrc(stdout: string): Map<number, { tb: [number, number]; packets: Packet[] }> {
  const streams = new Map<number, { tb: [number, number]; packets: Packet[] }>();
  const get = (i: number) => {
    let s = streams.get(i);
    if (!s) streams.set(i, (s = { tb: [1, TICKS], packets: [] }));
    return s;
  };
  for (const line of stdout.split('\n')) {
    const tb = /^#tb (\d+): (\d+)\/(\d+)/.exec(line);
    if (tb) { get(Number(tb[1])).tb = [Number(tb[2]), Number(tb[3])]; continue; }
    if (!line || line.startsWith('#')) continue;
    const f = line.split(',').map((x) => x.trim());
    if (f.length < 6) continue;
    const flags = /F=0x([0-9a-fA-F]+)/.exec(line);
    get(Number(f[0])).packets.push({
      dts: Number(f[1]), pts: Number(f[2]), dur: Number(f[3]), size: Number(f[4]),
      // framecrc prints F= only when the flags are not exactly "keyframe".
      key: flags ? (parseInt(flags[1]!, 16) & 1) === 1 : true,
    });
  }
  return streams;
}

async function probeFiles(files: string[], signal?: AbortSignal): Promise<FileProbe[]> {
  const args = ['-hide_banner', '-nostats', '-copyts'];
  for (const f of files) args.push('-i', f);
  files.forEach((_, i) => args.push('-map', `${i}:v:0`));
  args.push('-c', 'copy', '-f', 'framecrc', '-');
  const { stdout, stderr } = await runFfmpeg(args, { signal, what: 'precise cut: probe segments' });
  const crc = parseFramecrc(stdout);
  // stderr: one "Input #k" block per file.
  const blocks = stderr.split(/^Input #/m).slice(1);
  return files.map((file, i) => {
    const block = blocks.find((b) => b.startsWith(`${i},`)) ?? '';
    const start = /start: (-?[\d.]+)/.exec(block);
    const video = new RegExp(`Stream #${i}:\\d+\\S*: Video: (\\w+)`).exec(block);
    const audio = new RegExp(`Stream #${i}:\\d+\\S*: Audio: (\\w+)[^\\n]*?(\\d+) Hz`).exec(block);
    const s = crc.get(i);
    if (s && (s.tb[0] !== 1 || s.tb[1] !== TICKS)) fail(`unexpected video time base ${s.tb.join('/')} in ${path.basename(file)}`);
    const packets = (s?.packets ?? []).slice().sort((a, b) => a.pts - b.pts);
    if (!start || packets.length === 0) fail(`no video found in ${path.basename(file)}`);
    return {
      file,
      startTicks: Math.round(Number(start[1]) * TICKS),
      videoCodec: video?.[1],
      audioCodec: audio?.[1],
      sampleRate: audio ? Number(audio[2]) : undefined,
      packets,
    };
  });
}

/** Median pts step: the frame duration in ticks. */
function frameTicksOf(packets: Packet[]): number {
  const d: number[] = [];
  for (let i = 1; i < packets.length; i++) d.push(packets[i]!.pts - packets[i - 1]!.pts);
  if (d.length === 0) return packets[0]?.dur || 3000;
  d.sort((a, b) => a - b);
  return d[Math.floor(d.length / 2)]!;
}

// ---------------------------------------------------------------------------------------------
// H.264 parameter sets straight from the TS bytes

interface ParamSets {
  pid: number;
  sps: Buffer;
  pps: Buffer;
}

/** The first video PES's SPS and PPS (NAL bytes, emulation prevention kept) and the video PID. */
async function readParamSets(file: string): Promise<ParamSets | undefined> {
  const fh = await open(file, 'r');
  let buf: Buffer;
  try {
    const b = Buffer.alloc(HEAD_BYTES);
    const { bytesRead } = await fh.read(b, 0, HEAD_BYTES, 0);
    buf = b.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
  let pid = -1;
  const es: Buffer[] = [];
  for (let off = 0; off + 188 <= buf.length; off += 188) {
    if (buf[off] !== 0x47) return undefined;
    const p = ((buf[off + 1]! & 0x1f) << 8) | buf[off + 2]!;
    const pusi = (buf[off + 1]! & 0x40) !== 0;
    const afc = (buf[off + 3]! >> 4) & 3;
    if (!(afc & 1)) continue;
    let pay = off + 4 + (afc & 2 ? 1 + buf[off + 4]! : 0);
    if (pay >= off + 188) continue;
    if (pid < 0) {
      if (pusi && buf[pay] === 0 && buf[pay + 1] === 0 && buf[pay + 2] === 1 && (buf[pay + 3]! & 0xf0) === 0xe0) {
        pid = p;
        pay += 9 + buf[pay + 8]!;
        es.push(buf.subarray(pay, off + 188));
      }
      continue;
    }
    if (p !== pid) continue;
    if (pusi) break; // the next PES: the first access unit is complete
    es.push(buf.subarray(pay, off + 188));
  }
  if (pid < 0) return undefined;
  const data = Buffer.concat(es);
  let sps: Buffer | undefined;
  let pps: Buffer | undefined;
  const starts: number[] = [];
  for (let i = 0; i + 2 < data.length; i++) {
    if (data[i] === 0 && data[i + 1] === 0 && data[i + 2] === 1) { starts.push(i + 3); i += 2; }
  }
  for (let k = 0; k < starts.length; k++) {
    let end = k + 1 < starts.length ? starts[k + 1]! - 3 : data.length;
    while (end > starts[k]! && data[end - 1] === 0) end--; // zero bytes belong to the next start code
    const nal = data.subarray(starts[k]!, end);
    const type = nal[0]! & 0x1f;
    if (type === 7 && !sps) sps = nal;
    else if (type === 8 && !pps) pps = nal;
  }
  return sps && pps ? { pid, sps, pps } : undefined;
}

/** Exp-Golomb reader over RBSP (emulation prevention bytes removed). */
class Bits {
  private pos = 0;
  private readonly b: number[] = [];
  constructor(nal: Buffer) {
    for (let i = 1; i < nal.length; i++) {
      if (i >= 3 && nal[i] === 3 && nal[i - 1] === 0 && nal[i - 2] === 0) continue;
      this.b.push(nal[i]!);
    }
  }
  u(n: number): number {
    let v = 0;
    for (let i = 0; i < n; i++) {
      const byte = this.b[this.pos >> 3];
      if (byte === undefined) throw new Error('RBSP ended early');
      v = v * 2 + ((byte >> (7 - (this.pos & 7))) & 1);
      this.pos++;
    }
    return v;
  }
  ue(): number {
    let z = 0;
    while (this.u(1) === 0) z++;
    return 2 ** z - 1 + this.u(z);
  }
  se(): number {
    const k = this.ue();
    return k % 2 ? (k + 1) / 2 : -k / 2;
  }
}

/** pic_init_qp from a PPS: x264 writes its CRF (rounded) there, or 26 in bitrate modes. */
function picInitQp(pps: Buffer): number | undefined {
  try {
    const r = new Bits(pps);
    r.ue(); r.ue(); r.u(1); r.u(1);
    if (r.ue() !== 0) return undefined; // slice groups: not something x264 writes
    r.ue(); r.ue(); r.u(1); r.u(2);
    return 26 + r.se();
  } catch {
    return undefined;
  }
}

const X264_PROFILES: Record<number, string> = { 66: 'baseline', 77: 'main', 100: 'high' };

// ---------------------------------------------------------------------------------------------
// 2. plan

function planCut(input: PreciseCutInput, probes: Map<number, FileProbe>, a: number, b: number): Plan {
  const { files, segmentDurations: durs } = input;
  const cum = [0];
  for (const d of durs) cum.push(cum.at(-1)! + d);
  const pr = (i: number) => probes.get(i)!;
  const ft = frameTicksOf(pr(a).packets.length > 1 ? pr(a).packets : pr(b).packets);
  const abs = (t: number, i: number) =>
    (i === 0 ? pr(0).startTicks : pr(i).packets[0]!.pts) + Math.round((t - cum[i]!) * TICKS);
  const lastEnd = (i: number) => { const p = pr(i).packets.at(-1)!; return p.pts + (p.dur || ft); };

  // Start: the first frame at or after (start - half a frame).
  const tS = abs(input.startSec, a) - ft / 2;
  const aPk = pr(a).packets;
  const firstIdx = aPk.findIndex((p) => p.pts >= tS);
  let segFrom: number;
  let headFrom: number | undefined; // pts where a head piece starts inside segment a
  let firstPts: number;
  if (firstIdx < 0) { segFrom = a + 1; firstPts = lastEnd(a); }
  else if (firstIdx === 0) { segFrom = a; firstPts = aPk[0]!.pts; }
  else { segFrom = a; headFrom = aPk[firstIdx]!.pts; firstPts = headFrom; }

  // End: frames before (end - half a frame).
  const tE = abs(input.endSec, b) - ft / 2;
  const bPk = pr(b).packets;
  const kept = bPk.filter((p) => p.pts < tE).length;
  let segTo: number;
  let tailTo: number | undefined; // exclusive end pts of a tail piece inside segment b
  let endPts: number;
  if (kept === 0) { segTo = b - 1; endPts = bPk[0]!.pts; }
  else if (kept === bPk.length) { segTo = b; endPts = lastEnd(b); }
  else { segTo = b; const last = bPk[kept - 1]!; tailTo = last.pts + (last.dur || ft); endPts = tailTo; }

  if (segFrom > segTo || endPts <= firstPts) throw new AppError('WINDOW_EMPTY', `window ${input.startSec}–${input.endSec} s holds no frame`);

  const w = (name: string) => path.join(input.workDir, name);
  const pieces: Piece[] = [];
  const parts: string[] = [];
  const count = (pk: Packet[], from?: number, to?: number) =>
    pk.filter((p) => (from === undefined || p.pts >= from) && (to === undefined || p.pts < to)).length;
  if (segFrom === segTo && (headFrom !== undefined || tailTo !== undefined)) {
    // One segment holds the whole window: one re-encoded piece.
    const pk = pr(segFrom).packets;
    const fp = headFrom ?? pk[0]!.pts;
    pieces.push({ kind: 'single', seg: segFrom, fromPts: headFrom, toPts: tailTo, frames: count(pk, headFrom, tailTo), firstPts: fp, out: w('single.ts') });
    parts.push(w('single.ts'));
  } else {
    if (headFrom !== undefined) {
      pieces.push({ kind: 'head', seg: a, fromPts: headFrom, frames: count(aPk, headFrom), firstPts: headFrom, out: w('head.ts') });
      parts.push(w('head.ts'));
    }
    const copyFrom = headFrom !== undefined ? a + 1 : segFrom;
    const copyTo = tailTo !== undefined ? b - 1 : segTo;
    for (let i = copyFrom; i <= copyTo; i++) parts.push(files[i]!);
    if (tailTo !== undefined) {
      pieces.push({ kind: 'tail', seg: b, toPts: tailTo, frames: count(bPk, undefined, tailTo), firstPts: bPk[0]!.pts, out: w('tail.ts') });
      parts.push(w('tail.ts'));
    }
  }
  const withAudio = [...probes.values()].find((p) => p.audioCodec);
  const ref = pieces[0]?.seg ?? a;
  return {
    firstPts, endPts, frameTicks: ft,
    expectedFrames: Math.round((endPts - firstPts) / ft),
    pieces, parts, segFrom, segTo,
    hasAudio: !!withAudio,
    sampleRate: withAudio?.sampleRate ?? 48_000,
    videoCodec: pr(a).videoCodec ?? 'unknown',
    refSegment: ref,
    refPackets: pr(ref).packets,
    refDurationSec: durs[ref]!,
  };
}

// ---------------------------------------------------------------------------------------------
// 3. encode

/**
 * The window's audio, once, from the byte-joined segments (one extra segment each side: audio
 * near a segment's first keyframe may sit in the previous file), cut to exactly the video's span
 * and starting at 0: atrim on the absolute (-copyts) timestamps, aresample pads silence at the
 * start should the recording's audio begin after the window, apad pads the end likewise.
 */
function audioFilter(plan: Plan): string {
  const samples = Math.round(((plan.endPts - plan.firstPts) / TICKS) * plan.sampleRate);
  return `atrim=start=${sec(plan.firstPts)}:end=${sec(plan.endPts)},asetpts=PTS-${sec(plan.firstPts)}/TB,`
    + `aresample=async=1:first_pts=0,apad=whole_len=${samples}`;
}

function audioFiles(input: PreciseCutInput, plan: Plan): string[] {
  return input.files.slice(Math.max(0, plan.segFrom - 1), Math.min(input.files.length, plan.segTo + 2));
}

async function encodeAudio(input: PreciseCutInput, plan: Plan, out: string): Promise<void> {
  await runFfmpeg([
    '-hide_banner', '-loglevel', 'error', '-nostats', '-y', '-copyts',
    '-i', `concat:${audioFiles(input, plan).join('|')}`,
    '-map', '0:a:0', '-vn', '-sn', '-dn',
    '-af', audioFilter(plan),
    '-c:a', 'aac', '-b:a', AUDIO_BITRATE,
    '-f', 'mp4', out,
  ], { signal: input.signal, what: 'precise cut: audio' });
}

interface EncoderMatch {
  profile: string;
  level: number;
  rc: string[];
  pid: number;
}

/**
 * Encoder settings that reproduce the source's parameter sets for a source from an x264 like the
 * recorder's (veryfast, zerolatency): same profile and level; the rate control that writes the same
 * pic_init_qp into the PPS (CRF = that qp; in bitrate modes x264 writes 26, so ABR at the segment's
 * measured bitrate). The SPS/PPS check afterwards decides whether this matched.
 */
function encoderMatch(ps: ParamSets, plan: Plan): EncoderMatch | string {
  const profileIdc = ps.sps[1]!;
  const profile = X264_PROFILES[profileIdc];
  if (!profile) return `source H.264 profile_idc ${profileIdc} is not one x264 writes for 8-bit 4:2:0`;
  const qp = picInitQp(ps.pps);
  let rc: string[];
  if (qp === undefined) return 'source PPS could not be read';
  if (qp !== 26) rc = ['-crf', String(qp)];
  else {
    const bytes = plan.refPackets.reduce((s, p) => s + p.size, 0);
    const kbps = Math.max(100, Math.round((bytes * 8) / Math.max(0.1, plan.refDurationSec) / 1000));
    rc = ['-b:v', `${kbps}k`];
  }
  return { profile, level: ps.sps[3]!, rc, pid: ps.pid };
}

/**
 * One boundary piece as MPEG-TS with the source's timestamps. x264 gets the frames on its 1/fps
 * grid (the same encoder time base, hence the same VUI timing in the SPS, as the recorder's
 * encode; a 1/90000 time base changes the SPS): setpts moves them by `off` ticks onto the grid
 * and -output_ts_offset moves them back, so pts are exactly the source's.
 */
function pieceArgs(input: PreciseCutInput, plan: Plan, p: Piece, m: EncoderMatch): string[] {
  const off = ((p.firstPts % plan.frameTicks) + plan.frameTicks) % plan.frameTicks;
  const trim = [p.fromPts !== undefined ? `start_pts=${p.fromPts}` : '', p.toPts !== undefined ? `end_pts=${p.toPts}` : ''].filter(Boolean).join(':');
  return [
    '-hide_banner', '-loglevel', 'error', '-nostats', '-y', '-copyts', '-threads', '1',
    '-i', input.files[p.seg]!,
    '-map', '0:v:0', '-an', '-sn', '-dn',
    '-vf', `trim=${trim},setpts=PTS-${off}`,
    '-frames:v', String(p.frames),
    '-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency', '-profile:v', m.profile, ...m.rc,
    '-x264-params', `level=${m.level}`, '-threads', '1',
    '-vsync', 'passthrough',
    '-streamid', `0:${m.pid}`,
    '-output_ts_offset', sec(off), '-mpegts_copyts', '1',
    '-f', 'mpegts', p.out,
  ];
}

// ---------------------------------------------------------------------------------------------
// 5. join

async function joinParts(input: PreciseCutInput, plan: Plan, audio: string | undefined): Promise<void> {
  await runFfmpeg([
    '-hide_banner', '-loglevel', 'error', '-nostats', '-y', '-copyts',
    // With -copyts the clip's first frame keeps its source pts; move it to exactly 0.
    '-itsoffset', `-${sec(plan.firstPts)}`, '-i', `concat:${plan.parts.join('|')}`,
    ...(audio ? ['-i', audio] : []),
    '-map', '0:v:0', ...(audio ? ['-map', '1:a:0'] : []),
    '-c', 'copy', '-movflags', '+faststart', '-f', 'mp4', input.out,
  ], { signal: input.signal, what: 'precise cut: join' });
}

// ---------------------------------------------------------------------------------------------
// 6. verify

/**
 * Cheap but sufficient. The copied middle is the source's own GOPs byte for byte; each starts
 * with an IDR carrying in-band SPS/PPS byte-identical to ours (checked before the join), and the
 * source is closed-GOP without B-frames (checked in the probe), so nothing in a copied GOP refers
 * across a joint and decoding it cannot newly fail. What can break is (a) timestamps/frame count
 * anywhere, checked for the whole file from packet metadata (stream copy to framecrc, no decode),
 * and (b) decoding at the joints, checked by decoding only the re-encoded pieces and the first
 * frames after the head joint. For a 30 s 720p clip that decodes ~2 GOPs instead of 15.
 */
async function verify(input: PreciseCutInput, plan: Plan): Promise<string | undefined> {
  const ft = plan.frameTicks;
  const head = plan.pieces.find((p) => p.kind !== 'tail');
  const tail = plan.pieces.find((p) => p.kind === 'tail');
  const args = ['-hide_banner', '-v', 'error', '-nostats', '-i', input.out];
  const outs = ['-map', '0:v:0', ...(plan.hasAudio ? ['-map', '0:a:0'] : []), '-c', 'copy', '-f', 'framecrc', '-'];
  let k = 1;
  if (head) {
    // The head piece and two frames past its joint (or the whole single piece).
    const dur = head.frames * ft + (head.kind === 'head' ? 2 * ft : 0);
    args.push('-t', sec(dur), '-i', input.out);
    outs.push('-map', `${k++}:v:0`, '-f', 'null', '-');
  }
  if (tail) {
    // Seek lands on the tail piece's IDR (half a frame in, so rounding cannot pick the GOP before).
    args.push('-ss', sec(tail.firstPts - plan.firstPts + ft / 2), '-i', input.out);
    outs.push('-map', `${k++}:v:0`, '-f', 'null', '-');
  }
  const { stdout, stderr } = await runFfmpeg([...args, ...outs], { signal: input.signal, what: 'precise cut: verify' });
  if (stderr.trim()) return `decoding the joints reported: ${stderr.trim().split('\n').slice(0, 3).join(' | ')}`;
  const crc = parseFramecrc(stdout);
  const v = crc.get(0);
  if (!v) return 'no video in the result';
  const scale = (x: number) => (x * v.tb[0] * TICKS) / v.tb[1];
  const pk = v.packets.slice().sort((x, y) => x.pts - y.pts);
  if (pk.length !== plan.expectedFrames) return `${pk.length} frames, planned ${plan.expectedFrames}`;
  for (let i = 1; i < pk.length; i++) {
    const gap = scale(pk[i]!.pts - pk[i - 1]!.pts);
    if (gap > 1.5 * ft || gap <= 0) return `pts step of ${gap} ticks at frame ${i}`;
  }
  const span = scale(pk.at(-1)!.pts + (pk.at(-1)!.dur || 0) - pk[0]!.pts);
  if (Math.abs(span - (plan.endPts - plan.firstPts)) > ft) return `video lasts ${span / TICKS} s, planned ${(plan.endPts - plan.firstPts) / TICKS} s`;
  if (Math.abs(scale(pk[0]!.pts)) > ft / 2) return `video starts at ${scale(pk[0]!.pts) / TICKS} s`;
  if (plan.hasAudio) {
    const a = crc.get(1);
    if (!a || a.packets.length === 0) return 'no audio in the result';
    const end = a.packets.reduce((m, p) => Math.max(m, p.pts + p.dur), 0);
    const audioSec = (end * a.tb[0]) / a.tb[1];
    if (Math.abs(audioSec - span / TICKS) > 2048 / plan.sampleRate) return `audio lasts ${audioSec} s, video ${span / TICKS} s`;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// fallback

async function fullReencode(input: PreciseCutInput, plan: Plan): Promise<void> {
  const video = input.files.slice(plan.segFrom, plan.segTo + 1);
  const graph = [`[0:v:0]trim=start_pts=${plan.firstPts}:end_pts=${plan.endPts},setpts=PTS-${plan.firstPts}[v]`];
  if (plan.hasAudio) graph.push(`[1:a:0]${audioFilter(plan)}[a]`);
  await runFfmpeg([
    '-hide_banner', '-loglevel', 'error', '-nostats', '-y', '-copyts',
    '-i', `concat:${video.join('|')}`,
    ...(plan.hasAudio ? ['-i', `concat:${audioFiles(input, plan).join('|')}`] : []),
    '-filter_complex', graph.join(';'),
    '-map', '[v]', ...(plan.hasAudio ? ['-map', '[a]'] : []),
    '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '23', '-pix_fmt', 'yuv420p', '-vsync', 'passthrough',
    ...(plan.hasAudio ? ['-c:a', 'aac', '-b:a', AUDIO_BITRATE] : []),
    '-movflags', '+faststart', '-f', 'mp4', input.out,
  ], { signal: input.signal, what: 'precise cut: full re-encode' });
}

// ---------------------------------------------------------------------------------------------

function segmentIndex(cum: number[], t: number, preferEarlier: boolean): number {
  const n = cum.length - 1;
  for (let i = 0; i < n; i++) {
    if (preferEarlier ? t <= cum[i + 1]! : t < cum[i + 1]!) return i;
  }
  return n - 1;
}

async function smartCut(input: PreciseCutInput, plan: Plan): Promise<PreciseCutResult | string> {
  if (plan.videoCodec !== 'h264') return `source video is ${plan.videoCodec}, not h264`;
  for (const p of plan.refPackets) if (p.dts !== p.pts) return 'source has B-frames (reordered frames)';
  if (!plan.refPackets[0]?.key) return 'source segment does not start on a keyframe';
  const audioOut = path.join(input.workDir, 'audio.m4a');
  const audio = plan.hasAudio ? encodeAudio(input, plan, audioOut) : Promise.resolve();
  audio.catch(() => undefined); // awaited below; never an unhandled rejection meanwhile
  const video = (async (): Promise<string | undefined> => {
    if (plan.pieces.length === 0) return undefined;
    const src = await readParamSets(input.files[plan.refSegment]!);
    if (!src) return 'no SPS/PPS found at the start of the source segment';
    const m = encoderMatch(src, plan);
    if (typeof m === 'string') return m;
    await Promise.all(plan.pieces.map((p) => runFfmpeg(pieceArgs(input, plan, p, m), { signal: input.signal, what: `precise cut: ${p.kind} piece` })));
    for (const p of plan.pieces) {
      const ps = await readParamSets(p.out);
      if (!ps) return `no SPS/PPS in the re-encoded ${p.kind} piece`;
      if (!ps.sps.equals(src.sps)) return `re-encoded ${p.kind} piece's SPS differs from the source's (${ps.sps.toString('hex')} vs ${src.sps.toString('hex')})`;
      if (!ps.pps.equals(src.pps)) return `re-encoded ${p.kind} piece's PPS differs from the source's (${ps.pps.toString('hex')} vs ${src.pps.toString('hex')})`;
    }
    return undefined;
  })();
  const [vr, ar] = await Promise.allSettled([video, audio]);
  if (vr.status === 'rejected') throw vr.reason;
  if (ar.status === 'rejected') throw ar.reason;
  if (vr.value) return vr.value;
  await joinParts(input, plan, plan.hasAudio ? audioOut : undefined);
  const bad = await verify(input, plan);
  if (bad) return `verification failed: ${bad}`;
  const reencoded = plan.pieces.reduce((s, p) => s + p.frames, 0) * plan.frameTicks;
  return { method: 'smart-cut', reencodedSec: Number((reencoded / TICKS).toFixed(6)) };
}

/**
 * Frame-accurate cut of [startSec, endSec) from contiguous TS segments into a faststart MP4:
 * re-encode only the boundary GOPs, stream-copy the rest, encode the audio once; verify, and fall
 * back to a full re-encode of the window when the source cannot be smart-cut or a check fails.
 */
export async function preciseCut(input: PreciseCutInput): Promise<PreciseCutResult> {
  const { files, segmentDurations: durs, startSec, endSec } = input;
  if (files.length === 0 || files.length !== durs.length) throw new AppError('BAD_REQUEST', 'files and segmentDurations must be non-empty and of equal length');
  const cum = [0];
  for (const d of durs) {
    if (!(d > 0)) throw new AppError('BAD_REQUEST', `segment duration ${d} is not positive`);
    cum.push(cum.at(-1)! + d);
  }
  const total = cum.at(-1)!;
  if (!(startSec >= 0 && startSec < endSec && endSec <= total + 1e-6)) {
    throw new AppError('BAD_REQUEST', `window ${startSec}–${endSec} s is not inside the segments (0–${total} s)`);
  }
  const a = segmentIndex(cum, startSec, false);
  const b = segmentIndex(cum, endSec, true);
  const need = [...new Set([...(a === 0 || b === 0 ? [0] : []), a, b])];
  const probed = await probeFiles(need.map((i) => files[i]!), input.signal);
  const probes = new Map(need.map((i, k) => [i, probed[k]!]));
  const plan = planCut(input, probes, a, b);

  let reason: string;
  try {
    const r = await smartCut(input, plan);
    if (typeof r !== 'string') return r;
    reason = r;
  } catch (err) {
    if (isAbort(err, input.signal)) throw err;
    reason = `smart cut failed: ${err instanceof Error ? err.message : String(err)}`;
  }
  await fullReencode(input, plan);
  return { method: 'full-reencode', reason, reencodedSec: Number(((plan.endPts - plan.firstPts) / TICKS).toFixed(6)) };
}
