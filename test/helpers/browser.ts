import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's chromium (installed by scripts/ensure-browser.ts: `npm test` runs it first), or HL_CHROMIUM_PATH. */
export function chromiumPath(): string {
  const candidates = [process.env.HL_CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter((p): p is string => Boolean(p));
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`no Chromium found (looked at ${candidates.join(', ')}): run "npm run ensure-browser" (apt-get install chromium) or set HL_CHROMIUM_PATH`);
  return found;
}

/**
 * Headless Chromium with nothing of its own on the network: no background services, component
 * updates, sync or QUIC (this machine's network is closed; the flags keep it quiet).
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage', '--autoplay-policy=no-user-gesture-required'],
  });
}
