import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { buildConsoleAssets } from '../shared/console/console-assets.ts';
import { bundleFunction, type BundleResult } from './bundle.ts';
import { assertLinuxX64, buildFfmpegLayer, npmFfmpegBinaries, type LayerBinaries } from './ffmpeg-layer.ts';
import { checkLimits, formatBytes, type LimitReport } from './limits.ts';
import { loadManifest } from '../local/serverless-manifest.ts';
import { writeDeployFolder } from './deploy-folder.ts';
import { checkManifest, type ManifestCheck } from './manifest-check.ts';
import { writeZip, type ZipSummary } from './zip.ts';

export const REPO_ROOT = path.resolve(import.meta.dirname, '..');
export const LAYER_NAME = 'ffmpeg-layer';

export interface PackageOptions {
  /** Default: this repository. */
  root?: string;
  /** Default <root>/dist. */
  outDir?: string;
  /** Default <root>/serverless.yml. */
  manifestFile?: string;
  /**
   * true (default): build <outDir>/ffmpeg-layer.zip from the npm static builds; false: skip it;
   * or the binaries to put in it (checked as given, without the linux x86-64 check).
   */
  layer?: boolean | LayerBinaries;
  minify?: boolean;
  sourcemap?: boolean;
  log?: (line: string) => void;
  /** Progress: steps finished of all (bundles, console, zips, layer, checks, deploy folder). */
  onStep?: (done: number, total: number, what: string) => void;
}

export interface PackagedFunction {
  name: string;
  bundle: BundleResult;
  zip: ZipSummary;
}

export interface PackageResult {
  outDir: string;
  functions: PackagedFunction[];
  layer?: ZipSummary;
  manifest: ManifestCheck;
  limits: LimitReport;
  /** <outDir>/sls: the bundles as <function>.js and the deploy manifest for `sls deploy`. */
  deployDir: string;
  ms: number;
}

export class PackagingError extends Error {
  constructor(readonly problems: string[]) {
    super(`packaging failed:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'PackagingError';
  }
}

async function layerBinaries(opt: PackageOptions['layer']): Promise<LayerBinaries | undefined> {
  if (opt === false) return undefined;
  if (opt && opt !== true) return opt;
  const bins = npmFfmpegBinaries();
  await Promise.all([assertLinuxX64(bins.ffmpeg), assertLinuxX64(bins.ffprobe)]);
  return bins;
}

/**
 * Bundle every function in serverless.yml into <outDir>/<name>/index.js (CJS, deps inlined),
 * zip each to <outDir>/<name>.zip, build the ffmpeg layer, then check the manifest against the
 * bundles and the sizes against SCF's limits. Throws PackagingError listing every problem.
 */
export async function packageAll(opts: PackageOptions = {}): Promise<PackageResult> {
  const started = Date.now();
  const root = path.resolve(opts.root ?? REPO_ROOT);
  const outDir = path.resolve(opts.outDir ?? path.join(root, 'dist'));
  const log = opts.log ?? (() => {});
  const pre = await checkManifest({ root, manifestFile: opts.manifestFile });
  if (pre.problems.length) throw new PackagingError(pre.problems.map((p) => `${path.basename(pre.manifestFile)}: ${p}`));
  await mkdir(outDir, { recursive: true });

  let stepsDone = 0;
  const stepsTotal = pre.functions.length * 2 + 1 + (opts.layer === false ? 0 : 1) + 2;
  const step = (what: string) => opts.onStep?.(++stepsDone, stepsTotal, what);
  const bins = await layerBinaries(opts.layer);
  const layerFile = path.join(outDir, `${LAYER_NAME}.zip`);
  const layerZip = bins ? buildFfmpegLayer(layerFile, bins).then((z) => { step('ffmpeg layer'); return z; }) : undefined;
  layerZip?.catch(() => {}); // awaited below; avoid an unhandled rejection while bundling fails

  const bundles = await Promise.all(pre.functions.map(async (f) => {
    try {
      const b = await bundleFunction(f.name, { root, outDir, minify: opts.minify, sourcemap: opts.sourcemap });
      step(`bundled ${f.name}`);
      return b;
    } catch (err) {
      throw new PackagingError([`bundle ${f.name}: ${(err as Error).message}`]);
    }
  }));
  for (const b of bundles) log(`bundled ${b.name}: ${formatBytes(b.bytes)}, ${b.packages.length} npm packages inlined`);

  // The web console rides with the HTTP function: prebuilt files in <bundle>/console/ (console-assets.ts reads them there).
  const httpFunctions = new Set(pre.triggers.filter((t) => t.type === 'apigw').map((t) => t.function));
  const consoleAssets = httpFunctions.size ? await buildConsoleAssets(root) : undefined;
  for (const b of bundles.filter((x) => httpFunctions.has(x.name))) {
    await mkdir(path.join(outDir, b.name, 'console'), { recursive: true });
    for (const [name, asset] of consoleAssets ?? []) {
      await writeFile(path.join(outDir, b.name, 'console', name), asset.body);
      b.files.push(`console/${name}`);
    }
    log(`console files added to ${b.name}: ${[...(consoleAssets?.keys() ?? [])].join(', ')}`);
  }
  step('console');

  const [manifest, functions, layer] = await Promise.all([
    checkManifest({ root, manifestFile: opts.manifestFile, outDir }),
    Promise.all(bundles.map(async (bundle) => {
      const zip = await writeZip(path.join(outDir, `${bundle.name}.zip`), bundle.files.map((f) => ({ name: f, file: path.join(outDir, bundle.name, f) })));
      step(`zipped ${bundle.name}`);
      return { name: bundle.name, bundle, zip };
    })),
    layerZip,
  ]);

  const layerCount = (declared: string[]) => declared.length + (declared.some((n) => /ffmpeg/i.test(n)) ? 0 : 1);
  const limits = checkLimits(
    functions.map((f) => ({ name: f.name, zip: f.zip, layerCount: layerCount(manifest.functions.find((m) => m.name === f.name)?.layers ?? []) })),
    layer ? [{ name: LAYER_NAME, zip: layer }] : [],
  );
  const problems = [...manifest.problems.map((p) => `${path.basename(manifest.manifestFile)}: ${p}`), ...limits.problems];
  if (problems.length) throw new PackagingError(problems);
  step('manifest and size checks');
  const deployDir = await writeDeployFolder(outDir, await loadManifest(manifest.manifestFile));
  step('deploy folder');
  log(`deploy folder for sls: ${deployDir}`);
  return { outDir, functions, layer, manifest, limits, deployDir, ms: Date.now() - started };
}
