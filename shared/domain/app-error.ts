/** Error codes shared by every function; each maps to an HTTP status for the API. */
export const errorStatus = {
  BAD_REQUEST: 400,
  INVALID_JSON: 400,
  VALIDATION_FAILED: 422,
  UNAUTHORIZED: 401,
  SIGNATURE_INVALID: 401,
  SIGNATURE_STALE: 401,
  SIGNATURE_REPLAYED: 401,
  SESSION_REQUIRED: 401,
  SESSION_EXPIRED: 401,
  LOGIN_FAILED: 401,
  CSRF_REJECTED: 403,
  TOO_MANY_ATTEMPTS: 429,
  NOT_FOUND: 404,
  STREAM_NOT_FOUND: 404,
  JOB_NOT_FOUND: 404,
  RECORDING_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  STREAM_ACTIVE: 409,
  JOB_CONFLICT: 409,
  TOO_MANY_USERS: 422,
  PAYLOAD_TOO_LARGE: 413,
  WINDOW_EXPIRED: 422,
  WINDOW_EMPTY: 422,
  SOURCE_NOT_ALLOWED: 422,
  URL_NOT_ALLOWED: 422,
  PART_FAILED: 500,
  INVALID_KEY: 400,
  INVALID_ID: 400,
  FFMPEG_FAILED: 500,
  FFMPEG_NOT_FOUND: 500,
  INVOKE_FAILED: 500,
  DEADLINE_EXCEEDED: 504,
  ABORTED: 499,
  SOURCE_GONE: 502,
  STORAGE_FAILED: 502,
  STORAGE_DENIED: 502,
  INTERNAL: 500,
} as const;

export type ErrorCode = keyof typeof errorStatus;

/** An error with a stable machine code and a sentence a person can act on. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details?: unknown;
  constructor(code: ErrorCode, message: string, details?: unknown) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.details = details;
  }
  get status(): number {
    return errorStatus[this.code];
  }
}

export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError;
}

/** Normalise anything thrown into {code, message}, never leaking a stack to callers. */
export function toErrorBody(err: unknown): { code: ErrorCode; message: string } {
  if (isAppError(err)) return { code: err.code, message: err.message };
  return { code: 'INTERNAL', message: err instanceof Error ? err.message : String(err) };
}
