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
  /** Outbound URLs (callbacks): private/loopback targets allowed (local default), host allow-list. */
  allowPrivateUrls: boolean;
  allowedHosts: string[];
  /** transcode: default part length, and how many part invocations the clipper keeps in flight. */
  partSec: number;
  fanoutConcurrency: number;
  /** How long a finished clip's window stays pinned against retention (its preview keeps playing). */
  previewGraceSec: number;
  /** Callback delivery attempts (with exponential backoff and jitter). */
  callbackAttempts: number;
  callbackBaseDelayMs: number;
  /** TRTC users' CDN relay (HL_TRTC_RELAY_DOMAIN, _PROTOCOL flv|rtmp, _APP); trtc sources need it. */
  trtcRelay?: { domain: string; protocol: 'flv' | 'rtmp'; app: string };
  /** Most users one mixed room recording composites. */
  maxMixUsers: number;
  /** Where objects live: the local data folder (default) or a COS bucket (HL_STORE=cos, HL_COS_*). */
  store: StoreConfig;
  /** Where finished clips (MP4 + poster) go when not with the recordings: another bucket/region/account (HL_OUTPUT_COS_*). */
  outputStore?: Extract<StoreConfig, { kind: 'cos' }>;
  /** Web console (/console): optional login password (HL_CONSOLE_PASSWORD; the login token derived from the secret always works), session lifetime, Secure cookies. */
  console: { password?: string; sessionSec: number; secureCookie: boolean };
  /** The SCF recording-template compatibility route (docs/migrating-from-scf-templates.md). */
  compat: {
    /** A room with no publisher this long ends the recording (the template's 300 s). */
    idleSec: number;
    /** Where files go: the local store (local runs) or the COS bucket the request names (SCF). */
    output: 'local' | 'cos';
    /** A COS-compatible endpoint for those buckets (tests, private clouds): host[:port] and protocol. */
    cosDomain?: string;
    cosProtocol?: 'http:' | 'https:';
    /** Mixed modes' picture. */
    canvas: { width: number; height: number; fps: number };
    /** A mounted file system (the templates' CFS): the file is written there in full, then uploaded. */
    cfsPath?: string;
    /** TRTC apps' UserSig keys (HL_TRTC_SDK_SECRET_KEYS=app:key,…): a valid UserSig authenticates a template request. */
    trtcKeys: Record<string, string>;
  };
  /** SCF: how functions find each other (deployed names are prefix + api|segmenter|clipper|transcoder). */
  scf: { region?: string; namespace: string; functionPrefix: string; endpoint?: string; protocol: 'http://' | 'https://' };
}

export type StoreConfig =
  | { kind: 'local' }
  | {
      kind: 'cos'; bucket: string; region: string; domain?: string; protocol?: 'http:' | 'https:';
      secretId?: string; secretKey?: string; publicBaseUrl?: string; urlExpiresSec: number;
    };

function num(env: NodeJS.ProcessEnv, name: string, dflt: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return dflt;
  const v = Number(raw);
  if (!Number.isFinite(v) || v < min || v > max) {
    throw new AppError('BAD_REQUEST', `${name}=${raw} is not a number between ${min} and ${max}`);
  }
  return v;
}

function storeConfig(env: NodeJS.ProcessEnv): StoreConfig {
  const kind = env.HL_STORE || 'local';
  if (kind === 'local') return { kind };
  if (kind !== 'cos') throw new AppError('BAD_REQUEST', `HL_STORE=${kind} must be local or cos`);
  return cosConfig(env, 'HL_COS_');
}

/** A COS bucket from HL_COS_* (the store) or HL_OUTPUT_COS_* (where clips go). */
function cosConfig(env: NodeJS.ProcessEnv, p: 'HL_COS_' | 'HL_OUTPUT_COS_'): Extract<StoreConfig, { kind: 'cos' }> {
  const bucket = env[`${p}BUCKET`];
  const region = env[`${p}REGION`] || env.TENCENTCLOUD_REGION;
  if (!bucket || !region) throw new AppError('BAD_REQUEST', `a COS bucket needs ${p}BUCKET (<name>-<appid>) and ${p}REGION (or SCF's TENCENTCLOUD_REGION)`);
  const protocol = env[`${p}PROTOCOL`];
  if (protocol !== undefined && protocol !== 'http:' && protocol !== 'https:') throw new AppError('BAD_REQUEST', `${p}PROTOCOL=${protocol} must be http: or https:`);
  return {
    kind: 'cos', bucket, region, domain: env[`${p}DOMAIN`] || undefined, protocol,
    secretId: env[`${p}SECRET_ID`] || undefined, secretKey: env[`${p}SECRET_KEY`] || undefined,
    publicBaseUrl: env[`${p}PUBLIC_BASE_URL`] || undefined,
    urlExpiresSec: num(env, `${p}URL_EXPIRES_SEC`, 3600, 60, 7 * 24 * 3600),
  };
}

function trtcRelay(env: NodeJS.ProcessEnv): Config['trtcRelay'] {
  const domain = env.HL_TRTC_RELAY_DOMAIN;
  if (!domain) return undefined;
  if (!/^[A-Za-z0-9.-]+(:\d{1,5})?$/.test(domain)) throw new AppError('BAD_REQUEST', `HL_TRTC_RELAY_DOMAIN=${domain} is not a host[:port]`);
  const protocol = env.HL_TRTC_RELAY_PROTOCOL || 'flv';
  if (protocol !== 'flv' && protocol !== 'rtmp') throw new AppError('BAD_REQUEST', `HL_TRTC_RELAY_PROTOCOL=${protocol} must be flv or rtmp`);
  const app = env.HL_TRTC_RELAY_APP || 'live';
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(app)) throw new AppError('BAD_REQUEST', `HL_TRTC_RELAY_APP=${app} must match [A-Za-z0-9_-]{1,64}`);
  return { domain, protocol, app };
}

function consolePassword(env: NodeJS.ProcessEnv): string | undefined {
  const p = env.HL_CONSOLE_PASSWORD;
  if (!p) return undefined;
  if (p.length < 12) throw new AppError('BAD_REQUEST', 'HL_CONSOLE_PASSWORD must be at least 12 characters');
  return p;
}

function compatConfig(env: NodeJS.ProcessEnv, runtime: Config['runtime']): Config['compat'] {
  const output = env.HL_COMPAT_OUTPUT || (runtime === 'scf' ? 'cos' : 'local');
  if (output !== 'local' && output !== 'cos') throw new AppError('BAD_REQUEST', `HL_COMPAT_OUTPUT=${output} must be local or cos`);
  const protocol = env.HL_COMPAT_COS_PROTOCOL;
  if (protocol !== undefined && protocol !== 'http:' && protocol !== 'https:') throw new AppError('BAD_REQUEST', `HL_COMPAT_COS_PROTOCOL=${protocol} must be http: or https:`);
  const canvasRaw = env.HL_COMPAT_CANVAS || '1280x720@30';
  const c = /^(\d{2,4})x(\d{2,4})@(\d{1,2})$/.exec(canvasRaw);
  if (!c || Number(c[1]) % 2 || Number(c[2]) % 2) throw new AppError('BAD_REQUEST', `HL_COMPAT_CANVAS=${canvasRaw} must be <even width>x<even height>@<fps>, e.g. 1280x720@30`);
  const trtcKeys: Record<string, string> = {};
  for (const pair of (env.HL_TRTC_SDK_SECRET_KEYS ?? '').split(',').map((x) => x.trim()).filter(Boolean)) {
    const m = /^(\d{1,10}):(\S{16,256})$/.exec(pair);
    if (!m) throw new AppError('BAD_REQUEST', 'HL_TRTC_SDK_SECRET_KEYS must be <sdkAppId>:<key>[,<sdkAppId>:<key>…]');
    trtcKeys[m[1]!] = m[2]!;
  }
  return {
    idleSec: num(env, 'HL_COMPAT_IDLE_SEC', 300, 1, 24 * 3600),
    output,
    cosDomain: env.HL_COMPAT_COS_DOMAIN || undefined,
    cosProtocol: protocol,
    canvas: { width: Number(c[1]), height: Number(c[2]), fps: Number(c[3]) },
    cfsPath: env.CFS_PATH || undefined,
    trtcKeys,
  };
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
    allowPrivateUrls: env.HL_ALLOW_PRIVATE_URLS ? env.HL_ALLOW_PRIVATE_URLS === '1' : runtime === 'local',
    allowedHosts: (env.HL_ALLOWED_HOSTS ?? '').split(',').map((h) => h.trim()).filter(Boolean),
    partSec: num(env, 'HL_PART_SEC', 4, 1, 300),
    fanoutConcurrency: num(env, 'HL_FANOUT', 32, 1, 1000),
    previewGraceSec: num(env, 'HL_PREVIEW_GRACE_SEC', 3600, 0, 7 * 24 * 3600),
    callbackAttempts: num(env, 'HL_CALLBACK_ATTEMPTS', 5, 1, 20),
    callbackBaseDelayMs: num(env, 'HL_CALLBACK_BASE_DELAY_MS', 500, 10, 60_000),
    trtcRelay: trtcRelay(env),
    maxMixUsers: num(env, 'HL_MAX_MIX_USERS', 16, 1, 64),
    store: storeConfig(env),
    outputStore: env.HL_OUTPUT_COS_BUCKET ? cosConfig(env, 'HL_OUTPUT_COS_') : undefined,
    console: {
      password: consolePassword(env),
      sessionSec: num(env, 'HL_CONSOLE_SESSION_SEC', 12 * 3600, 1, 30 * 24 * 3600),
      secureCookie: env.HL_CONSOLE_COOKIE_SECURE ? env.HL_CONSOLE_COOKIE_SECURE === '1' : runtime === 'scf',
    },
    compat: compatConfig(env, runtime),
    scf: {
      region: env.TENCENTCLOUD_REGION || env.HL_SCF_REGION || undefined,
      namespace: env.HL_SCF_NAMESPACE || 'default',
      functionPrefix: env.HL_SCF_FUNCTION_PREFIX ?? '',
      endpoint: env.HL_SCF_ENDPOINT || undefined,
      protocol: env.HL_SCF_PROTOCOL === 'http://' ? 'http://' : 'https://',
    },
    ...overrides,
  };
  return cfg;
}
