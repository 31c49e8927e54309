import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * The signing secret for a local run: HL_SECRET when set, else <dataDir>/.secret, created on
 * first use (mode 600). The CLI and the demo read the same file, so they sign without setup.
 */
export async function localSecret(dataDir: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  if (env.HL_SECRET) return env.HL_SECRET;
  const file = path.join(dataDir, '.secret');
  try {
    const s = (await readFile(file, 'utf8')).trim();
    if (s) return s;
  } catch {
    // first run
  }
  await mkdir(dataDir, { recursive: true });
  const secret = randomBytes(32).toString('hex');
  await writeFile(file, secret + '\n', { mode: 0o600, flag: 'wx' }).catch(async () => undefined);
  return (await readFile(file, 'utf8')).trim();
}
