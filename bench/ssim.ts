import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { runFfmpeg } from '../shared/media/run-ffmpeg.ts';

let n = 0;

/** Per-frame SSIM (All) of a against b, paired by frame order (timestamps are renumbered, so an edit-list or B-frame delay cannot shift the pairs), over the shorter of the two. */
export async function ssimPerFrame(a: string, b: string, workDir: string): Promise<number[]> {
  const stats = path.join(workDir, `ssim-${n++}.log`);
  if (/[':\\,;[\]]/.test(stats)) throw new Error(`ssim stats path needs escaping: ${stats}`);
  await runFfmpeg(['-hide_banner', '-v', 'error', '-i', a, '-i', b, '-lavfi', `[0:v]setpts=N/TB/1000[a];[1:v]setpts=N/TB/1000[b];[a][b]ssim=stats_file=${stats}:shortest=1`, '-f', 'null', '-'], { what: 'ssim' });
  const out: number[] = [];
  for (const line of (await readFile(stats, 'utf8')).split('\n')) {
    const m = /^n:(\d+) .*All:([\d.]+)/.exec(line.trim());
    if (m) out[Number(m[1]) - 1] = Number(m[2]);
  }
  return out.filter((x) => x !== undefined);
}

export function ssimSummary(perFrame: number[], joinFrames: number[]): { mean: number; min: number; frames: number; joinMin: number | null; joins: Array<{ frame: number; min: number }> } {
  const mean = perFrame.reduce((s, x) => s + x, 0) / Math.max(1, perFrame.length);
  const joins = joinFrames.map((f) => {
    const around = [f - 1, f, f + 1].map((i) => perFrame[i]).filter((x): x is number => x !== undefined);
    return { frame: f, min: around.length ? Math.min(...around) : NaN };
  });
  return {
    mean, min: Math.min(...perFrame), frames: perFrame.length,
    joinMin: joins.length ? Math.min(...joins.map((j) => j.min)) : null, joins,
  };
}
