import type { OutputProfile, TranscodeSettings } from '../domain/schemas.ts';

/** Defaults for a transcode request; every value a request may set is checked by the schema's allow-lists. */
export function transcodeSettings(r: Partial<TranscodeSettings>): TranscodeSettings {
  return {
    profile: r.profile ?? '720p',
    fit: r.fit ?? 'blur',
    crf: r.crf ?? 23,
    preset: r.preset ?? 'veryfast',
    ...(r.maxBitrateKbps ? { maxBitrateKbps: r.maxBitrateKbps } : {}),
    ...(r.parts ? { parts: r.parts } : {}),
    ...(r.partSec ? { partSec: r.partSec } : {}),
  };
}

/** Output size of a profile for a given source size (even dimensions, aspect kept). */
export function profileSize(profile: OutputProfile, src: { width: number; height: number }): { width: number; height: number } {
  const even = (n: number) => Math.max(2, Math.round(n / 2) * 2);
  switch (profile) {
    case 'source': return { width: even(src.width), height: even(src.height) };
    case '720p': return { width: even((src.width * 720) / src.height), height: 720 };
    case '1080p': return { width: even((src.width * 1080) / src.height), height: 1080 };
    case 'vertical': return { width: 1080, height: 1920 };
  }
}

/**
 * The -vf graph of a profile. Vertical: 9:16 1080x1920 by centre crop, or the whole frame fitted
 * over a blurred, cropped fill of itself. Every scale names its algorithm: ffmpeg's default differs
 * between simple (-vf) and complex graphs, which would make parts differ from a single pass.
 */
export function profileFilter(profile: OutputProfile, fit: 'crop' | 'blur'): string {
  switch (profile) {
    case 'source': return 'scale=trunc(iw/2)*2:trunc(ih/2)*2:flags=bicubic,setsar=1';
    case '720p': return 'scale=-2:720:flags=bicubic,setsar=1';
    case '1080p': return 'scale=-2:1080:flags=bicubic,setsar=1';
    case 'vertical':
      return fit === 'crop'
        ? 'crop=trunc(ih*9/32)*2:ih,scale=1080:1920:flags=bicubic,setsar=1'
        : 'split=2[bg][fg];[bg]scale=1080:1920:force_original_aspect_ratio=increase:flags=bicubic,crop=1080:1920,boxblur=luma_radius=24:luma_power=2[bgb];[fg]scale=1080:-2:flags=bicubic[fgs];[bgb][fgs]overlay=(W-w)/2:(H-h)/2,setsar=1';
  }
}

/** x264 arguments every part of one clip shares, so parts join by stream copy. */
export function videoEncodeArgs(s: TranscodeSettings, threads: number): string[] {
  const args = ['-c:v', 'libx264', '-preset', s.preset, '-crf', String(s.crf), '-profile:v', 'high', '-pix_fmt', 'yuv420p', '-x264-params', 'open-gop=0'];
  if (s.maxBitrateKbps) args.push('-maxrate', `${s.maxBitrateKbps}k`, '-bufsize', `${s.maxBitrateKbps * 2}k`);
  if (threads > 0) args.push('-threads', String(threads));
  return args;
}

/**
 * Keyframes at the given output frame numbers (the source's segment starts): every part and a
 * single pass over the same window then share one GOP layout, so a part's opening IDR falls where
 * the single pass puts a keyframe anyway.
 */
export function keyframeArgs(frames: number[]): string[] {
  const at = frames.filter((f) => f > 0);
  return at.length ? ['-force_key_frames', `expr:${at.map((f) => `eq(n,${f})`).join('+')}`] : [];
}
