import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { build } from 'esbuild';

/** Packages never bundled: their static ffmpeg builds come from the layer (/opt/bin) in SCF. */
export const EXTERNAL = ['@ffmpeg-installer/*', '@ffprobe-installer/*'];

/**
 * CommonJS has no import.meta (esbuild leaves it `{}`), so its fields are rewritten to the
 * bundle's own location: `import.meta.url` to a banner variable, dirname/filename to the CJS
 * globals. Anything else read from import.meta is refused after the build.
 */
const META_URL = '__hl_import_meta_url';
// "use strict" first: a banner statement ahead of esbuild's own directive would void it.
const BANNER = `"use strict";\nvar ${META_URL} = require("url").pathToFileURL(__filename).href;`;
/**
 * Marks the folder CommonJS. SCF has no package.json above /var/user, but anywhere under this
 * repository (type: module) Node would load index.js as ESM and see no exports.
 */
const PACKAGE_JSON = '{ "type": "commonjs" }\n';

export interface BundleOptions {
  root: string;
  outDir: string;
  minify?: boolean;
  sourcemap?: boolean;
}

export interface BundleResult {
  name: string;
  /** dist/<name>/index.js */
  file: string;
  bytes: number;
  /** Files put in the archive: index.js, package.json (and index.js.map with sourcemap). */
  files: string[];
  /** npm packages inlined into the bundle. */
  packages: string[];
}

/** Bundle functions/<name>/index.ts with every npm dependency into one CJS file SCF can `require`. */
export function bundleFunction(name: string, opts: BundleOptions): Promise<BundleResult> {
  return bundleEntry(name, path.join(opts.root, 'functions', name, 'index.ts'), path.join(opts.outDir, name), opts);
}

/** Bundle `entry` into <dir>/index.js (+ package.json) with the functions' settings; `dir` is emptied first. */
export async function bundleEntry(name: string, entry: string, dir: string, opts: Omit<BundleOptions, 'outDir'>): Promise<BundleResult> {
  await rm(dir, { recursive: true, force: true });
  const file = path.join(dir, 'index.js');
  const result = await build({
    absWorkingDir: opts.root,
    entryPoints: [entry],
    outfile: file,
    bundle: true,
    platform: 'node',
    target: 'node18',
    // SCF's Node loader require()s index.js and reads exports.main_handler. A top-level await
    // anywhere in the import graph fails this build ("not supported with the cjs output format").
    format: 'cjs',
    external: EXTERNAL,
    define: {
      'import.meta.url': META_URL,
      'import.meta.dirname': '__dirname',
      'import.meta.filename': '__filename',
    },
    banner: { js: BANNER },
    minify: opts.minify ?? false,
    sourcemap: opts.sourcemap ? 'linked' : false,
    legalComments: 'none',
    metafile: true,
    logLevel: 'silent',
  });
  await writeFile(path.join(dir, 'package.json'), PACKAGE_JSON);
  const code = await readFile(file, 'utf8');
  // esbuild's stand-in for an unsupported import.meta in CJS output.
  if (/\bimport_meta\d*\b/.test(code)) {
    throw new Error(`${name}: the bundle reads an import.meta field other than url/dirname/filename, which is empty in CommonJS`);
  }
  const inputs = Object.keys(result.metafile.inputs);
  const packages = [...new Set(inputs.flatMap((i) => {
    const m = [...i.matchAll(/node_modules\/((?:@[^/]+\/)?[^/]+)/g)].at(-1); // innermost package
    return m?.[1] ? [m[1]] : [];
  }))].sort();
  const leaked = packages.filter((p) => p.startsWith('@ffmpeg-installer/') || p.startsWith('@ffprobe-installer/'));
  if (leaked.length) throw new Error(`${name}: ${leaked.join(', ')} got bundled; the ffmpeg layer provides these binaries`);
  return {
    name,
    file,
    bytes: Buffer.byteLength(code),
    files: ['index.js', 'package.json', ...(opts.sourcemap ? ['index.js.map'] : [])],
    packages,
  };
}
