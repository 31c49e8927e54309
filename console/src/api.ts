import type { ApiErrorBody } from './types.ts';

/** The session is gone (expired or never made): the app shows the login form. */
export class SessionError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

const SESSION_CODES = new Set(['SESSION_EXPIRED', 'SESSION_REQUIRED']);

/**
 * One console call. The page holds no secret: the HttpOnly session cookie goes along, and the
 * server signs the API call. The custom header marks it as the console's own (CSRF check).
 */
export async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: { 'x-hl-console': '1', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = {};
  try {
    parsed = text ? JSON.parse(text) : {};
  } catch {
    throw new ApiError(res.status, 'BAD_RESPONSE', `the server answered ${res.status} with something that is not JSON`);
  }
  if (!res.ok) {
    const e = (parsed as ApiErrorBody).error ?? { code: `HTTP_${res.status}`, message: res.statusText };
    if (res.status === 401 && SESSION_CODES.has(e.code)) throw new SessionError(e.code, e.message);
    throw new ApiError(res.status, e.code, e.message);
  }
  return parsed as T;
}

/**
 * The HTTP API (docs/api.md) through the console's session. Paths are relative to the page
 * (…/console/), so the console works under an API gateway's /release/ prefix as well as at /.
 */
export const api = <T>(method: string, path: string, body?: unknown) => call<T>(method, `api${path}`, body);
