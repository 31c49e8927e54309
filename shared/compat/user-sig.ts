import { createHmac, timingSafeEqual } from 'node:crypto';
import { deflateSync, inflateSync } from 'node:zlib';

/**
 * TRTC UserSig (TLSSigAPIv2), the signature a TRTC app issues for (SDKAppID, UserID) with its
 * secret key: base64 (with + / = written * - _) of zlib-deflated JSON
 *   {"TLS.ver":"2.0","TLS.identifier","TLS.sdkappid","TLS.time","TLS.expire","TLS.sig"}
 * where TLS.sig = base64 HMAC-SHA256(key, "TLS.identifier:<id>\nTLS.sdkappid:<app>\nTLS.time:<t>\nTLS.expire:<e>\n").
 * The template requests carry one for their recording user; with the app's key configured
 * (HL_TRTC_SDK_SECRET_KEYS) it authenticates the request.
 */
function content(identifier: string, sdkAppId: number, time: number, expire: number, userBuf?: string): string {
  return `TLS.identifier:${identifier}\nTLS.sdkappid:${sdkAppId}\nTLS.time:${time}\nTLS.expire:${expire}\n${userBuf !== undefined ? `TLS.userbuf:${userBuf}\n` : ''}`;
}

const hmac = (key: string, text: string) => createHmac('sha256', key).update(text).digest('base64');

export function genUserSig(sdkAppId: number, key: string, identifier: string, expireSec: number, now = Date.now()): string {
  const time = Math.floor(now / 1000);
  const doc = { 'TLS.ver': '2.0', 'TLS.identifier': identifier, 'TLS.sdkappid': sdkAppId, 'TLS.time': time, 'TLS.expire': expireSec, 'TLS.sig': hmac(key, content(identifier, sdkAppId, time, expireSec)) };
  return deflateSync(Buffer.from(JSON.stringify(doc))).toString('base64').replace(/\+/g, '*').replace(/\//g, '-').replace(/=/g, '_');
}

export type UserSigCheck = { ok: true; expiresAt: Date } | { ok: false; reason: string };

/** Check a UserSig for this app and user with the app's key; never throws. */
export function verifyUserSig(sig: string, sdkAppId: number, identifier: string, key: string, now = Date.now()): UserSigCheck {
  let doc: Record<string, unknown>;
  try {
    if (sig.length > 4096 || !/^[A-Za-z0-9*_-]+$/.test(sig)) return { ok: false, reason: 'UserSig is not a TLSSigAPIv2 signature' };
    const raw = Buffer.from(sig.replace(/\*/g, '+').replace(/-/g, '/').replace(/_/g, '='), 'base64');
    doc = JSON.parse(inflateSync(raw, { maxOutputLength: 64 * 1024 }).toString('utf8')) as Record<string, unknown>;
  } catch {
    return { ok: false, reason: 'UserSig does not decode (base64 + zlib + JSON)' };
  }
  const time = Number(doc['TLS.time']);
  const expire = Number(doc['TLS.expire']);
  const given = doc['TLS.sig'];
  if (doc['TLS.ver'] !== '2.0' || typeof given !== 'string' || !Number.isFinite(time) || !Number.isFinite(expire)) return { ok: false, reason: 'UserSig lacks TLS.ver 2.0, TLS.time, TLS.expire or TLS.sig' };
  if (String(doc['TLS.identifier']) !== identifier) return { ok: false, reason: `UserSig was issued for user ${String(doc['TLS.identifier'])}, not ${identifier}` };
  if (Number(doc['TLS.sdkappid']) !== sdkAppId) return { ok: false, reason: `UserSig was issued for SdkAppId ${String(doc['TLS.sdkappid'])}, not ${sdkAppId}` };
  const userBuf = typeof doc['TLS.userbuf'] === 'string' ? (doc['TLS.userbuf'] as string) : undefined;
  const expected = Buffer.from(hmac(key, content(identifier, sdkAppId, time, expire, userBuf)));
  const got = Buffer.from(given);
  if (expected.length !== got.length || !timingSafeEqual(expected, got)) return { ok: false, reason: 'UserSig does not match this app\'s secret key' };
  const expiresAt = new Date((time + expire) * 1000);
  if (expiresAt.getTime() <= now) return { ok: false, reason: `UserSig expired at ${expiresAt.toISOString()}` };
  return { ok: true, expiresAt };
}
