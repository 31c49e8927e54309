/*
 * A picture that shows its own frame number, readable back after lossy re-encoding.
 *
 * Every frame is FRAME_INDEX_BITS black/white vertical bars: bar b (0 = left) is white when bit
 * (BITS-1-b) of the frame number N is set (most significant bit left). The bars are drawn with geq
 * at BITS x 2 pixels and scaled up (cheap enough for real-time publishing at any size), and read
 * back from a decode scaled down to a fixed grid, so the reader needs no knowledge of the size.
 * N counts from 0 and wraps at 2^BITS (4096 frames: 163 s at 25 fps).
 */
import { spawn } from 'node:child_process';
import { resolveFfmpeg } from '../../shared/media/ffmpeg-binaries.ts';

export const FRAME_INDEX_BITS = 12;

/** A lavfi graph: WxH frames at fps, each showing its frame number as bars. */
export function frameIndexSource(width: number, height: number, fps: number): string {
  const bits = FRAME_INDEX_BITS;
  const bars = `geq=lum='if(mod(floor(N/pow(2\\,${bits - 1}-X))\\,2)\\,235\\,16)':cb=128:cr=128`;
  return `color=black:size=${bits}x2:rate=${fps},format=yuv420p,${bars},scale=${width}:${height}:flags=neighbor,setsar=1`;
}

/** The grid frames are decoded to for reading: 8 gray pixels per bar, 8 rows. */
const CELL = 8;
const GW = FRAME_INDEX_BITS * CELL;
const GH = 8;

/** Decode frames of a file to the reading grid (8-bit gray, raw) on stdout. */
function decodeGrid(file: string, extra: { startSec?: number; frames?: number }): Promise<Buffer> {
  const args = ['-v', 'error', '-nostdin'];
  if (extra.startSec !== undefined) args.push('-ss', String(extra.startSec));
  args.push('-i', file, '-map', '0:v:0');
  if (extra.frames !== undefined) args.push('-frames:v', String(extra.frames));
  args.push('-vf', `scale=${GW}:${GH}:flags=area`, '-f', 'rawvideo', '-pix_fmt', 'gray', 'pipe:1');
  return new Promise((resolve, reject) => {
    const child = spawn(resolveFfmpeg().ffmpeg, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => chunks.push(d));
    child.stderr.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-4096); });
    child.on('error', reject);
    child.on('close', (code, sig) => {
      if (code === 0) resolve(Buffer.concat(chunks));
      else reject(new Error(`decoding ${file} for frame indexes failed (${sig ?? `exit ${code}`}): ${stderr.trim()}`));
    });
  });
}

/** The frame number each decoded picture of a file shows (all of them by default). */
export async function readFrameIndexes(file: string, opts: { startSec?: number; frames?: number } = {}): Promise<number[]> {
  const buf = await decodeGrid(file, opts);
  const size = GW * GH;
  if (buf.length % size !== 0) throw new Error(`decoded ${buf.length} bytes, not a whole number of ${GW}x${GH} frames`);
  const out: number[] = [];
  for (let f = 0; f < buf.length / size; f++) {
    let n = 0;
    for (let b = 0; b < FRAME_INDEX_BITS; b++) {
      // Mean of the bar's middle 4x4 pixels, away from the edges that scaling and coding blur.
      let sum = 0;
      for (let y = 2; y < 6; y++) for (let x = 2; x < 6; x++) sum += buf[f * size + y * GW + b * CELL + x]!;
      n = n * 2 + (sum / 16 > 128 ? 1 : 0);
    }
    out.push(n);
  }
  return out;
}

/** The frame number one picture shows: the first decoded one, or the first at atSec from the file's start. */
export async function readFrameIndex(file: string, atSec?: number): Promise<number> {
  const [n] = await readFrameIndexes(file, { startSec: atSec, frames: 1 });
  if (n === undefined) throw new Error(`no video frame decoded from ${file}${atSec === undefined ? '' : ` at ${atSec} s`}`);
  return n;
}
