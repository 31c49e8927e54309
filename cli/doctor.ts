import { spawnSync } from 'node:child_process';
import { REQUIRED, resolveFfmpeg } from '../shared/media/ffmpeg-binaries.ts';
import { findFont } from '../shared/media/recorder-args.ts';

/** `npm run doctor`: which ffmpeg/ffprobe are used, their versions, and whether each needed piece is there. */
const json = process.argv.includes('--json');
const bins = resolveFfmpeg();
const run = (bin: string, args: string[]) => spawnSync(bin, ['-hide_banner', ...args], { encoding: 'utf8', timeout: 15_000 }).stdout ?? '';
const version = (bin: string) => (spawnSync(bin, ['-version'], { encoding: 'utf8' }).stdout ?? '').split('\n')[0]?.trim() ?? '?';

const encoders = run(bins.ffmpeg, ['-encoders']);
const muxers = run(bins.ffmpeg, ['-muxers']);
const filters = run(bins.ffmpeg, ['-filters']);
const has = (list: string, name: string) => new RegExp(`^\\s*\\S+\\s+${name}\\b`, 'm').test(list);
const checks = [
  ...REQUIRED.encoders.map((n) => ({ kind: 'encoder', name: n, ok: has(encoders, n) })),
  ...REQUIRED.muxers.map((n) => ({ kind: 'muxer', name: n, ok: has(muxers, n) })),
  ...REQUIRED.filters.map((n) => ({ kind: 'filter', name: n, ok: has(filters, n) })),
];
const font = findFont();
const report = {
  ffmpeg: { path: bins.ffmpeg, source: bins.ffmpegSource, version: version(bins.ffmpeg) },
  ffprobe: { path: bins.ffprobe, source: bins.ffprobeSource, version: version(bins.ffprobe) },
  checks,
  font: font ?? null,
  ok: checks.every((c) => c.ok),
};
if (json) console.log(JSON.stringify(report));
else {
  console.log(`ffmpeg:  ${report.ffmpeg.path}  [${report.ffmpeg.source}]  ${report.ffmpeg.version}`);
  console.log(`ffprobe: ${report.ffprobe.path}  [${report.ffprobe.source}]  ${report.ffprobe.version}`);
  for (const c of checks) console.log(`  ${c.ok ? 'ok     ' : 'MISSING'} ${c.kind} ${c.name}`);
  console.log(`  ${font ? 'ok     ' : 'none   '} font for the test pattern's clock${font ? `: ${font}` : ' (set HL_FONT_FILE; the clock is left out without one)'}`);
  console.log(report.ok ? 'all needed pieces are there' : 'some needed pieces are missing: set FFMPEG_PATH to an ffmpeg that has them');
}
process.exit(report.ok ? 0 : 1);
