import { MAX_MIX_USERS, mixLayout, type Tile } from './mix-layout.ts';

export interface MixArgsInput {
  /**
   * One entry per user, in layout order. `inputArgs` go right before that input's `-i` (the
   * caller's reconnect / -rw_timeout flags). For media 'av' and 'audio' every input must carry an
   * audio track (the caller guarantees it): `[i:a:0]` of an input without audio fails the graph.
   */
  inputs: Array<{ url: string; inputArgs?: string[] }>;
  media: 'av' | 'audio' | 'video';
  /** Output picture (even sizes, 64..3840 x 64..2160) and frame rate (whole fps, 1..60). */
  canvas: { width: number; height: number; fps: number };
  /** Segment length of the muxer downstream: a keyframe is forced exactly every segmentSec. */
  segmentSec: number;
  /** Canvas and letterbox colour: an ffmpeg colour name or hex (#RRGGBB, 0xRRGGBB[AA]); default black. */
  background?: string;
}

/** Colour names and hex only: the value lands inside the filter graph, so nothing that could escape it. */
const COLOR = /^(?:[A-Za-z]+|(?:#|0x)[0-9A-Fa-f]{6}(?:[0-9A-Fa-f]{2})?)$/;

function validate(input: MixArgsInput): void {
  const n = input.inputs.length;
  if (n < 1 || n > MAX_MIX_USERS) throw new Error(`mix: needs 1..${MAX_MIX_USERS} inputs, got ${n}`);
  input.inputs.forEach((inp, i) => {
    if (typeof inp.url !== 'string' || inp.url === '') throw new Error(`mix: input ${i} has no url`);
    if (inp.inputArgs && !inp.inputArgs.every((a) => typeof a === 'string')) throw new Error(`mix: input ${i} inputArgs must be strings`);
  });
  if (!['av', 'audio', 'video'].includes(input.media)) throw new Error(`mix: media must be av, audio or video, got ${String(input.media)}`);
  const { width, height, fps } = input.canvas;
  const evenIn = (v: number, lo: number, hi: number) => Number.isInteger(v) && v % 2 === 0 && v >= lo && v <= hi;
  if (!evenIn(width, 64, 3840) || !evenIn(height, 64, 2160)) {
    throw new Error(`mix: canvas must be even sizes within 64..3840 x 64..2160, got ${width}x${height}`);
  }
  if (!Number.isInteger(fps) || fps < 1 || fps > 60) throw new Error(`mix: canvas fps must be a whole number 1..60, got ${fps}`);
  if (!(Number.isFinite(input.segmentSec) && input.segmentSec > 0)) throw new Error(`mix: segmentSec must be a positive number, got ${input.segmentSec}`);
  if (input.background !== undefined && !COLOR.test(input.background)) {
    throw new Error(`mix: background must be a colour name or hex (#RRGGBB / 0xRRGGBB[AA]), got ${JSON.stringify(input.background)}`);
  }
}

/** Fit one input into its tile (letterboxed, square pixels) at the canvas frame rate. */
function fitTile(i: number, t: Tile, fps: number, bg: string): string {
  return `[${i}:v:0]scale=${t.width}:${t.height}:force_original_aspect_ratio=decrease:flags=bicubic,`
    + `pad=${t.width}:${t.height}:(ow-iw)/2:(oh-ih)/2:color=${bg},setsar=1,fps=${fps}`;
}

/**
 * The video half of the graph, ending in [v].
 *
 * Not xstack: the 2018 build's xstack has no `fill` (holes stay uninitialised, green) and sizes its
 * output to the tiles, not the canvas. Instead the tiles are overlaid one after another on a
 * background. The background is ONE frame of `color` (not an endless source): overlay repeats its
 * main input's last frame after EOF, so the canvas persists while output frames are driven by the
 * inputs' frames. That paces the mix by its live inputs and lets the graph end once every input
 * has ended; an endless `color` would keep producing frames at full speed after the last input
 * ends, forever. `eof_action=repeat` (with repeatlast) freezes an ended input's last frame instead
 * of stalling the others. A final fps filter makes the timestamps constant-rate.
 */
function videoGraph(tiles: Tile[], canvas: MixArgsInput['canvas'], bg: string): string[] {
  const { width, height, fps } = canvas;
  if (tiles.length === 1) return [`${fitTile(0, tiles[0]!, fps, bg)}[v]`];
  const parts = [`color=c=${bg}:s=${width}x${height}:r=${fps}:d=${(1 / fps / 2).toFixed(6)}[bg]`];
  tiles.forEach((t, i) => parts.push(`${fitTile(i, t, fps, bg)}[t${i}]`));
  tiles.forEach((t, i) => {
    const main = i === 0 ? '[bg]' : `[c${i - 1}]`;
    const out = i === tiles.length - 1 ? '[vm]' : `[c${i}]`;
    parts.push(`${main}[t${i}]overlay=x=${t.x}:y=${t.y}:eof_action=repeat:repeatlast=1:shortest=0${out}`);
  });
  // The overlay chain emits a frame whenever any input brings one: under load (inputs arriving in
  // bursts) two can share a timestamp, which the encoder then muxes as a repeated DTS. fps makes
  // the output constant-rate and strictly increasing.
  parts.push(`[vm]fps=${fps}[v]`);
  return parts;
}

/**
 * The audio half of the graph, ending in [a]. Each input is resampled to 48 kHz stereo
 * (`async=1` fills a live input's timestamp gaps with silence, since amix counts samples, not
 * timestamps). amix divides by the number of inputs and the 2018 build has no `normalize`; its
 * `weights` are normalised by their sum too, so `volume=n` restores each user's level.
 */
function audioGraph(n: number): string[] {
  const prep = (i: number) => `[${i}:a:0]aresample=48000:async=1,aformat=sample_rates=48000:channel_layouts=stereo`;
  if (n === 1) return [`${prep(0)}[a]`];
  const parts = Array.from({ length: n }, (_, i) => `${prep(i)}[a${i}]`);
  const labels = Array.from({ length: n }, (_, i) => `[a${i}]`).join('');
  parts.push(`${labels}amix=inputs=${n}:duration=longest:dropout_transition=0,volume=${n}[a]`);
  return parts;
}

/**
 * Pure: ffmpeg arguments for a MIXED room recording, from the inputs up to (not including) the
 * output muxer options, which the caller appends (our segment muxer). Several users' live streams
 * become one: video composited on a grid (mixLayout) over a `canvas`-sized background, audio mixed
 * at 48 kHz stereo, or only one of the two for media 'audio' / 'video'. Encodes H.264 with a closed
 * keyframe every segmentSec (so segments start on keyframes) and AAC, like the recorder.
 * Arguments only, never a shell line; URLs never enter the filter graph.
 */
export function mixArgs(input: MixArgsInput): string[] {
  validate(input);
  const { inputs, media, canvas, segmentSec } = input;
  const bg = input.background ?? 'black';
  const video = media !== 'audio';
  const audio = media !== 'video';
  const args = inputs.flatMap((inp) => [...(inp.inputArgs ?? []), '-i', inp.url]);
  const graph = [
    ...(video ? videoGraph(mixLayout(inputs.length, canvas), canvas, bg) : []),
    ...(audio ? audioGraph(inputs.length) : []),
  ];
  args.push('-filter_complex', graph.join(';'));
  if (video) {
    const gop = String(Math.max(1, Math.round(canvas.fps * segmentSec)));
    args.push(
      '-map', '[v]',
      '-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency', '-pix_fmt', 'yuv420p',
      '-g', gop, '-keyint_min', gop, '-sc_threshold', '0', '-force_key_frames', `expr:gte(t,n_forced*${segmentSec})`,
    );
  }
  if (audio) args.push('-map', '[a]', '-c:a', 'aac', '-b:a', '128k', '-ar', '48000', '-ac', '2');
  return args;
}
