import path from 'node:path';
import { parseArgs } from 'node:util';
import { formatLimitTable } from './limits.ts';
import { packageAll, PackagingError } from './package.ts';

const { values } = parseArgs({
  options: {
    out: { type: 'string' },
    'no-layer': { type: 'boolean', default: false },
    minify: { type: 'boolean', default: false },
    sourcemap: { type: 'boolean', default: false },
  },
});

try {
  const r = await packageAll({
    outDir: values.out,
    layer: !values['no-layer'],
    minify: values.minify,
    sourcemap: values.sourcemap,
    log: (line) => console.log(line),
  });
  const rel = (p: string) => path.relative(process.cwd(), p) || '.';
  console.log(`\n${formatLimitTable(r.limits)}`);
  if (!r.layer) console.log('(ffmpeg layer not built: --no-layer)');
  console.log(`\nmanifest: ${r.manifest.functions.length} functions, ${r.manifest.triggers.length} triggers; every handler resolves to an exported function`);
  console.log(`wrote ${[...r.functions.map((f) => rel(f.zip.file)), ...(r.layer ? [rel(r.layer.file)] : [])].join(', ')} in ${(r.ms / 1000).toFixed(1)} s`);
} catch (err) {
  console.error(err instanceof PackagingError ? err.message : err);
  process.exitCode = 1;
}
