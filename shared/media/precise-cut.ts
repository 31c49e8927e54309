import { open } from 'node:fs/promises';
import path from 'node:path';
import { AppError, isAppError } from '../domain/app-error.ts';
import { runFfmpeg } from './run-ffmpeg.ts';

export interface PreciseCutInput {
  /** Local MPEG-TS segment files of one contiguous recording run, in order. Each starts on a keyframe; timestamps are continuous across them (byte-joinable). */
  files: string[];
  /** Each segment's duration in seconds (from the HLS playlist), same order as files. */
  segmentDurations: number[];
  /** Exact window start and end, in seconds from the start of files[0] (0 <= startSec < endSec <= sum of durations). */
  startSec: number;
  endSec: number;
  /** Where to write the result: a faststart MP4 (video H.264 + the source audio once: copied when AAC, else encoded to AAC; or no audio if the source has none). */
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
 * 4. check   As each piece is done (the audio still encoding): its SPS and PPS must be byte-identical
 *            to the source's (MEDIA-NOTES trap list: an MP4 carries one avcC, and a GOP coded with
 *            other parameter sets breaks strict players), and it must decode cleanly across its
 *            joint (see "6. verify").
 * 5. join    concat:head.ts|seg…|tail.ts (bytes, continuous timestamps) + audio.m4a → MP4 by stream
 *            copy, -movflags +faststart, video shifted so its first frame is at 0.
 * 6. verify  The MP4's sample tables (frame count, frame durations, edit lists, audio length) and a
 *            decode of its first frames.
 * The source must be H.264 without B-frames, its segments starting on IDRs; when it is not, or any
 * step fails (other than an abort), the window is re-encoded whole instead.
 */

const TICKS = 90_000;
const AUDIO_BITRATE = '128k';
/** How much of a segment's start is read to find its first SPS/PPS (they open the first PES). */
const HEAD_BYTES = 32 * 1024;

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
  /** The source audio is AAC: it is stream-copied (cut to the AAC frame) instead of re-encoded. */
  copyAudio: boolean;
  sampleRate: number;
  videoCodec: string;
  /** Video packets of the probed source segments (B-frame check). */
  sourcePackets: Packet[];
  /** Video bitrate of the first piece's source segment, kbit/s (rate for bitrate-mode sources). */
  sourceKbps: number;
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
    const audio = new RegExp(`Stream #${i}:\\d+\\S*: Audio: (\\w+)([^\\n]*)`).exec(block);
    const rate = audio ? /(\d+) Hz/.exec(audio[2]!) : null;
    const s = crc.get(i);
    if (s && (s.tb[0] !== 1 || s.tb[1] !== TICKS)) fail(`unexpected video time base ${s.tb.join('/')} in ${path.basename(file)}`);
    const packets = (s?.packets ?? []).slice().sort((a, b) => a.pts - b.pts);
    if (!start || packets.length === 0) fail(`no video found in ${path.basename(file)}`);
    return {
      file,
      startTicks: Math.round(Number(start[1]) * TICKS),
      videoCodec: video?.[1],
      audioCodec: audio?.[1],
      sampleRate: rate ? Number(rate[1]) : undefined,
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
  /** The first access unit holds an IDR slice. */
  idr: boolean;
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
  let idr = false;
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
    else if (type === 5) idr = true;
  }
  return sps && pps ? { pid, sps, pps, idr } : undefined;
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
  const refBytes = pr(ref).packets.reduce((sum, p) => sum + p.size, 0);
  return {
    firstPts, endPts, frameTicks: ft,
    expectedFrames: Math.round((endPts - firstPts) / ft),
    pieces, parts, segFrom, segTo,
    hasAudio: !!withAudio,
    copyAudio: withAudio?.audioCodec === 'aac',
    sampleRate: withAudio?.sampleRate ?? 48_000,
    videoCodec: pr(a).videoCodec ?? 'unknown',
    sourcePackets: [...probes.values()].flatMap((p) => p.packets),
    sourceKbps: Math.max(100, Math.round((refBytes * 8) / Math.max(0.1, durs[ref]!) / 1000)),
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
  if (plan.copyAudio) {
    // AAC source: copy the packets of the span (each AAC frame is independent; the cut lands on the
    // 21 ms frame grid) and start them at 0 — no encode, so the cores go to the boundary pieces.
    await runFfmpeg([
      '-hide_banner', '-loglevel', 'error', '-nostats', '-y', '-copyts',
      '-i', `concat:${audioFiles(input, plan).join('|')}`,
      '-map', '0:a:0', '-vn', '-sn', '-dn', '-ss', sec(plan.firstPts), '-to', sec(plan.endPts),
      '-c:a', 'copy', '-avoid_negative_ts', 'make_zero',
      '-f', 'mp4', out,
    ], { signal: input.signal, what: 'precise cut: audio (copy)' });
    return;
  }
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
  else rc = ['-b:v', `${plan.sourceKbps}k`];
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

/*
 * Cheap but sufficient. The copied middle is the source's own GOPs byte for byte; each segment
 * starts with an IDR carrying in-band SPS/PPS byte-identical to the pieces' (both checked from the
 * TS bytes), and the source has no B-frames (checked), so nothing in a copied GOP refers across a
 * joint and decoding it cannot newly fail. What can break is
 *  (a) decoding at a joint: checked by decoding each re-encoded piece, the head piece together with
 *      the first frames of the source segment after it, while the audio is still encoding;
 *  (b) timestamps and frame count anywhere, and the remux: checked on the MP4's own sample tables
 *      (read from its moov in Node: frame count, every frame duration, edit lists, audio length)
 *      plus a decode of its first frames (its avcC).
 * For a 30 s 720p30 clip of 2 s segments that decodes at most 2 GOPs instead of 15: measured here
 * (2018 static ffmpeg, 2 cores) a whole-file decode costs ~1.5 s wall / 2.2 s CPU, more than the
 * whole smart cut; (a) costs ~0.15–0.25 s per piece, overlapped with the audio encode, and (b)
 * ~0.05 s.
 */

/** (a): decode one piece (and, for the head, 2 frames past its joint into the next source segment). */
async function checkPieceDecodes(input: PreciseCutInput, plan: Plan, p: Piece): Promise<string | undefined> {
  const next = plan.parts[plan.parts.indexOf(p.out) + 1];
  const joined = p.kind === 'head' && next !== undefined && next === input.files[p.seg + 1];
  const src = joined ? `concat:${p.out}|${next}` : p.out;
  const { stderr } = await runFfmpeg([
    '-hide_banner', '-v', 'error', '-nostats', '-threads', '1', '-i', src,
    '-map', '0:v:0', '-frames:v', String(p.frames + (joined ? 2 : 0)), '-f', 'null', '-',
  ], { signal: input.signal, what: `precise cut: decode ${p.kind} piece` });
  return stderr.trim() ? `decoding the ${p.kind} piece reported: ${stderr.trim().split('\n').slice(0, 3).join(' | ')}` : undefined;
}

interface Mp4Track {
  handler: string;
  timescale: number;
  /** stts as [count, delta] runs. */
  deltas: Array<[number, number]>;
  samples: number;
  /** 1-based numbers of sync samples; undefined when every sample is one (no stss). */
  sync?: number[];
  /** Edit list entries, in movie and media time scales. */
  edits: Array<{ duration: number; mediaTime: number }>;
}

/** The sample tables of a faststart MP4, from its moov (read from the file's start, no ffmpeg). */
async function readMp4Index(file: string): Promise<{ movieTimescale: number; tracks: Mp4Track[] } | string> {
  const fh = await open(file, 'r');
  try {
    const head = Buffer.alloc(16);
    let off = 0;
    for (;;) {
      const { bytesRead } = await fh.read(head, 0, 16, off);
      if (bytesRead < 8) return 'no moov box';
      let size = head.readUInt32BE(0);
      const type = head.toString('latin1', 4, 8);
      if (size === 1) size = Number(head.readBigUInt64BE(8));
      if (type === 'mdat') return 'mdat comes before moov (not faststart)';
      if (type === 'moov') {
        const moov = Buffer.alloc(size);
        await fh.read(moov, 0, size, off);
        return parseMoov(moov);
      }
      if (size < 8) return 'broken MP4 box';
      off += size;
    }
  } finally {
    await fh.close();
  }
}

function parseMoov(moov: Buffer): { movieTimescale: number; tracks: Mp4Track[] } {
  const children = (b: Buffer): Map<string, Buffer[]> => {
    const m = new Map<string, Buffer[]>();
    for (let o = 8; o + 8 <= b.length;) {
      const size = b.readUInt32BE(o);
      if (size < 8 || o + size > b.length) break;
      const t = b.toString('latin1', o + 4, o + 8);
      m.set(t, [...(m.get(t) ?? []), b.subarray(o, o + size)]);
      o += size;
    }
    return m;
  };
  const one = (b: Buffer | undefined, ...p: string[]): Buffer | undefined => {
    let cur = b;
    for (const t of p) cur = cur && children(cur).get(t)?.[0];
    return cur;
  };
  const mvhd = one(moov, 'mvhd');
  const movieTimescale = mvhd ? mvhd.readUInt32BE(mvhd[8] === 1 ? 28 : 20) : 1000;
  const tracks = (children(moov).get('trak') ?? []).map((trak): Mp4Track => {
    const mdhd = one(trak, 'mdia', 'mdhd');
    const hdlr = one(trak, 'mdia', 'hdlr');
    const stbl = one(trak, 'mdia', 'minf', 'stbl');
    const stts = one(stbl, 'stts');
    const stsz = one(stbl, 'stsz');
    const stss = one(stbl, 'stss');
    const elst = one(trak, 'edts', 'elst');
    const deltas: Array<[number, number]> = [];
    for (let i = 0, n = stts ? stts.readUInt32BE(12) : 0; i < n; i++) deltas.push([stts!.readUInt32BE(16 + 8 * i), stts!.readUInt32BE(20 + 8 * i)]);
    const sync = stss ? Array.from({ length: stss.readUInt32BE(12) }, (_, i) => stss.readUInt32BE(16 + 4 * i)) : undefined;
    const edits: Mp4Track['edits'] = [];
    if (elst) {
      const v1 = elst[8] === 1;
      for (let i = 0, n = elst.readUInt32BE(12), o = 16; i < n; i++, o += v1 ? 20 : 12) {
        edits.push(v1
          ? { duration: Number(elst.readBigUInt64BE(o)), mediaTime: Number(elst.readBigInt64BE(o + 8)) }
          : { duration: elst.readUInt32BE(o), mediaTime: elst.readInt32BE(o + 4) });
      }
    }
    return {
      handler: hdlr ? hdlr.toString('latin1', 16, 20) : '',
      timescale: mdhd ? mdhd.readUInt32BE(mdhd[8] === 1 ? 28 : 20) : 0,
      deltas, samples: stsz ? stsz.readUInt32BE(16) : 0, sync, edits,
    };
  });
  return { movieTimescale, tracks };
}

/** (b): the MP4's sample tables against the plan, and its first frames decode. */
async function checkMp4(input: PreciseCutInput, plan: Plan): Promise<string | undefined> {
  const ft = plan.frameTicks;
  const planned = (plan.endPts - plan.firstPts) / TICKS;
  const index = await readMp4Index(input.out);
  if (typeof index === 'string') return index;
  const v = index.tracks.find((t) => t.handler === 'vide');
  if (!v || v.samples === 0 || !v.timescale) return 'no video track in the result';
  if (v.samples !== plan.expectedFrames) return `${v.samples} frames, planned ${plan.expectedFrames}`;
  if (v.sync && v.sync[0] !== 1) return 'the MP4 does not start on a keyframe';
  const steps = v.deltas.map(([, d]) => (d * TICKS) / v.timescale);
  if (steps.some((d) => d <= 0 || d > 1.5 * ft)) return `frame durations ${[...new Set(steps)].join('/')} ticks, expected ${ft}`;
  const vSec = v.deltas.reduce((sum, [c, d]) => sum + c * d, 0) / v.timescale;
  if (Math.abs(vSec - planned) > ft / TICKS) return `video lasts ${vSec} s, planned ${planned} s`;
  const startsLate = (t: Mp4Track) => t.edits.some((e) => e.mediaTime === -1 && e.duration > 0);
  if (startsLate(v) || (v.edits[0]?.mediaTime ?? 0) > (ft / 2 / TICKS) * v.timescale) return 'the video does not start at 0';
  if (plan.hasAudio) {
    const a = index.tracks.find((t) => t.handler === 'soun');
    if (!a || a.samples === 0 || !a.timescale) return 'no audio track in the result';
    if (startsLate(a)) return 'the audio starts after the video';
    const aSec = a.edits.length ? a.edits[0]!.duration / index.movieTimescale : a.deltas.reduce((sum, [c, d]) => sum + c * d, 0) / a.timescale;
    if (Math.abs(aSec - planned) > 2048 / plan.sampleRate) return `audio lasts ${aSec} s, video ${planned} s`;
  }
  // The MP4 as a player meets it: its avcC and first samples decode.
  const { stderr } = await runFfmpeg([
    '-hide_banner', '-v', 'error', '-nostats', '-threads', '1', '-t', sec(2 * ft), '-i', input.out, '-map', '0:v:0', '-f', 'null', '-',
  ], { signal: input.signal, what: 'precise cut: check MP4' });
  return stderr.trim() ? `decoding the MP4 reported: ${stderr.trim().split('\n').slice(0, 3).join(' | ')}` : undefined;
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
  if (plan.sourcePackets.some((p) => p.dts !== p.pts)) return 'source has B-frames (reordered frames)';
  const audioOut = path.join(input.workDir, 'audio.m4a');
  // The audio encode is stopped as soon as the video side fails (the fallback encodes its own).
  const stopAudio = new AbortController();
  const onAbort = () => stopAudio.abort();
  input.signal?.addEventListener('abort', onAbort, { once: true });
  const audio = plan.hasAudio ? encodeAudio({ ...input, signal: stopAudio.signal }, plan, audioOut) : Promise.resolve();
  audio.catch(() => undefined); // settled below; never an unhandled rejection meanwhile
  const video = (async (): Promise<string | undefined> => {
    // Every segment the clip uses must start with an IDR and carry the same SPS/PPS: then no copied
    // GOP refers across a joint, and the MP4's single avcC is right for all of them.
    let src: ParamSets | undefined;
    for (let i = plan.segFrom; i <= plan.segTo; i++) {
      const ps = await readParamSets(input.files[i]!);
      const name = path.basename(input.files[i]!);
      if (!ps) return `no SPS/PPS found at the start of ${name}`;
      if (!ps.idr) return `${name} does not start with an IDR picture`;
      if (src && !(ps.sps.equals(src.sps) && ps.pps.equals(src.pps))) return `the source's SPS/PPS change at ${name}`;
      src ??= ps;
    }
    if (!src || plan.pieces.length === 0) return undefined;
    const m = encoderMatch(src, plan);
    if (typeof m === 'string') return m;
    // Each piece: encode, compare its parameter sets with the source's, decode it (joint check).
    const results = await Promise.all(plan.pieces.map(async (p): Promise<string | undefined> => {
      await runFfmpeg(pieceArgs(input, plan, p, m), { signal: input.signal, what: `precise cut: encode ${p.kind} piece` });
      const ps = await readParamSets(p.out);
      if (!ps) return `no SPS/PPS in the re-encoded ${p.kind} piece`;
      if (!ps.sps.equals(src.sps)) return `the re-encoded ${p.kind} piece's SPS differs from the source's (${ps.sps.toString('hex')} vs ${src.sps.toString('hex')})`;
      if (!ps.pps.equals(src.pps)) return `the re-encoded ${p.kind} piece's PPS differs from the source's (${ps.pps.toString('hex')} vs ${src.pps.toString('hex')})`;
      return checkPieceDecodes(input, plan, p);
    }));
    return results.find(Boolean);
  })();
  const [vr, ar] = await Promise.allSettled([
    video.then((r) => { if (r) stopAudio.abort(); return r; }, (err: unknown) => { stopAudio.abort(); throw err; }),
    audio,
  ]).finally(() => input.signal?.removeEventListener('abort', onAbort));
  if (vr.status === 'rejected') throw vr.reason;
  if (vr.value) return vr.value;
  if (ar.status === 'rejected') throw ar.reason;
  await joinParts(input, plan, plan.hasAudio ? audioOut : undefined);
  const bad = await checkMp4(input, plan);
  if (bad) return `verification failed: ${bad}`;
  const reencoded = plan.pieces.reduce((sum, p) => sum + p.frames, 0) * plan.frameTicks;
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
