import { execFile } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';

export interface ManifestCheckOptions {
  /** Repository root: functions/<name>/index.ts live under it. */
  root: string;
  /** Default <root>/serverless.yml. */
  manifestFile?: string;
  /** When given, each handler must resolve to an exported function of <outDir>/<name>/index.js. */
  outDir?: string;
}

export interface CheckedFunction {
  name: string;
  handler: string;
  /** Layer names declared for it in the manifest (the ffmpeg layer comes on top, unless declared). */
  layers: string[];
}

export interface ManifestCheck {
  manifestFile: string;
  functions: CheckedFunction[];
  triggers: { type: string; function: string }[];
  problems: string[];
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const real = (p: string) => (existsSync(p) ? realpathSync(p) : path.resolve(p));

/** multi-scf accepts `functions` as a map keyed by name or as an array of {name, …}. */
function functionEntries(fns: unknown): [string, Obj][] | undefined {
  if (Array.isArray(fns)) return fns.map((f, i) => [isObj(f) && typeof f.name === 'string' ? f.name : `#${i}`, isObj(f) ? f : {}]);
  if (isObj(fns)) return Object.entries(fns).map(([k, f]) => [k, isObj(f) ? f : {}]);
  return undefined;
}

function layerNames(v: unknown): string[] {
  return Array.isArray(v) ? v.map((l) => (isObj(l) ? String(l.name ?? '?') : String(l))) : [];
}

/**
 * The exported names and their typeof, from require()ing a bundle in a child process (its
 * top-level code runs there, not here). A bundle whose import keeps the process alive (a server,
 * an interval) times out and is reported.
 */
export function bundleExports(file: string, timeoutMs = 15_000): Promise<Record<string, string>> {
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_PATH: '', NODE_OPTIONS: '' };
  delete env.NODE_TEST_CONTEXT;
  const script = 'const m = require(process.argv[1]); process.stdout.write(JSON.stringify(Object.fromEntries(Object.keys(m).map((k) => [k, typeof m[k]]))));';
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['-e', script, file], { cwd: path.dirname(file), env, timeout: timeoutMs, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) {
        const timedOut = err.killed || (err as { signal?: string }).signal === 'SIGTERM';
        reject(new Error(timedOut
          ? `require(${file}) did not return and exit within ${timeoutMs} ms: its top-level code keeps the process busy`
          : `require(${file}) failed: ${(stderr || err.message).trim().split('\n').slice(0, 6).join('\n')}`));
        return;
      }
      try { resolve(JSON.parse(stdout) as Record<string, string>); } catch { reject(new Error(`require(${file}) printed no export list`)); }
    });
  });
}

/**
 * Check serverless.yml against the repository (and the built bundles): every function's src is
 * functions/<name>, its handler is `index.<export>` and that export is a function in the bundle,
 * every trigger names a declared function, and every functions/<name>/index.ts is declared.
 * Collects all problems instead of stopping at the first.
 */
export async function checkManifest(opts: ManifestCheckOptions): Promise<ManifestCheck> {
  const manifestFile = path.resolve(opts.manifestFile ?? path.join(opts.root, 'serverless.yml'));
  const out: ManifestCheck = { manifestFile, functions: [], triggers: [], problems: [] };
  const problem = (msg: string) => out.problems.push(msg);
  let doc: unknown;
  try {
    doc = parse(await readFile(manifestFile, 'utf8'));
  } catch (err) {
    problem(`cannot read ${manifestFile}: ${(err as Error).message}`);
    return out;
  }
  const inputs = isObj(doc) ? doc.inputs : undefined;
  if (!isObj(inputs)) { problem('no inputs section'); return out; }
  const entries = functionEntries(inputs.functions);
  if (!entries?.length) { problem('inputs.functions is missing or empty'); return out; }

  const base = path.dirname(manifestFile);
  const fnRoot = path.join(opts.root, 'functions');
  for (const [name, f] of entries) {
    const where = `function ${name}`;
    const runtime = String(f.runtime ?? inputs.runtime ?? '');
    const major = /^Nodejs(\d+)\./.exec(runtime)?.[1];
    if (!major || Number(major) < 18) problem(`${where}: runtime ${JSON.stringify(runtime)} is not Nodejs18.15 or newer (the bundles target node18)`);
    const src = typeof f.src === 'string' ? f.src : typeof inputs.src === 'string' ? inputs.src : undefined;
    const want = path.join(fnRoot, name);
    if (!src) problem(`${where}: no src (expected ./functions/${name})`);
    else if (real(path.resolve(base, src)) !== real(want)) problem(`${where}: src ${src} is not functions/${name}`);
    if (!existsSync(path.join(want, 'index.ts'))) problem(`${where}: functions/${name}/index.ts does not exist`);
    const handler = typeof f.handler === 'string' ? f.handler : '';
    const m = /^index\.([A-Za-z_$][\w$]*)$/.exec(handler);
    if (!m) problem(`${where}: handler ${JSON.stringify(handler)} is not "index.<export>" (the bundle is index.js)`);
    out.functions.push({ name, handler, layers: layerNames(f.layers ?? inputs.layers) });
  }

  const names = new Set(entries.map(([n]) => n));
  const triggers = inputs.triggers ?? [];
  if (!Array.isArray(triggers)) problem('inputs.triggers is not a list');
  else {
    triggers.forEach((t, i) => {
      const type = isObj(t) ? String(t.type ?? '?') : '?';
      const fn = isObj(t) && typeof t.function === 'string' ? t.function : undefined;
      if (!fn) problem(`trigger #${i + 1} (${type}) names no function`);
      else if (!names.has(fn)) problem(`trigger #${i + 1} (${type}) references function "${fn}", which is not declared in inputs.functions`);
      out.triggers.push({ type, function: fn ?? '' });
    });
  }

  const dirs = existsSync(fnRoot) ? await readdir(fnRoot, { withFileTypes: true }) : [];
  for (const d of dirs) {
    if (d.isDirectory() && existsSync(path.join(fnRoot, d.name, 'index.ts')) && !names.has(d.name)) {
      problem(`functions/${d.name}/index.ts is not declared in ${path.basename(manifestFile)}`);
    }
  }

  if (opts.outDir) {
    const outDir = opts.outDir;
    await Promise.all(out.functions.map(async (f) => {
      const exportName = /^index\.(.+)$/.exec(f.handler)?.[1];
      if (!exportName) return;
      const file = path.join(outDir, f.name, 'index.js');
      if (!existsSync(file)) { problem(`function ${f.name}: no bundle at ${file}`); return; }
      try {
        const exports = await bundleExports(file);
        if (exports[exportName] !== 'function') {
          problem(`function ${f.name}: handler ${f.handler} does not resolve: ${f.name}/index.js exports ${exportName} as ${exports[exportName] ?? 'nothing'} (exports: ${Object.keys(exports).join(', ') || 'none'})`);
        }
      } catch (err) {
        problem(`function ${f.name}: ${(err as Error).message}`);
      }
    }));
  }
  return out;
}
