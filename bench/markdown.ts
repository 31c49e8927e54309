import type { Report } from './report.ts';
import { median, round } from './stats.ts';

interface Results {
  date: string;
  totalSec: number;
  command: string;
  quick: boolean;
  plan: { size: { width: number; height: number }; fps: number; recordSec: number; memRecordSec: number; windowSec: number; ks: number[]; reps: number; mainPreset: string; memPreset: string };
  machine: { cpuModel: string; cpuCount: number; totalMemMB: number; node: string; platform: string; loadAvg: number[]; loadAvgEnd: number[] };
  ffmpeg: { version: string; source: string };
  details: Record<string, any>;
  notes: string[];
}

/** A markdown section ready to paste into docs/BENCHMARKS.md. */
export function markdown(r: Results, report: Report): string {
  const p = r.plan;
  const m = r.machine;
  const out: string[] = [];
  out.push(`## Benchmark run ${r.date.slice(0, 10)}${r.quick ? ' (--quick smoke run: not comparable with the targets)' : ''}`, '');
  out.push(`- Command: \`${r.command}\` (from the repository root), started ${r.date}, took ${round(r.totalSec / 60, 1)} min.`);
  out.push(`- Machine: ${m.cpuCount} × ${m.cpuModel}, ${round(m.totalMemMB / 1024, 1)} GB RAM, ${m.platform}, Node ${m.node}; load average ${m.loadAvg.join(' / ')} at start, ${m.loadAvgEnd.join(' / ')} at the end (other work may have been running).`);
  out.push(`- ffmpeg: ${r.ffmpeg.version} (${r.ffmpeg.source}).`);
  // The clip sections share one generated recording; a record-only run has none.
  const clips = report.figures.some((f) => f.section !== 'record');
  if (clips) out.push(`- Source: ${p.size.width}x${p.size.height}@${p.fps} testsrc2 with a burnt-in binary frame index, H.264 x264 ${p.mainPreset} \`-tune zerolatency\` 3 Mbps (maxrate 3M, bufsize 6M), keyframe every 2 s, AAC 128k 48 kHz, 2 s MPEG-TS segments (segment muxer), ${p.recordSec} s; memory section: ${p.memRecordSec} s at x264 ${p.memPreset}. Published as the recorder would (segments, playlist with PROGRAM-DATE-TIME, stream.json 'stopped').`);
  if (clips) out.push(`- Driven through the signed HTTP API of the in-process local runtime (concurrency 2), polled every 15 ms; windows of ${p.windowSec} s inside the recording (no post-roll wait); ${p.reps} repetition(s), medians reported.`);
  out.push('');
  out.push(report.markdownTable(), '');

  const tx = r.details.transcode;
  if (tx) {
    out.push('### Transcode fan-out by K', '');
    out.push('| profile | K | trigger→ready (s) | processMs (s) | single pass (s) | ratio | part encodeMs min / median / max | fan-out phase (s) | SSIM mean | SSIM min at joins |', '|---|---|---|---|---|---|---|---|---|---|');
    for (const profile of Object.keys(tx).filter((k) => k !== 'window')) {
      const d = tx[profile];
      const single = median(d.singleMs);
      for (const k of d.perK) {
        const enc: number[] = k.encodeMs[0] ?? [];
        const fan = (k.fanoutMs as Array<number | undefined>).filter((x): x is number => x !== undefined);
        out.push(`| ${profile} | ${k.partsTotal} | ${round(median(k.wallMs) / 1000, 2)} | ${round(median(k.processMs) / 1000, 2)} | ${round(single / 1000, 2)} | ${k.ratio} | ${enc.length ? `${Math.min(...enc)} / ${median(enc)} / ${Math.max(...enc)}` : '—'} | ${fan.length ? round(median(fan) / 1000, 2) : '—'} | ${round(k.ssim.mean, 5)} | ${k.ssim.joinMin === null ? '—' : round(k.ssim.joinMin, 4)} |`);
      }
    }
    out.push('');
  }

  const cm = r.details.cloudModel;
  if (cm) {
    out.push('### Cloud model (a model, not a measurement)', '');
    out.push(`\`${cm.formula}\`, with d = ${round(cm.d, 1)} ms (local invoker overhead per part invocation, median; wall − encodeMs of ${cm.dispatch.length} parts invoked one at a time) and A = ${round(median(cm.audioMs), 0)} ms (the window's audio, encoded once in parallel with the parts).`, '');
    out.push('| profile | K | E_max (ms) | N (ms) | modelled T (s) | measured here, 2 cores (s) |', '|---|---|---|---|---|---|');
    for (const [profile, rows] of Object.entries(cm.perProfile as Record<string, any[]>)) {
      for (const x of rows) out.push(`| ${profile} | ${x.partsTotal} | ${x.eMaxMs} | ${round(x.nonFanoutMs)} | ${round(x.modelMs / 1000, 2)} | ${round(x.measuredWallMs / 1000, 2)} |`);
    }
    out.push('');
  }

  const mem = r.details.memory;
  if (mem) {
    out.push('### Memory', '', `Command: \`${mem.command.map((a: string) => (/[{}" ]/.test(a) ? `'${a}'` : a)).join(' ')}\` (job accepted beforehand with acceptHighlight). Wall ${round(mem.wallMs / 1000, 2)} s; clip ${mem.result.durationSec} s, ${round((mem.result.sizeBytes ?? 0) / 1e6, 1)} MB.`, '');
  }

  out.push('### Notes', '');
  for (const n of r.notes) out.push(`- ${n}`);
  if (clips) out.push('- Trigger → ready is measured on the client: from just before the signed POST to the poll that first sees `succeeded`; processMs is the server\'s `result.timings.processMs` (after post-roll coverage, until the result is recorded).');
  if (clips) out.push('- Baselines are single ffmpeg processes with `-threads` left to ffmpeg (auto); the copy/precise baseline re-encodes the window from the job\'s preview playlist (HLS demuxer, output seek) with libx264 veryfast and AAC 128k.');
  if (clips) out.push('- Frame accuracy is read from the binary frame index burnt into every source frame (16 bars, white = 1), decoded from the clip with `-vsync 0`. Each asked instant is placed on the source\'s frame grid by the recorder\'s own clock (segment PROGRAM-DATE-TIME = T0 + the segment muxer\'s start; frame position = segment\'s first frame + elapsed × fps); a frame-exact cut is at the frame boundary nearest each instant, so the asked frames are round(start) .. round(end) − 1 and the error is the distance from those, in frames.');
  for (const f of report.figures.filter((x) => x.status === 'SKIP' || x.status === 'ERROR')) out.push(`- ${f.label}: ${f.note}`);
  out.push('');
  return out.join('\n');
}
