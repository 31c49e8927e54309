import { readFile } from 'node:fs/promises';
import { runFfmpeg } from '../../shared/media/run-ffmpeg.ts';

/** `ffmpeg -v error -i file -f null -` must print nothing: the file decodes cleanly. */
export async function decodeErrors(file: string): Promise<string> {
  const { stderr } = await runFfmpeg(['-v', 'error', '-i', file, '-f', 'null', '-'], { what: 'decode check' });
  return stderr.trim();
}

/** Top-level MP4 boxes in order (faststart puts moov before mdat). */
export async function topLevelBoxes(file: string): Promise<string[]> {
  const buf = await readFile(file);
  const boxes: string[] = [];
  let off = 0;
  while (off + 8 <= buf.length) {
    let size = buf.readUInt32BE(off);
    const type = buf.toString('latin1', off + 4, off + 8);
    if (size === 1) size = Number(buf.readBigUInt64BE(off + 8));
    else if (size === 0) size = buf.length - off;
    boxes.push(type);
    if (size < 8) break;
    off += size;
  }
  return boxes;
}
