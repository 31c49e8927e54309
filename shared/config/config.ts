import path from 'node:path';
import { AppError } from '../domain/app-error.ts';

export interface Config {
  runtime: 'local' | 'scf';
  dataDir: string;
  /** Shared secret for HMAC-signed requests. */
  secret: string;
  /** Base URL under which store objects are served (local runtime: http://host:port/files). */
  publicBaseUrl?: string;
  /** Longest the clipper waits for post-roll segments beyond the window's end. */
  postRollWaitSec: number;
  /** Heartbeats older than this mark a recorder as dead (watchdog restarts it). */
  heartbeatTtlSec: number;
  /** Local invoker: concurrent invocations. */
  concurrency: number;
  /** testsrc and file sources are for local runs; refused in the cloud unless allowed. */
  allowLocalSources: boolean;
  /** Largest request body accepted by the API. */
  maxBodyBytes: number;
  /** Signed requests older or newer than this are refused. */
  signatureToleranceSec: number;
}

function num(env: NodeJS.ProcessEnv, name: string, dflt: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return dflt;
  const v = Number(raw);
  if (!Number.isFinite(v) || v < min || v > max) {
    throw new AppError('BAD_REQUEST', `${name}=${raw} is not a number between ${min} and ${max}`);
  }
  return v;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const runtime = env.TENCENTCLOUD_RUNENV === 'SCF' ? 'scf' : 'local';
  const cfg: Config = {
    runtime,
    dataDir: path.resolve(env.HL_DATA_DIR ?? './data'),
    secret: env.HL_SECRET ?? '',
    publicBaseUrl: env.HL_PUBLIC_BASE_URL || undefined,
    postRollWaitSec: num(env, 'HL_POSTROLL_WAIT_SEC', 10, 0, 600),
    heartbeatTtlSec: num(env, 'HL_HEARTBEAT_TTL_SEC', 20, 3, 3600),
    concurrency: num(env, 'HL_CONCURRENCY', 4, 1, 256),
    allowLocalSources: env.HL_ALLOW_LOCAL_SOURCES ? env.HL_ALLOW_LOCAL_SOURCES === '1' : runtime === 'local',
    maxBodyBytes: num(env, 'HL_MAX_BODY_BYTES', 64 * 1024, 1024, 6 * 1024 * 1024),
    signatureToleranceSec: num(env, 'HL_SIGNATURE_TOLERANCE_SEC', 300, 10, 3600),
    ...overrides,
  };
  return cfg;
}
