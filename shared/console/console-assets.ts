import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

export interface ConsoleAsset {
  type: string;
  body: string;
}

/** The console's files, by name under /console/. */
export type ConsoleAssets = Map<string, ConsoleAsset>;

export const CONSOLE_FILES: Record<string, string> = { 'index.html': 'text/html; charset=utf-8', 'app.js': 'text/javascript; charset=utf-8', 'app.css': 'text/css; charset=utf-8' };

/**
 * Build the console from source (console/): index.html and app.css as they are, console/src/main.ts
 * bundled with hls.js from node_modules into one app.js. Nothing is fetched from a CDN.
 */
export async function buildConsoleAssets(root: string): Promise<ConsoleAssets> {
  // A computed name, so function bundles never inline esbuild (they ship prebuilt files instead).
  const esbuildName = 'esbuild';
  const { build } = (await import(esbuildName)) as typeof import('esbuild');
  const out = await build({
    absWorkingDir: root,
    entryPoints: [path.join(root, 'console', 'src', 'main.ts')],
    bundle: true, write: false, format: 'esm', platform: 'browser', target: 'es2022', minify: true,
    legalComments: 'none', logLevel: 'silent',
  });
  const js = out.outputFiles[0]?.text;
  if (!js) throw new Error('console build produced no output');
  const assets: ConsoleAssets = new Map();
  for (const name of ['index.html', 'app.css']) assets.set(name, { type: CONSOLE_FILES[name]!, body: await readFile(path.join(root, 'console', name), 'utf8') });
  assets.set('app.js', { type: CONSOLE_FILES['app.js']!, body: js });
  return assets;
}

async function readBuilt(dir: string): Promise<ConsoleAssets> {
  const assets: ConsoleAssets = new Map();
  for (const [name, type] of Object.entries(CONSOLE_FILES)) assets.set(name, { type, body: await readFile(path.join(dir, name), 'utf8') });
  return assets;
}

let cached: Promise<ConsoleAssets> | undefined;

/**
 * Where the console comes from: HL_CONSOLE_DIR, or a `console/` folder beside the running bundle
 * (`npm run package` puts one in the api function), else built from source on first use.
 */
export function loadConsoleAssets(env: NodeJS.ProcessEnv = process.env): Promise<ConsoleAssets> {
  cached ??= (async () => {
    const here = import.meta.dirname;
    const prebuilt = [env.HL_CONSOLE_DIR, path.join(here, 'console')].filter((d): d is string => Boolean(d));
    for (const dir of prebuilt) if (existsSync(path.join(dir, 'app.js'))) return readBuilt(dir);
    return buildConsoleAssets(path.resolve(here, '..', '..'));
  })();
  cached.catch(() => { cached = undefined; });
  return cached;
}
