import { z } from 'zod';
import { signedHeaders } from '../auth/request-signature.ts';
import { AppError, toErrorBody } from '../domain/app-error.ts';
import type { HttpResponse } from '../http/http-response.ts';
import { parseJsonBody } from '../http/parse-json-body.ts';
import { routeRequest } from '../http/route-request.ts';
import type { Deps } from '../runtime/deps.ts';
import type { HttpRequest } from '../triggers/api-gateway-event.ts';
import { loadConsoleAssets } from './console-assets.ts';
import { checkLogin, issueSession, readCookies, SESSION_COOKIE, sessionCookie, verifySessions } from './console-session.ts';


/** No inline script or style, nothing from elsewhere but media (COS-presigned URLs in the cloud). */
const CSP = [
  "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data: blob: https:",
  "media-src 'self' blob: https:", "connect-src 'self' https:", "worker-src 'self' blob:",
  "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "form-action 'self'",
].join('; ');
const SECURITY = { 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer', 'x-frame-options': 'DENY' };

const json = (status: number, value: unknown, headers: Record<string, string> = {}): HttpResponse => ({
  status, headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...SECURITY, ...headers }, body: JSON.stringify(value),
});
const fail = (err: unknown, headers: Record<string, string> = {}): HttpResponse => {
  const status = err instanceof AppError ? err.status : 500;
  return json(status, { error: toErrorBody(err) }, headers);
};

const loginSchema = z.union([
  z.object({ token: z.string().min(1).max(256) }).strict(),
  z.object({ password: z.string().min(1).max(256) }).strict(),
]);

/** Failed logins per client address in the last minute: a cheap brake on guessing a password. */
const failures = new Map<string, number[]>();
function tooManyFailures(ip: string, now: number): boolean {
  const recent = (failures.get(ip) ?? []).filter((t) => now - t < 60_000);
  failures.set(ip, recent);
  if (failures.size > 10_000) failures.clear();
  return recent.length >= 10;
}

/** The host of an Origin header; "null" (sandboxed frames, some redirects) and junk have none. No URL.canParse: SCF runs Node 18.15. */
function originHost(origin: string): string | undefined {
  try {
    return new URL(origin).host;
  } catch {
    return undefined;
  }
}

/**
 * State-changing console calls must come from the console's own page: SameSite=Strict keeps the
 * cookie off cross-site requests, and the custom header plus a JSON body cannot be sent
 * cross-origin without a CORS preflight this server never grants.
 */
function checkCsrf(req: HttpRequest): void {
  if (req.method === 'GET' || req.method === 'HEAD') return;
  if (req.headers['x-hl-console'] !== '1') throw new AppError('CSRF_REJECTED', 'console calls need the x-hl-console: 1 header (sent by the console page)');
  const site = req.headers['sec-fetch-site'];
  if (site && site !== 'same-origin') throw new AppError('CSRF_REJECTED', `cross-site console call refused (sec-fetch-site: ${site})`);
  const origin = req.headers.origin;
  const host = req.headers.host;
  if (origin && host && originHost(origin) !== host) throw new AppError('CSRF_REJECTED', `origin ${origin} is not this console's`);
  if (req.body && !/^application\/json\b/.test(req.headers['content-type'] ?? '')) throw new AppError('CSRF_REJECTED', 'console calls send application/json');
}

function session(req: HttpRequest, d: Deps) {
  return verifySessions(d.config.secret, readCookies(req.headers.cookie, SESSION_COOKIE));
}

function requireSession(req: HttpRequest, d: Deps): void {
  const s = session(req, d);
  if (s.ok) return;
  if (s.reason === 'expired') throw new AppError('SESSION_EXPIRED', 'your console session has expired; log in again');
  throw new AppError('SESSION_REQUIRED', 'log in to the console first');
}

/**
 * The web console under /console: its files (public: they hold no secret), the session
 * (POST login with the printed token or HL_CONSOLE_PASSWORD, GET check, DELETE logout) and
 * /console/api/v1/…, which checks the session cookie and forwards the call to the API signed
 * server-side with the webhook secret.
 */
export async function routeConsole(req: HttpRequest, d: Deps): Promise<HttpResponse> {
  try {
    const sub = req.path.slice('/console'.length);
    // Relative, so it also lands right under an API gateway's /release/ prefix.
    if (sub === '') return { status: 302, headers: { location: 'console/', ...SECURITY }, body: '' };
    if (req.method === 'GET' && (sub === '/' || /^\/(index\.html|app\.js|app\.css)$/.test(sub))) {
      const name = sub === '/' ? 'index.html' : sub.slice(1);
      const asset = (await loadConsoleAssets()).get(name);
      if (!asset) throw new AppError('NOT_FOUND', `no console file ${name}`);
      const headers: Record<string, string> = { 'content-type': asset.type, 'cache-control': 'no-cache', ...SECURITY };
      if (name === 'index.html') headers['content-security-policy'] = CSP;
      return { status: 200, headers, body: asset.body };
    }
    if (sub === '/session') {
      if (req.method === 'GET') {
        const s = session(req, d);
        if (!s.ok) requireSession(req, d);
        return json(200, { expiresAt: s.ok ? s.expiresAt.toISOString() : undefined, passwordLogin: Boolean(d.config.console.password) });
      }
      checkCsrf(req);
      if (req.method === 'DELETE') return json(200, { loggedOut: true }, { 'set-cookie': sessionCookie('', 0, d.config.console.secureCookie) });
      if (req.method !== 'POST') throw new AppError('METHOD_NOT_ALLOWED', `${req.method} is not allowed on /console/session`);
      const ip = req.sourceIp ?? 'unknown';
      const now = Date.now();
      if (tooManyFailures(ip, now)) throw new AppError('TOO_MANY_ATTEMPTS', 'too many failed logins from this address; wait a minute');
      const given = loginSchema.safeParse(parseJsonBody(req.body));
      if (!given.success) throw new AppError('VALIDATION_FAILED', 'send {"token": "…"} (printed by npm start) or {"password": "…"} (HL_CONSOLE_PASSWORD)');
      if (!checkLogin(d.config.secret, given.data, d.config.console.password)) {
        failures.get(ip)?.push(now);
        d.log.warn('console.login_failed', { ip, with: 'token' in given.data ? 'token' : 'password' });
        throw new AppError('LOGIN_FAILED', 'token or password not accepted');
      }
      const s = issueSession(d.config.secret, d.config.console.sessionSec, now);
      d.log.info('console.login', { ip, expiresAt: s.expiresAt.toISOString() });
      return json(200, { expiresAt: s.expiresAt.toISOString() }, { 'set-cookie': sessionCookie(s.value, d.config.console.sessionSec, d.config.console.secureCookie) });
    }
    if (sub.startsWith('/api/')) {
      requireSession(req, d);
      checkCsrf(req);
      const path = sub.slice('/api'.length);
      if (!path.startsWith('/v1/')) throw new AppError('NOT_FOUND', `no console API route ${req.path}`);
      const headers = { ...req.headers, ...signedHeaders(d.config.secret, req.method, path, req.body) };
      const r = await routeRequest({ ...req, path, headers }, d);
      return json(r.status, r.body);
    }
    throw new AppError('NOT_FOUND', `no console page ${req.path}`);
  } catch (err) {
    if (!(err instanceof AppError)) d.log.error('console.error', { error: err, path: req.path });
    return fail(err);
  }
}
