import path from 'node:path';
import { parseArgs } from 'node:util';
import { bar, createProgress } from '../cli/progress.ts';
import { formatLimitTable } from './limits.ts';
import { packageAll, PackagingError } from './package.ts';

/**
 * `npm run package [-- --no-layer] [--minify] [--sourcemap] [--out DIR] [--json]`: progress on
 * stderr; the size table (or with --json one JSON object) on stdout. Exit 1 when a check fails.
 */
const { values } = parseArgs({
  options: {
    out: { type: 'string' },
    'no-layer': { type: 'boolean', default: false },
    minify: { type: 'boolean', default: false },
    sourcemap: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
});

const progress = createProgress();
try {
  const r = await packageAll({
    outDir: values.out,
    layer: !values['no-layer'],
    minify: values.minify,
    sourcemap: values.sourcemap,
    onStep: (done, total, what) => progress.update(`packaging ${bar(done, total)} ${what}`),
  });
  progress.done();
  const rel = (p: string) => path.relative(process.cwd(), p) || '.';
  if (values.json) {
    console.log(JSON.stringify({
      ok: true, ms: r.ms, outDir: r.outDir, deployDir: r.deployDir,
      functions: r.functions.map((f) => ({ name: f.name, zip: f.zip.file, zipBytes: f.zip.zipBytes, unpackedBytes: f.zip.unpackedBytes })),
      layer: r.layer ? { zip: r.layer.file, zipBytes: r.layer.zipBytes, unpackedBytes: r.layer.unpackedBytes } : null,
      limits: { maxTotalUnpackedBytes: r.limits.maxTotalUnpackedBytes, maxLayers: r.limits.maxLayers },
    }));
  } else {
    console.log(formatLimitTable(r.limits));
    if (!r.layer) console.log('(ffmpeg layer not built: --no-layer)');
    console.log(`\nmanifest: ${r.manifest.functions.length} functions, ${r.manifest.triggers.length} triggers; every handler resolves to an exported function`);
    console.log(`wrote ${[...r.functions.map((f) => rel(f.zip.file)), ...(r.layer ? [rel(r.layer.file)] : [])].join(', ')} and ${rel(r.deployDir)}/ in ${(r.ms / 1000).toFixed(1)} s`);
  }
} catch (err) {
  progress.done();
  const problems = err instanceof PackagingError ? err.problems : [String((err as Error).message ?? err)];
  if (values.json) console.log(JSON.stringify({ ok: false, problems }));
  console.error(err instanceof PackagingError ? err.message : err);
  process.exitCode = 1;
}
