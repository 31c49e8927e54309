import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Console sessions, stateless so any api instance can check them: the cookie value is
 *   v1.<expires unix s>.<random>.<hex HMAC-SHA256(key, "v1.<expires>.<random>")>
 * with a key derived from the signing secret (never the secret itself). The page never sees the
 * secret or the cookie (HttpOnly); the server signs the API calls it forwards.
 */
export const SESSION_COOKIE = 'hl_console';

const derive = (secret: string, purpose: string) => createHmac('sha256', secret).update(`highlight-clipper console ${purpose}`).digest();

function equal(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The login token `npm start` prints: stable for a secret, so it survives restarts; 128 bits. */
export function consoleLoginToken(secret: string): string {
  return derive(secret, 'login-token').toString('hex').slice(0, 32);
}

/** True when the token or password matches; constant-time either way. */
export function checkLogin(secret: string, given: { token?: string; password?: string }, password?: string): boolean {
  if (given.token !== undefined) return equal(given.token, consoleLoginToken(secret));
  if (given.password !== undefined && password) {
    // Compare digests so the lengths never leak.
    const h = (s: string) => createHmac('sha256', derive(secret, 'password')).update(s).digest('hex');
    return equal(h(given.password), h(password));
  }
  return false;
}

export function issueSession(secret: string, ttlSec: number, now = Date.now()): { value: string; expiresAt: Date } {
  const exp = Math.floor(now / 1000) + Math.max(1, Math.floor(ttlSec));
  const body = `v1.${exp}.${randomBytes(16).toString('hex')}`;
  const mac = createHmac('sha256', derive(secret, 'session')).update(body).digest('hex');
  return { value: `${body}.${mac}`, expiresAt: new Date(exp * 1000) };
}

export type SessionCheck = { ok: true; expiresAt: Date } | { ok: false; reason: 'missing' | 'invalid' | 'expired' };

export function verifySession(secret: string, value: string | undefined, now = Date.now()): SessionCheck {
  if (!value) return { ok: false, reason: 'missing' };
  const m = /^(v1\.(\d{1,12})\.[0-9a-f]{32})\.([0-9a-f]{64})$/.exec(value);
  if (!m) return { ok: false, reason: 'invalid' };
  const [, body, exp, mac] = m as unknown as [string, string, string, string];
  const expected = createHmac('sha256', derive(secret, 'session')).update(body).digest('hex');
  if (!equal(mac, expected)) return { ok: false, reason: 'invalid' };
  const expiresAt = new Date(Number(exp) * 1000);
  if (expiresAt.getTime() <= now) return { ok: false, reason: 'expired' };
  return { ok: true, expiresAt };
}

/** Every value of the cookie `name` in a Cookie header (a browser sends one per matching path). */
export function readCookies(header: string | undefined, name: string): string[] {
  const out: string[] = [];
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) out.push(part.slice(i + 1).trim());
  }
  return out;
}

/** The session among the cookies: the first valid one, else why none is (expired beats invalid). */
export function verifySessions(secret: string, values: string[], now = Date.now()): SessionCheck {
  let worst: SessionCheck = { ok: false, reason: 'missing' };
  for (const v of values) {
    const c = verifySession(secret, v, now);
    if (c.ok) return c;
    if (worst.ok === false && (worst.reason === 'missing' || c.reason === 'expired')) worst = c;
  }
  return worst;
}

/**
 * No Path attribute: the browser scopes the cookie to the folder of the login URL, which is
 * /console locally and /release/console behind an API gateway's default address.
 */
export function sessionCookie(value: string, maxAgeSec: number, secure: boolean): string {
  return [`${SESSION_COOKIE}=${value}`, 'HttpOnly', 'SameSite=Strict', `Max-Age=${Math.max(0, Math.floor(maxAgeSec))}`, ...(secure ? ['Secure'] : [])].join('; ');
}
