import { execFile, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { AppError } from '../domain/app-error.ts';

export interface FfmpegBinaries {
  ffmpeg: string;
  ffprobe: string;
  /** Where each came from: an env override, the system PATH, or the npm-installed static build. */
  ffmpegSource: 'env' | 'system' | 'npm';
  ffprobeSource: 'env' | 'system' | 'npm';
}

/** Encoders and muxers the pipeline needs; doctor reports each. */
export const REQUIRED = {
  encoders: ['libx264', 'aac', 'mjpeg'],
  muxers: ['mpegts', 'mp4', 'segment', 'image2'],
  filters: ['testsrc2', 'sine', 'drawtext'],
} as const;

function isExecutableFile(p: string): boolean {
  try {
    if (!statSync(p).isFile()) return false;
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name: string, envPath = process.env.PATH ?? ''): string | undefined {
  for (const dir of envPath.split(path.delimiter)) {
    if (!dir) continue;
    const p = path.join(dir, name);
    if (isExecutableFile(p)) return p;
  }
  return undefined;
}

/** True when this ffmpeg has libx264 and aac (a system ffmpeg without them is skipped). */
export function hasNeededEncoders(ffmpeg: string): boolean {
  const r = spawnSync(ffmpeg, ['-hide_banner', '-encoders'], { encoding: 'utf8', timeout: 10_000 });
  if (r.status !== 0) return false;
  return /\blibx264\b/.test(r.stdout) && /^\s*A\S*\s+aac\b/m.test(r.stdout);
}

function npmBinary(pkg: '@ffmpeg-installer/ffmpeg' | '@ffprobe-installer/ffprobe'): string | undefined {
  try {
    const require = createRequire(import.meta.url);
    const mod = require(pkg) as { path: string };
    return existsSync(mod.path) ? mod.path : undefined;
  } catch {
    return undefined;
  }
}

let cached: FfmpegBinaries | undefined;

/**
 * FFMPEG_PATH / FFPROBE_PATH when set; else a system ffmpeg on PATH that has libx264 and aac;
 * else the static builds installed from npm (@ffmpeg-installer/*), which need no install script.
 * On SCF an ffmpeg layer lands in /opt/bin, which is searched like PATH.
 */
export function resolveFfmpeg(env: NodeJS.ProcessEnv = process.env, useCache = true): FfmpegBinaries {
  if (useCache && cached) return cached;
  const searchPath = [env.PATH ?? '', '/opt/bin'].join(path.delimiter);
  let ffmpeg: string | undefined;
  let ffmpegSource: FfmpegBinaries['ffmpegSource'] = 'env';
  if (env.FFMPEG_PATH) {
    if (!isExecutableFile(env.FFMPEG_PATH)) throw new AppError('FFMPEG_NOT_FOUND', `FFMPEG_PATH=${env.FFMPEG_PATH} is not an executable file`);
    ffmpeg = env.FFMPEG_PATH;
  } else {
    const sys = onPath('ffmpeg', searchPath);
    if (sys && hasNeededEncoders(sys)) { ffmpeg = sys; ffmpegSource = 'system'; }
    else { ffmpeg = npmBinary('@ffmpeg-installer/ffmpeg'); ffmpegSource = 'npm'; }
  }
  let ffprobe: string | undefined;
  let ffprobeSource: FfmpegBinaries['ffprobeSource'] = 'env';
  if (env.FFPROBE_PATH) {
    if (!isExecutableFile(env.FFPROBE_PATH)) throw new AppError('FFMPEG_NOT_FOUND', `FFPROBE_PATH=${env.FFPROBE_PATH} is not an executable file`);
    ffprobe = env.FFPROBE_PATH;
  } else {
    const sys = onPath('ffprobe', searchPath);
    if (sys) { ffprobe = sys; ffprobeSource = 'system'; }
    else { ffprobe = npmBinary('@ffprobe-installer/ffprobe'); ffprobeSource = 'npm'; }
  }
  if (!ffmpeg) throw new AppError('FFMPEG_NOT_FOUND', 'no ffmpeg: set FFMPEG_PATH, install one with libx264 and aac, or run npm install (it brings @ffmpeg-installer/ffmpeg)');
  if (!ffprobe) throw new AppError('FFMPEG_NOT_FOUND', 'no ffprobe: set FFPROBE_PATH, install one, or run npm install (it brings @ffprobe-installer/ffprobe)');
  const found: FfmpegBinaries = { ffmpeg, ffprobe, ffmpegSource, ffprobeSource };
  if (useCache) cached = found;
  return found;
}

let protocols: Promise<Set<string> | undefined> | undefined;

/** Input protocols of the resolved ffmpeg (`ffmpeg -protocols`), read once; undefined when it cannot be asked. */
export function ffmpegInputProtocols(): Promise<Set<string> | undefined> {
  protocols ??= new Promise((resolve) => {
    let ffmpeg: string;
    try {
      ffmpeg = resolveFfmpeg().ffmpeg;
    } catch {
      protocols = undefined; // no ffmpeg now: ask again next time, and let the check pass (the recorder reports it)
      resolve(undefined);
      return;
    }
    execFile(ffmpeg, ['-hide_banner', '-protocols'], { timeout: 10_000 }, (err, stdout) => {
      if (err) { protocols = undefined; resolve(undefined); return; }
      const input = stdout.split(/Output:/)[0] ?? '';
      resolve(new Set(input.split(/\s+/).map((p) => p.trim()).filter((p) => /^[a-z0-9_]+$/.test(p))));
    });
  });
  return protocols;
}
