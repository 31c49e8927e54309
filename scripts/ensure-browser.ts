import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * The browser tests need Chromium. On a fresh Debian machine (running as root) this installs
 * Debian's `chromium` package with apt-get; elsewhere it says what to do. Nothing is downloaded
 * from anywhere but Debian's package archive.
 */
const candidates = [process.env.HL_CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter((p): p is string => Boolean(p));
const found = candidates.find((p) => existsSync(p));

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')} exited with ${code}`))));
  });
}

if (found) {
  console.log(`browser: ${found}`);
} else if (process.platform === 'linux' && process.getuid?.() === 0 && existsSync('/usr/bin/apt-get')) {
  console.log('browser: no Chromium yet; installing Debian\'s chromium package (apt-get, about a minute)…');
  try {
    await run('apt-get', ['update', '-qq']);
    await run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'chromium']);
    console.log('browser: installed /usr/bin/chromium');
  } catch (err) {
    console.error(`browser: apt-get could not install chromium: ${(err as Error).message}`);
    process.exit(1);
  }
} else {
  console.error('browser: no Chromium found and cannot install it here (needs root on Debian with apt-get).');
  console.error('  install it: sudo apt-get install chromium   or point HL_CHROMIUM_PATH at a Chromium/Chrome binary');
  process.exit(1);
}
