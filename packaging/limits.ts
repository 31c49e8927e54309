import type { ZipSummary } from './zip.ts';

const MiB = 1024 * 1024;

/** SCF limits (shared/REFERENCE.md §1; cloud.tencent.com/document/product/583/11637). */
export const SCF_LIMITS = {
  /** Function code plus all its layers, unpacked. */
  unpackedBytes: 500 * MiB,
  /** A zip uploaded directly (console / API); anything bigger goes through a COS bucket. */
  directUploadZipBytes: 50 * MiB,
  layersPerFunction: 5,
};

export interface LimitRow {
  name: string;
  kind: 'function' | 'layer';
  zipBytes: number;
  unpackedBytes: number;
  upload: 'direct' | 'via COS';
}

export interface LimitReport {
  rows: LimitRow[];
  problems: string[];
  /** Largest function code + layers, unpacked. */
  maxTotalUnpackedBytes: number;
  maxLayers: number;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < MiB) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / MiB).toFixed(1)} MiB`;
}

/**
 * Check every function's zip, with the layers bound to it, against SCF's limits. `layerCount`
 * is the number of layers each function binds (the ffmpeg layer plus any declared in the manifest).
 */
export function checkLimits(functions: { name: string; zip: ZipSummary; layerCount: number }[], layers: { name: string; zip: ZipSummary }[]): LimitReport {
  const upload = (z: ZipSummary): LimitRow['upload'] => (z.zipBytes <= SCF_LIMITS.directUploadZipBytes ? 'direct' : 'via COS');
  const rows: LimitRow[] = [
    ...functions.map((f) => ({ name: f.name, kind: 'function' as const, zipBytes: f.zip.zipBytes, unpackedBytes: f.zip.unpackedBytes, upload: upload(f.zip) })),
    ...layers.map((l) => ({ name: l.name, kind: 'layer' as const, zipBytes: l.zip.zipBytes, unpackedBytes: l.zip.unpackedBytes, upload: upload(l.zip) })),
  ];
  const layerBytes = layers.reduce((s, l) => s + l.zip.unpackedBytes, 0);
  const problems: string[] = [];
  let maxTotalUnpackedBytes = 0;
  let maxLayers = 0;
  for (const f of functions) {
    const total = f.zip.unpackedBytes + layerBytes;
    maxTotalUnpackedBytes = Math.max(maxTotalUnpackedBytes, total);
    maxLayers = Math.max(maxLayers, f.layerCount);
    if (total > SCF_LIMITS.unpackedBytes) {
      problems.push(`${f.name}: code + layers unpack to ${formatBytes(total)}, over SCF's ${formatBytes(SCF_LIMITS.unpackedBytes)} limit`);
    }
    if (f.layerCount > SCF_LIMITS.layersPerFunction) {
      problems.push(`${f.name}: binds ${f.layerCount} layers, over SCF's limit of ${SCF_LIMITS.layersPerFunction}`);
    }
  }
  return { rows, problems, maxTotalUnpackedBytes, maxLayers };
}

export function formatLimitTable(report: LimitReport): string {
  const head = ['artifact', 'zip', 'unpacked', 'upload'];
  const body = report.rows.map((r) => [
    r.kind === 'layer' ? `${r.name} (layer)` : r.name,
    formatBytes(r.zipBytes),
    formatBytes(r.unpackedBytes),
    r.upload === 'direct' ? `direct (≤ ${formatBytes(SCF_LIMITS.directUploadZipBytes)})` : `via COS (over the ${formatBytes(SCF_LIMITS.directUploadZipBytes)} direct-upload limit)`,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 1 || i === 2 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [
    line(head),
    line(widths.map((w) => '-'.repeat(w))),
    ...body.map(line),
    `largest function + layers unpacked: ${formatBytes(report.maxTotalUnpackedBytes)} of ${formatBytes(SCF_LIMITS.unpackedBytes)}; layers per function: ${report.maxLayers} of ${SCF_LIMITS.layersPerFunction}`,
  ].join('\n');
}
