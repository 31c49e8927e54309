import { ffmpegBytes } from './ffmpeg-util.ts';
import type { Size } from './options.ts';

/**
 * A machine-readable frame number burnt into the picture: a band of BITS black/white bars,
 * most significant bit on the left, white = 1. Made on a small canvas with geq (whose N is the
 * frame number) and overlaid on the test pattern, so it survives lossy re-encoding and scaling.
 */
export const BITS = 16;

export interface Band {
  bits: number;
  /** Band position and bar size in the source picture. */
  x: number;
  y: number;
  barW: number;
  barH: number;
}

const even = (n: number) => Math.max(2, Math.floor(n / 2) * 2);

export function bandFor(size: Size): Band {
  const barW = even((size.width * 0.75) / BITS);
  const barH = even(Math.max(8, size.height / 10));
  return { bits: BITS, barW, barH, x: even((size.width - barW * BITS) / 2), y: even(size.height / 20) };
}

/** filter_complex fragment producing [band] (gray, BITS*barW x barH) for `durationSec` at `fps`. */
export function bandSource(b: Band, fps: number, durationSec: number): string {
  const lum = `if(mod(floor(N/pow(2,${b.bits - 1}-floor(X/${b.barW}))),2),235,16)`;
  return `color=c=black:s=${b.barW * b.bits}x${b.barH}:r=${fps}:d=${durationSec},format=gray,geq=lum='${lum}'[band]`;
}

/**
 * Where the band lands in an output made from the source: same aspect → scaled; the vertical
 * blur fit (1080x1920) → the whole frame scaled to 1080 wide, centred over the blurred fill.
 */
export function bandIn(b: Band, src: Size, out: Size): { x: number; y: number; w: number; h: number } {
  const sameAspect = Math.abs(out.width / out.height - src.width / src.height) < 0.02;
  let sx: number, sy: number, ox = 0, oy = 0;
  if (sameAspect) {
    sx = out.width / src.width;
    sy = out.height / src.height;
  } else {
    sx = out.width / src.width;
    const fgH = even((src.height * out.width) / src.width);
    sy = fgH / src.height;
    oy = (out.height - fgH) / 2;
  }
  return { x: ox + b.x * sx, y: oy + b.y * sy, w: b.barW * b.bits * sx, h: b.barH * sy };
}

/**
 * Decode every frame of `file` (no frame-rate conversion: -vsync 0), keep a 2-pixel strip through
 * the middle of the band, and read the frame number from the centre half of each bar.
 */
export async function readFrameIndices(file: string, b: Band, src: Size, out: Size, o: { maxFrames?: number; seekSec?: number } = {}): Promise<number[]> {
  const r = bandIn(b, src, out);
  const w = Math.max(b.bits * 2, Math.round(r.w));
  const x = Math.max(0, Math.round(r.x));
  const y = Math.max(0, Math.round(r.y + r.h / 2 - 1));
  const args = ['-hide_banner', '-v', 'error'];
  if (o.seekSec !== undefined) args.push('-ss', o.seekSec.toFixed(3));
  args.push('-i', file, '-map', '0:v:0', '-vsync', '0');
  if (o.maxFrames) args.push('-frames:v', String(o.maxFrames));
  args.push('-vf', `format=gray,crop=${w}:2:${x}:${y}`, '-f', 'rawvideo', '-pix_fmt', 'gray', '-');
  const raw = await ffmpegBytes(args, `read frame index of ${file}`);
  const frameBytes = w * 2;
  const barPx = w / b.bits;
  const out_: number[] = [];
  for (let off = 0; off + frameBytes <= raw.length; off += frameBytes) {
    let n = 0;
    for (let bit = 0; bit < b.bits; bit++) {
      const from = Math.floor(bit * barPx + barPx / 4);
      const to = Math.max(from + 1, Math.floor(bit * barPx + (3 * barPx) / 4));
      let sum = 0, cnt = 0;
      for (let row = 0; row < 2; row++) for (let i = from; i < to; i++) { sum += raw[off + row * w + i]!; cnt++; }
      n = n * 2 + (sum / cnt > 126 ? 1 : 0);
    }
    out_.push(n);
  }
  return out_;
}

/** First frame index of a file (e.g. a TS segment). */
export async function firstFrameIndex(file: string, b: Band, size: Size): Promise<number> {
  const [n] = await readFrameIndices(file, b, size, size, { maxFrames: 1 });
  if (n === undefined) throw new Error(`no video frame in ${file}`);
  return n;
}

export interface FrameRun {
  count: number;
  first: number;
  last: number;
  /** Places where the index does not advance by exactly 1 (dropped, repeated or misread frames). */
  breaks: Array<{ at: number; from: number; to: number }>;
}

export function summariseFrames(ix: number[]): FrameRun {
  const breaks: FrameRun['breaks'] = [];
  for (let i = 1; i < ix.length; i++) if (ix[i] !== ix[i - 1]! + 1) breaks.push({ at: i, from: ix[i - 1]!, to: ix[i]! });
  return { count: ix.length, first: ix[0] ?? -1, last: ix[ix.length - 1] ?? -1, breaks: breaks.slice(0, 20) };
}
