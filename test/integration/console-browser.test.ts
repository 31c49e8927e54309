import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { consoleLoginToken, issueSession, SESSION_COOKIE } from '../../shared/console/console-session.ts';
import { launchChromium } from '../helpers/browser.ts';
import { startTestRuntime, waitFor, type TestRuntime } from '../helpers/test-runtime.ts';

/**
 * The console in a real headless Chromium: log in with the printed token, watch a recording's
 * live player advance, press "Clip last 30 s", see the card reach done, play the MP4 in the page.
 * Every request the page makes must stay on loopback. Screenshots go to HL_SCREENSHOT_DIR
 * (docs/screenshots when refreshing the README's pictures) or a temp folder.
 */
const STREAM = 'arena-1';
const SEGMENT_SEC = 2;
const shots = process.env.HL_SCREENSHOT_DIR ? path.resolve(process.env.HL_SCREENSHOT_DIR) : path.join(os.tmpdir(), `hl-console-shots-${process.pid}`);
let t: TestRuntime;
let browser: Browser;
const offLoopback: string[] = [];

before(async () => {
  await mkdir(shots, { recursive: true });
  t = await startTestRuntime({ postRollWaitSec: 10 });
  await t.client.request('POST', '/v1/streams', {
    id: STREAM, source: { type: 'testsrc', width: 640, height: 360, fps: 25 }, segmentSec: SEGMENT_SEC, retentionSec: 300,
  });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await t?.close();
});

async function newPage(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  // Only loopback: anything else (a CDN, a font, telemetry) is recorded and refused.
  await context.route('**/*', (route) => {
    const u = new URL(route.request().url());
    if (u.hostname === '127.0.0.1' || u.protocol === 'blob:' || u.protocol === 'data:') return route.continue();
    offLoopback.push(u.href);
    return route.abort();
  });
  return context.newPage();
}

async function screenshot(page: Page, name: string, fullPage = false): Promise<void> {
  const file = path.join(shots, `${name}.png`);
  await page.screenshot({ path: file, fullPage });
  const png = await readFile(file);
  assert.equal(png.subarray(1, 4).toString(), 'PNG', `${file} is a PNG`);
  assert.ok(png.length > 10_000, `${file} has a picture in it (${png.length} bytes)`);
}

test('watch, clip the last 30 s, and play the MP4 in the console', { timeout: 150_000 }, async () => {
  const page = await newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  const started = Date.now();

  // The login link npm start prints: the token logs in and leaves the address bar.
  await page.goto(`${t.rt.url}/console/#token=${consoleLoginToken(t.rt.config.secret)}`);
  await page.locator(`#streams tr[data-stream="${STREAM}"]`).waitFor({ timeout: 20_000 });
  assert.ok(!page.url().includes('token='), 'the token is gone from the address bar');
  const cookie = (await page.context().cookies()).find((c) => c.name === SESSION_COOKIE);
  assert.ok(cookie, 'a session cookie was set');
  assert.equal(cookie.httpOnly, true);
  assert.equal(cookie.sameSite, 'Strict');
  assert.equal(cookie.path, '/console', 'scoped to the console (the folder of the login URL)');
  assert.equal(await page.evaluate(() => document.cookie), '', 'the page cannot read the session');

  // The live player advances.
  await page.click(`#streams a[href="#/stream/${STREAM}"]`);
  const video = page.locator('#live');
  await video.waitFor();
  await page.waitForFunction(() => (document.getElementById('live') as HTMLVideoElement).currentTime > 0, undefined, { timeout: 30_000 });
  const t0 = await video.evaluate((v: HTMLVideoElement) => v.currentTime);
  await page.waitForTimeout(3000);
  const t1 = await video.evaluate((v: HTMLVideoElement) => v.currentTime);
  assert.ok(t1 - t0 > 1.5, `the live player advanced ${(t1 - t0).toFixed(2)} s in 3 s (from ${t0.toFixed(2)})`);
  const seekable = await video.evaluate((v: HTMLVideoElement) => (v.seekable.length ? v.seekable.end(0) - v.seekable.start(0) : 0));
  assert.ok(seekable > 2, `the player can seek back through the recorded window (${seekable.toFixed(1)} s seekable)`);

  // 30 s must be recorded before "the last 30 s" exists.
  await waitFor('31 s recorded', async () => {
    const { body } = await t.client.request('GET', `/v1/streams/${STREAM}`);
    return body.available && (Date.parse(body.available.end) - Date.parse(body.available.start)) / 1000 >= 31;
  }, 60_000, 500);
  await page.locator('#recorded').filter({ hasText: /^3\d/ }).waitFor({ timeout: 10_000 });
  await screenshot(page, 'console-stream');

  await page.click('#clip-30');
  const card = page.locator('#gallery .card').first();
  await card.waitFor({ timeout: 10_000 });
  await page.locator('#gallery .card[data-status="succeeded"]').first().waitFor({ timeout: 60_000 });
  const id = await card.getAttribute('data-id');
  assert.ok(id, 'the card names its clip');
  const { body: job } = await t.client.request('GET', `/v1/highlights/${id}`);
  assert.equal(job.status, 'succeeded');
  assert.equal(job.requested.before, 30);

  // Play the MP4 inline.
  await card.locator('button.play').click();
  const clipVideo = card.locator('video.clip-video');
  await clipVideo.waitFor();
  await page.waitForFunction((sel) => (document.querySelector(sel) as HTMLVideoElement | null)?.readyState! >= 2, '#gallery .card video.clip-video', { timeout: 20_000 });
  const played = await clipVideo.evaluate((v: HTMLVideoElement) => ({ readyState: v.readyState, duration: v.duration, src: v.currentSrc, error: v.error?.message }));
  assert.ok(played.readyState >= 2, `readyState ${played.readyState}`);
  assert.ok(Math.abs(played.duration - 30) <= SEGMENT_SEC, `the MP4 plays ${played.duration.toFixed(2)} s, within a segment of 30 s`);
  assert.ok(played.src.startsWith(t.rt.url), `the MP4 comes from this server (${played.src})`);
  await card.locator('a.download').waitFor();
  assert.equal(await card.locator('a.download').getAttribute('href'), job.result.url);
  // Copy link puts the MP4's absolute URL on the clipboard.
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: t.rt.url });
  await card.locator('button.copy').click();
  await page.locator('#toast', { hasText: 'Link copied' }).waitFor();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), job.result.url);
  await screenshot(page, 'console-clip-played', true);

  // The clip dialog: a vertical transcode of the last 6 s.
  await page.click('#clip-custom');
  const dialog = page.locator('#clip-dialog');
  await dialog.waitFor();
  await dialog.locator('input[name=before]').fill('6');
  await dialog.locator('input[name=after]').fill('0');
  await dialog.locator('select[name=mode]').selectOption('transcode');
  await dialog.locator('select[name=profile]').selectOption('vertical');
  assert.equal(await dialog.locator('select[name=fit]').isDisabled(), false, 'fit is offered for vertical');
  await dialog.locator('button[type=submit]').click();
  await dialog.waitFor({ state: 'detached' });
  await page.locator('#gallery .card').nth(1).waitFor();
  const vertical = page.locator('#gallery .card').first();
  const verticalId = await vertical.getAttribute('data-id');
  assert.notEqual(verticalId, id, 'the newest clip comes first');
  await page.locator(`#gallery .card[data-id="${verticalId}"][data-status="succeeded"]`).waitFor({ timeout: 60_000 });
  const { body: vjob } = await t.client.request('GET', `/v1/highlights/${verticalId}`);
  assert.equal(vjob.transcode.profile, 'vertical');
  assert.ok(vjob.result.height > vjob.result.width, `vertical: ${vjob.result.width}x${vjob.result.height}`);

  // The gallery and the rooms page.
  await t.client.request('PUT', '/v1/rooms/lobby-7/users/alice', { url: 'rtmp://127.0.0.1:1935/live/alice' });
  await page.goto(`${t.rt.url}/console/#/clips`);
  await page.locator('#gallery .card[data-status="succeeded"] img').first().waitFor();
  await page.waitForFunction(() => [...document.querySelectorAll<HTMLImageElement>('#gallery img')].every((i) => i.complete && i.naturalWidth > 0));
  await screenshot(page, 'console-clips');
  await page.goto(`${t.rt.url}/console/#/room/lobby-7`);
  await page.getByRole('cell', { name: 'alice', exact: true }).waitFor();
  // Start a targeted single-stream recording from the form, see it listed, stop it from its row.
  await page.selectOption('#start-recording select[name=mode]', 'single');
  await page.fill('#start-recording input[name=userIds]', 'alice');
  await page.click('#start-recording button[type=submit]');
  const row = page.locator('#room-recordings tr[data-recording]').first();
  await row.waitFor({ timeout: 10_000 });
  assert.match(await row.innerText(), /single · av[\s\S]*users alice/);
  const recId = await row.getAttribute('data-recording');
  await screenshot(page, 'console-room');
  await row.locator('button.danger').click();
  await waitFor('the recording to stop', async () => {
    const r = (await t.client.request('GET', `/v1/rooms/lobby-7/recordings/${recId}`)).body;
    return r.state !== 'recording';
  }, 20_000, 300);
  await page.locator(`#room-recordings tr[data-recording="${recId}"] .badge`, { hasText: /stopping|stopped/ }).first().waitFor({ timeout: 10_000 });

  assert.deepEqual(offLoopback, [], 'the console asked for nothing beyond loopback');
  assert.deepEqual(pageErrors, [], 'no script errors in the page');
  console.log(`# console browser test: login → clip played in ${((Date.now() - started) / 1000).toFixed(1)} s (includes 31 s of recording)`);
  await page.context().close();
});

test('an expired session gets the login form, and logging in again continues', { timeout: 60_000 }, async () => {
  const page = await newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  const expired = issueSession(t.rt.config.secret, 60, Date.now() - 3600_000);
  await page.context().addCookies([{ name: SESSION_COOKIE, value: expired.value, domain: '127.0.0.1', path: '/console', httpOnly: true, sameSite: 'Strict' }]);
  await page.goto(`${t.rt.url}/console/#/clips`);
  await page.locator('#login').waitFor({ timeout: 10_000 });
  assert.match(await page.locator('#login-reason').innerText(), /expired/);
  assert.equal(await page.locator('#gallery').count(), 0, 'no half-drawn page behind the form');
  assert.equal(await page.locator('#nav').isVisible(), false, 'no navigation until logged in');

  // A wrong token says so; the right one brings the page back.
  await page.fill('#login input[name=secret]', 'f'.repeat(32));
  await page.click('#login button[type=submit]');
  await page.locator('#login .error', { hasText: 'not accepted' }).waitFor();
  await page.fill('#login input[name=secret]', consoleLoginToken(t.rt.config.secret));
  await page.click('#login button[type=submit]');
  await page.locator('main h1', { hasText: 'Clips' }).waitFor({ timeout: 10_000 });
  await page.locator('#login').waitFor({ state: 'detached' });

  // A session that runs out while the page is open: the next refresh shows the form.
  await page.context().clearCookies();
  await page.context().addCookies([{ name: SESSION_COOKIE, value: expired.value, domain: '127.0.0.1', path: '/console', httpOnly: true, sameSite: 'Strict' }]);
  await page.locator('#login-reason', { hasText: 'expired' }).waitFor({ timeout: 10_000 });
  await screenshot(page, 'console-login-expired');
  assert.deepEqual(pageErrors, []);
  assert.deepEqual(offLoopback, []);
  await page.context().close();
});

test('behind a path prefix (API gateway\'s /release/), the console logs in and works', { timeout: 60_000 }, async () => {
  // A loopback proxy that strips /release, as API gateway's default address does before the function sees the path.
  const target = new URL(t.rt.url);
  const proxy = http.createServer((req, res) => {
    if (!req.url?.startsWith('/release/')) {
      res.writeHead(404).end('There is no api match uri');
      return;
    }
    const up = http.request({ host: target.hostname, port: target.port, path: req.url.slice('/release'.length), method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    req.pipe(up);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/release`;
  try {
    const page = await newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(`${base}/console#token=${consoleLoginToken(t.rt.config.secret)}`);
    await page.locator(`#streams tr[data-stream="${STREAM}"]`).waitFor({ timeout: 20_000 });
    assert.ok(page.url().startsWith(`${base}/console/`), `redirected to the folder (${page.url()})`);
    const cookie = (await page.context().cookies()).find((c) => c.name === SESSION_COOKIE);
    assert.equal(cookie?.path, '/release/console', 'the session is scoped under the prefix');
    await page.goto(`${base}/console/#/clips`);
    await page.locator('#gallery .card[data-status="succeeded"]').first().waitFor({ timeout: 10_000 });
    assert.deepEqual(pageErrors, []);
    await page.context().close();
  } finally {
    proxy.closeAllConnections();
    await new Promise((resolve) => proxy.close(resolve));
  }
});
