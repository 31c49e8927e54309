import { probeMedia } from '../shared/media/probe-media.ts';
import { decodeErrors, topLevelBoxes } from '../test/helpers/media-checks.ts';

/** MEDIA-NOTES "Checks a clip must pass" that apply to any output MP4 (ffprobe on MP4 only). */
export interface ClipChecks {
  /** `ffmpeg -v error -i clip -f null -` printed nothing. */
  decodeClean: boolean;
  decodeErrors: string;
  /** faststart: moov before mdat. */
  moovBeforeMdat: boolean;
  boxes: string[];
  /** |audio start − video start| in ms, and whether it is under one frame. */
  avStartDiffMs: number | null;
  avSyncOk: boolean;
  durationSec: number;
  width?: number;
  height?: number;
  fps?: number;
}

export async function checkClip(file: string, fps: number): Promise<ClipChecks> {
  const errors = await decodeErrors(file);
  const boxes = await topLevelBoxes(file);
  const moov = boxes.indexOf('moov');
  const mdat = boxes.indexOf('mdat');
  const info = await probeMedia(file);
  const diff = info.video && info.audio ? Math.abs(info.audio.startSec - info.video.startSec) * 1000 : null;
  return {
    decodeClean: errors === '',
    decodeErrors: errors.slice(0, 500),
    moovBeforeMdat: moov >= 0 && mdat >= 0 && moov < mdat,
    boxes,
    avStartDiffMs: diff === null ? null : Math.round(diff * 100) / 100,
    avSyncOk: diff !== null && diff < 1000 / fps,
    durationSec: info.durationSec,
    width: info.video?.width,
    height: info.video?.height,
    fps: info.video?.fps,
  };
}

export const checksPass = (c: ClipChecks) => c.decodeClean && c.moovBeforeMdat && c.avSyncOk;

export function checksText(c: ClipChecks): string {
  const bad: string[] = [];
  if (!c.decodeClean) bad.push(`decode errors: ${c.decodeErrors.split('\n')[0]}`);
  if (!c.moovBeforeMdat) bad.push(`boxes ${c.boxes.join(',')}`);
  if (!c.avSyncOk) bad.push(`|a-v start| ${c.avStartDiffMs} ms`);
  return bad.length ? bad.join('; ') : `clean decode, moov<mdat, |a-v start| ${c.avStartDiffMs} ms`;
}
