import { isIP } from 'node:net';
import { AppError } from './app-error.ts';

export interface UrlPolicy {
  /** Loopback, private, link-local and unique-local addresses (and localhost). On for local runs. */
  allowPrivate: boolean;
  /** When non-empty, the host must be one of these (exact, or "*.example.com" for subdomains). */
  allowedHosts: string[];
  schemes: string[];
}

function isPrivateAddress(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  const v = isIP(h);
  if (v === 4) {
    const [a, b] = h.split('.').map(Number) as [number, number];
    return a === 10 || a === 127 || a === 0 || (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127);
  }
  if (v === 6) return h === '::1' || h === '::' || h.startsWith('fc') || h.startsWith('fd') || h.startsWith('fe80') || h.startsWith('::ffff:');
  return false;
}

/**
 * The allow-list every outbound URL passes (callbacks now; network sources later): scheme, no
 * private or loopback targets unless allowed, and the configured host list. Hostnames are not
 * resolved here, so a public name pointing at a private address is only stopped by allowedHosts.
 */
export function checkOutboundUrl(raw: string, p: UrlPolicy, what = 'url'): URL {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new AppError('URL_NOT_ALLOWED', `${what} is not a valid URL`);
  }
  const scheme = u.protocol.replace(/:$/, '');
  if (!p.schemes.includes(scheme)) throw new AppError('URL_NOT_ALLOWED', `${what} scheme ${scheme} is not allowed (allowed: ${p.schemes.join(', ')})`);
  if (u.username || u.password) throw new AppError('URL_NOT_ALLOWED', `${what} must not carry credentials`);
  const host = u.hostname.toLowerCase();
  if (!p.allowPrivate && isPrivateAddress(host)) throw new AppError('URL_NOT_ALLOWED', `${what} points at a private or loopback address (${host})`);
  if (p.allowedHosts.length > 0) {
    const ok = p.allowedHosts.some((a) => (a.startsWith('*.') ? host.endsWith(a.slice(1)) : host === a.toLowerCase()));
    if (!ok) throw new AppError('URL_NOT_ALLOWED', `${what} host ${host} is not in the allowed hosts`);
  }
  return u;
}
