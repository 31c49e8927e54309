/*
 * A local Tencent Cloud SCF API server (TC3-signed JSON over HTTP) for tests. It speaks what
 * tencentcloud-sdk-nodejs-scf's `scf.v20180416.Client` sends when configured with
 * `profile: { httpProfile: { endpoint: '127.0.0.1:<port>', protocol: 'http://' } }`:
 * POST / with a JSON body, X-TC-Action / X-TC-Version / X-TC-Timestamp / X-TC-Region / X-TC-Token
 * headers and `Authorization: TC3-HMAC-SHA256 Credential=<id>/<date>/scf/tc3_request,
 * SignedHeaders=content-type;host, Signature=<hex>`. Answers are always HTTP 200 with
 * `{Response:{…, RequestId}}`, or `{Response:{Error:{Code,Message}, RequestId}}`, which the SDK throws
 * as TencentCloudSDKHttpException with `.code`.
 *
 * Actions: Invoke (RequestResponse | Event), GetAsyncEventStatus, ListAsyncEvents, TerminateAsyncEvent;
 * anything else → InvalidAction. Every invocation runs main_handler in its own child process
 * (scf-runner.mjs: a cold instance each time) with SCF's context object and built-in environment;
 * the result travels over IPC, stdout/stderr become the Log (last 4 KB). The function's time limit
 * runs from the handler call (module loading gets `initTimeoutSec`), and ends the whole process group.
 *
 * Deliberate simplifications: every function has async execution and status tracking enabled (any
 * Event invocation is an "async event"); no concurrency quota or memory enforcement; one region and
 * namespace; a sync Invoke answers once the handler settles (no wait for an empty event loop).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ScfFunctionSpec {
  name: string;
  /** Absolute path of a CommonJS or ESM file exporting main_handler. */
  entry: string;
  timeoutSec: number;
  memoryMb: number;
  /** The function's configured environment variables. */
  env?: Record<string, string>;
  /** Extra node flags, e.g. ['--import', 'tsx'] for .ts entries (bare --import specifiers resolve from this repo). */
  nodeArgs?: string[];
  /** Working directory of the instance; default the entry's directory (SCF: /var/user). */
  cwd?: string;
}
export interface ScfCredential { secretId: string; secretKey: string; token?: string }
export interface ScfServerOptions {
  functions: ScfFunctionSpec[];
  /** The one accepted key; also handed to functions as their role keys. Default: random, with a token. */
  credentials?: ScfCredential;
  /** Default 'ap-guangzhou'. */
  region?: string;
  /** Default 'default'. */
  namespace?: string;
  /** How long a sync Invoke waits before answering FailedOperation.InvokeFunction; default 300. */
  syncInvokeCapSec?: number;
  /** Time allowed for loading the entry before the handler is called; default 60. */
  initTimeoutSec?: number;
  /** Copy every instance's stdout/stderr to this process's stderr. */
  echoLogs?: boolean;
}
export type ScfEventStatus = 'RUNNING' | 'FINISHED' | 'ABORTED' | 'FAILED';
export interface ScfCall {
  action: string;
  functionName?: string;
  invocationType?: string;
  /** The API RequestId of this call (not the FunctionRequestId). */
  requestId: string;
  /** The error Code when the call failed; for Invoke the invocation's status at answer time; else 'OK'. */
  status: string;
  ms: number;
}
export interface ScfInvocation {
  requestId: string;
  functionName: string;
  invocationType: 'RequestResponse' | 'Event';
  qualifier: string;
  status: ScfEventStatus;
  /** 0 while running, 200 success, 430 handler error, 433 timeout, 439 process exit / terminated. */
  statusCode: number;
  startMs: number;
  endMs?: number;
  pid?: number;
  retMsg: string;
  errMsg: string;
  /** The last 4 KB of the instance's stdout+stderr. */
  log: string;
  memUsage: number;
  durationMs: number;
  exit?: { code: number | null; signal: string | null };
}
export interface ScfServer {
  port: number;
  /** '127.0.0.1:<port>' for httpProfile.endpoint (with protocol 'http://'). */
  endpoint: string;
  credentials: ScfCredential;
  region: string;
  namespace: string;
  calls: ScfCall[];
  invocation(requestId: string): ScfInvocation | undefined;
  invocations(): ScfInvocation[];
  /** Kill every running instance (process group), wait for them, and stop listening. */
  close(): Promise<void>;
}

const RUNNER = fileURLToPath(new URL('./scf-runner.mjs', import.meta.url));
const API_VERSION = '2018-04-16';
const APPID = '1250000000';
const UIN = '100000000001';
const LOG_TAIL = 4096;
const SYNC_EVENT_MAX = 6 * 1024 * 1024;
const ASYNC_EVENT_MAX = 128 * 1024;
const STATUSES: readonly string[] = ['RUNNING', 'FINISHED', 'ABORTED', 'FAILED'];

class ApiError extends Error {
  readonly code: string;
  constructor(code: string, message: string) { super(message); this.code = code; }
}

const sha256hex = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();
const utcDate = (sec: number) => new Date(sec * 1000).toISOString().slice(0, 10);

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

/**
 * Checks a TC3-HMAC-SHA256 request the way the API gateway does: canonical request from the actual
 * method, path, query, the SignedHeaders' lower-cased trimmed values and the body's SHA-256; scope
 * <date>/<service>/tc3_request; key HMAC chain "TC3"+secretKey → date → service → "tc3_request". The SDK
 * signs `host` as the hostname without port (both that and host:port are accepted), and derives the
 * service from the endpoint's first dot-label ('127' for '127.0.0.1:<port>'; accepted besides 'scf').
 */
export function verifyTc3(req: IncomingMessage, body: Buffer, cred: ScfCredential, nowSec = Math.floor(Date.now() / 1000)): void {
  const auth = header(req, 'authorization') ?? '';
  const m = /^TC3-HMAC-SHA256 Credential=([^/\s]+)\/(\d{4}-\d{2}-\d{2})\/([^/\s]+)\/tc3_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/.exec(auth);
  if (!m) throw new ApiError('AuthFailure.InvalidAuthorization', 'Authorization header is not a TC3-HMAC-SHA256 signature.');
  const [, secretId = '', date = '', service = '', signedHeaders = '', signature = ''] = m;
  const tsText = header(req, 'x-tc-timestamp') ?? '';
  if (!/^\d+$/.test(tsText)) throw new ApiError('MissingParameter', 'X-TC-Timestamp is missing or not an integer.');
  const ts = Number(tsText);
  if (Math.abs(nowSec - ts) > 300) {
    throw new ApiError('AuthFailure.SignatureExpire', `Signature expired: X-TC-Timestamp ${ts} differs from server time ${nowSec} by more than 5 minutes.`);
  }
  if (secretId !== cred.secretId) throw new ApiError('AuthFailure.SecretIdNotFound', `SecretId ${secretId} not found.`);
  const names = signedHeaders.split(';');
  const fail = (why: string) => new ApiError('AuthFailure.SignatureFailure', `The provided credentials could not be validated (${why}).`);
  // The SDK takes the service from `endpoint.split('.')[0]`, so a local endpoint '127.0.0.1:<port>'
  // signs the scope '<date>/127/tc3_request'; accept that as well as 'scf'.
  const host = header(req, 'host') ?? '';
  const sdkService = host.split('.')[0];
  if (service !== 'scf' && service !== sdkService) throw fail(`credential scope service '${service}', expected 'scf' (or '${sdkService}' from the endpoint)`);
  if (date !== utcDate(ts)) throw fail(`credential scope date ${date} is not the UTC date of X-TC-Timestamp`);
  if (!names.includes('content-type') || !names.includes('host')) throw fail('SignedHeaders must include content-type and host');
  const url = new URL(req.url ?? '/', 'http://local');
  const hosts = [...new Set([new URL(`http://${host}`).hostname, host])];
  const key = hmac(hmac(hmac(`TC3${cred.secretKey}`, date), service), 'tc3_request');
  const ok = hosts.some((h) => {
    const canonHeaders = names.map((n) => `${n}:${n === 'host' ? h : (header(req, n) ?? '').trim().toLowerCase()}\n`).join('');
    const canonical = [req.method ?? '', url.pathname, url.search.slice(1), canonHeaders, signedHeaders, sha256hex(body)].join('\n');
    const toSign = `TC3-HMAC-SHA256\n${ts}\n${date}/${service}/tc3_request\n${sha256hex(canonical)}`;
    return timingSafeEqual(Buffer.from(hmac(key, toSign).toString('hex')), Buffer.from(signature));
  });
  if (!ok) throw fail('signature mismatch');
  if ((header(req, 'x-tc-token') ?? '') !== (cred.token ?? '')) throw new ApiError('AuthFailure.TokenFailure', 'The token is invalid.');
}

/** "%Y-%m-%d %H:%M:%S.%f" in Beijing time, as SCF reports event times. */
function beijingTime(ms: number): string {
  return new Date(ms + 8 * 3600_000).toISOString().replace('T', ' ').replace('Z', '000');
}
function parseBeijingTime(s: unknown): number {
  const ms = typeof s === 'string' ? Date.parse(`${s.trim().replace(' ', 'T')}+08:00`) : NaN;
  if (Number.isNaN(ms)) throw new ApiError('InvalidParameterValue', `Bad time ${JSON.stringify(s)}; expected "%Y-%m-%d %H:%M:%S".`);
  return ms;
}

/** SCF's ErrMsg body for a failed invocation. */
function errMsgJson(requestId: string, statusCode: number, errorMessage: string, stackTrace?: string): string {
  return JSON.stringify({ errorCode: -1, errorMessage, requestId, ...(stackTrace === undefined ? {} : { stackTrace }), statusCode });
}

/** Bare `--import x` specifiers resolve from this repo, so instances may run in any directory. */
function resolveNodeArgs(args: string[]): string[] {
  const resolve = (s: string) => {
    if (/^(\.|\/|[a-z]+:)/i.test(s)) return s;
    try { return import.meta.resolve(s); } catch { return s; }
  };
  return args.map((a, i) => (args[i - 1] === '--import' ? resolve(a) : a.startsWith('--import=') ? `--import=${resolve(a.slice(9))}` : a));
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try { process.kill(-pid, signal); } catch { /* already gone */ }
}

interface Instance { inv: ScfInvocation; child: ChildProcess; settled: Promise<void>; exited: Promise<void>; abort(why: string): void }

export async function startScfServer(opts: ScfServerOptions): Promise<ScfServer> {
  const credentials: ScfCredential = opts.credentials ?? {
    secretId: `AKID${randomBytes(12).toString('hex')}`,
    secretKey: randomBytes(16).toString('hex'),
    token: randomBytes(24).toString('hex'),
  };
  const region = opts.region ?? 'ap-guangzhou';
  const namespace = opts.namespace ?? 'default';
  const syncCapMs = (opts.syncInvokeCapSec ?? 300) * 1000;
  const initTimeoutMs = (opts.initTimeoutSec ?? 60) * 1000;
  const functions = new Map(opts.functions.map((f) => [f.name, f]));
  const calls: ScfCall[] = [];
  const instances = new Map<string, Instance>();

  function lookup(name: unknown, ns: unknown, reqRegion: string | undefined): ScfFunctionSpec {
    if (typeof name !== 'string' || !name) throw new ApiError('InvalidParameter.FunctionName', 'FunctionName is required.');
    if (ns !== undefined && ns !== '' && ns !== namespace) throw new ApiError('ResourceNotFound.Namespace', `Namespace ${String(ns)} does not exist.`);
    const fn = reqRegion === region ? functions.get(name) : undefined;
    if (!fn) throw new ApiError('ResourceNotFound.Function', `Function ${name} does not exist in ${reqRegion ?? '(no region)'}/${namespace}.`);
    return fn;
  }

  function asyncEvent(id: unknown, reqRegion: string | undefined): Instance {
    const inst = typeof id === 'string' && reqRegion === region ? instances.get(id) : undefined;
    if (!inst || inst.inv.invocationType !== 'Event') throw new ApiError('ResourceNotFound.AsyncEvent', `Async event ${String(id)} not found.`);
    return inst;
  }

  function launch(fn: ScfFunctionSpec, event: unknown, invocationType: ScfInvocation['invocationType'], qualifier: string): Instance {
    const requestId = randomUUID();
    const codeRoot = path.dirname(fn.entry);
    const userEnv = { SCF_NAMESPACE: namespace, ...fn.env };
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
      ...fn.env,
      TENCENTCLOUD_RUNENV: 'SCF',
      SCF_FUNCTIONNAME: fn.name,
      SCF_FUNCTIONVERSION: '$LATEST',
      SCF_NAMESPACE: namespace,
      SCF_RUNTIME: 'Nodejs18.15',
      TENCENTCLOUD_REGION: region,
      TENCENTCLOUD_APPID: APPID,
      TENCENTCLOUD_UIN: UIN,
      TENCENTCLOUD_SECRETID: credentials.secretId,
      TENCENTCLOUD_SECRETKEY: credentials.secretKey,
      ...(credentials.token ? { TENCENTCLOUD_SESSIONTOKEN: credentials.token } : {}),
      USER_CODE_ROOT: `${codeRoot}/`,
    };
    const context = {
      request_id: requestId,
      function_name: fn.name,
      function_version: '$LATEST',
      namespace,
      memory_limit_in_mb: fn.memoryMb,
      time_limit_in_ms: fn.timeoutSec * 1000,
      tencentcloud_region: region,
      tencentcloud_appid: APPID,
      tencentcloud_uin: UIN,
      environment: JSON.stringify(userEnv),
      environ: Object.entries(userEnv).map(([k, v]) => `${k}=${v}`).join(';'),
    };
    const child = spawn(process.execPath, [...resolveNodeArgs(fn.nodeArgs ?? []), RUNNER], {
      cwd: fn.cwd ?? codeRoot, env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'], detached: true,
    });
    const inv: ScfInvocation = {
      requestId, functionName: fn.name, invocationType, qualifier, status: 'RUNNING', statusCode: 0,
      startMs: Date.now(), pid: child.pid, retMsg: '', errMsg: '', log: '', memUsage: 0, durationMs: 0,
    };
    let handlerStart = 0;
    let onSettled = () => {};
    const settled = new Promise<void>((r) => { onSettled = r; });
    /** First outcome wins (a timeout or TerminateAsyncEvent is not overwritten by the exit that follows). */
    const settle = (status: ScfEventStatus, statusCode: number, fields: Partial<ScfInvocation> = {}) => {
      if (inv.status !== 'RUNNING') return;
      const durationMs = handlerStart ? Math.round((performance.now() - handlerStart) * 1000) / 1000 : 0;
      Object.assign(inv, { durationMs }, fields, { status, statusCode, endMs: Date.now() });
      onSettled();
    };
    const timeout = (ms: number, what: string) => setTimeout(() => {
      settle('FAILED', 433, { errMsg: errMsgJson(requestId, 433, `${what} timed out after ${ms / 1000} seconds`) });
      killGroup(child.pid, 'SIGKILL');
    }, ms);
    let timer = timeout(initTimeoutMs, 'Initializing task');
    let outcome: (() => void) | undefined; // the handler's result, applied once its output is drained
    const onOutput = (d: Buffer) => {
      inv.log = (inv.log + d.toString('utf8')).slice(-LOG_TAIL);
      if (opts.echoLogs) process.stderr.write(d);
    };
    child.stdout?.on('data', onOutput);
    child.stderr?.on('data', onOutput);
    child.on('message', (msg: { type?: string; ok?: boolean; retMsg?: string; memUsage?: number; error?: { stack?: string; message?: string } }) => {
      if (msg.type === 'start') {
        handlerStart = performance.now();
        clearTimeout(timer);
        timer = timeout(fn.timeoutSec * 1000, 'Invoking task');
      } else if (msg.type === 'result' && !outcome) {
        clearTimeout(timer);
        timer = setTimeout(() => killGroup(child.pid, 'SIGKILL'), 2000); // the runner exits by itself
        const memUsage = msg.memUsage ?? 0;
        const durationMs = Math.round((performance.now() - handlerStart) * 1000) / 1000;
        outcome = msg.ok
          ? () => settle('FINISHED', 200, { retMsg: msg.retMsg ?? 'null', memUsage, durationMs })
          : () => settle('FAILED', 430, { memUsage, durationMs, errMsg: errMsgJson(requestId, 430, 'user code exception caught', msg.error?.stack ?? msg.error?.message ?? '') });
      }
    });
    const exited = new Promise<void>((resolve) => {
      const done = (code: number | null, signal: string | null, why?: string) => {
        if (inv.exit) return;
        inv.exit = { code, signal };
        clearTimeout(timer);
        killGroup(child.pid, 'SIGKILL'); // helpers the handler left behind (ffmpeg…) die with the instance
        outcome?.();
        settle('FAILED', 439, { errMsg: errMsgJson(requestId, 439, 'User process exit when running', why ?? `exit code ${code}, signal ${signal}`) });
        onSettled();
        resolve();
      };
      // The instance ends with its runtime process: helpers still holding the pipes must not keep it open.
      child.once('exit', () => killGroup(child.pid, 'SIGKILL'));
      child.once('close', (code, signal) => done(code, signal)); // after exit and after stdout/stderr drained
      child.once('error', (err) => done(null, null, `spawn failed: ${err.message}`));
    });
    const abort = (why: string) => settle('ABORTED', 439, { errMsg: errMsgJson(requestId, 439, why) });
    child.send({ entry: fn.entry, event, context }, (err) => { if (err) killGroup(child.pid, 'SIGKILL'); });
    const inst: Instance = { inv, child, settled, exited, abort };
    instances.set(requestId, inst);
    return inst;
  }

  async function invoke(p: Record<string, unknown>, call: ScfCall, reqRegion: string | undefined) {
    call.functionName = typeof p.FunctionName === 'string' ? p.FunctionName : undefined;
    const fn = lookup(p.FunctionName, p.Namespace, reqRegion);
    const type = p.InvocationType ?? 'RequestResponse';
    if (type !== 'RequestResponse' && type !== 'Event') throw new ApiError('InvalidParameterValue', `InvocationType ${String(type)} is not RequestResponse or Event.`);
    call.invocationType = type;
    const qualifier = p.Qualifier ?? '$LATEST';
    if (qualifier !== '$LATEST' && qualifier !== '$DEFAULT') throw new ApiError('ResourceNotFound.Qualifier', `Qualifier ${String(qualifier)} does not exist (only $LATEST/$DEFAULT).`);
    const cc = p.ClientContext ?? '{}';
    if (typeof cc !== 'string') throw new ApiError('InvalidParameterValue', 'ClientContext must be a JSON string.');
    const max = type === 'Event' ? ASYNC_EVENT_MAX : SYNC_EVENT_MAX;
    if (Buffer.byteLength(cc) > max) throw new ApiError('InvalidParameterValue', `ClientContext is ${Buffer.byteLength(cc)} bytes; the ${type} limit is ${max}.`);
    let event: unknown;
    try { event = JSON.parse(cc); } catch { throw new ApiError('InvalidParameterValue', 'ClientContext is not valid JSON.'); }
    const { inv, settled } = launch(fn, event, type, qualifier);
    const empty = { Log: '', RetMsg: '', ErrMsg: '', MemUsage: 0, Duration: 0, BillDuration: 0, FunctionRequestId: inv.requestId, InvokeResult: 0 };
    if (type === 'Event') { call.status = inv.status; return { Result: empty }; }
    let capTimer: NodeJS.Timeout | undefined;
    const capped = await Promise.race([
      settled.then(() => false),
      new Promise<boolean>((r) => { capTimer = setTimeout(() => r(true), syncCapMs); }),
    ]);
    clearTimeout(capTimer);
    if (capped) {
      throw new ApiError('FailedOperation.InvokeFunction', `Sync Invoke of ${fn.name} exceeded ${syncCapMs / 1000} s (${inv.requestId} keeps running until its time limit); use InvocationType Event.`);
    }
    call.status = inv.status;
    return {
      Result: {
        ...empty,
        Log: p.LogType === 'Tail' ? inv.log : '',
        RetMsg: inv.retMsg, ErrMsg: inv.errMsg, MemUsage: inv.memUsage,
        Duration: inv.durationMs, BillDuration: Math.ceil(inv.durationMs),
        InvokeResult: inv.status === 'FINISHED' ? 0 : -1,
      },
    };
  }

  function listAsyncEvents(p: Record<string, unknown>, call: ScfCall, reqRegion: string | undefined) {
    call.functionName = typeof p.FunctionName === 'string' ? p.FunctionName : undefined;
    const fn = lookup(p.FunctionName, p.Namespace, reqRegion);
    const limit = p.Limit ?? 20;
    const offset = p.Offset ?? 0;
    if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 0 || limit > 100) throw new ApiError('InvalidParameterValue.Limit', 'Limit must be 0…100.');
    if (typeof offset !== 'number' || !Number.isInteger(offset) || offset < 0) throw new ApiError('InvalidParameterValue.Offset', 'Offset must be ≥ 0.');
    const statuses = p.Status as unknown[] | undefined;
    if (statuses !== undefined && (!Array.isArray(statuses) || statuses.some((s) => typeof s !== 'string' || !STATUSES.includes(s)))) {
      throw new ApiError('InvalidParameterValue.Status', `Status must be a list of ${STATUSES.join('|')}.`);
    }
    const order = p.Order ?? 'DESC';
    const orderBy = p.Orderby ?? 'StartTime';
    if ((order !== 'ASC' && order !== 'DESC') || (orderBy !== 'StartTime' && orderBy !== 'EndTime')) {
      throw new ApiError('InvalidParameterValue.Order', 'Order is ASC|DESC and Orderby is StartTime|EndTime.');
    }
    const interval = (v: unknown) => {
      if (v === undefined) return undefined;
      const o = v as { Start?: unknown; End?: unknown };
      return { start: parseBeijingTime(o.Start), end: parseBeijingTime(o.End) };
    };
    const startIn = interval(p.StartTimeInterval);
    const endIn = interval(p.EndTimeInterval);
    const types = Array.isArray(p.InvokeType) ? (p.InvokeType as unknown[]) : undefined;
    const sortKey = (i: ScfInvocation) => (orderBy === 'EndTime' ? i.endMs ?? Infinity : i.startMs);
    const matched = [...instances.values()].map((x) => x.inv).filter((i) =>
      i.invocationType === 'Event' && i.functionName === fn.name
      && (p.InvokeRequestId === undefined || i.requestId === p.InvokeRequestId)
      && (p.Qualifier === undefined || i.qualifier === p.Qualifier)
      && (types === undefined || types.includes(i.invocationType))
      && (statuses === undefined || statuses.includes(i.status))
      && (!startIn || (i.startMs >= startIn.start && i.startMs < startIn.end))
      && (!endIn || (i.endMs !== undefined && i.endMs >= endIn.start && i.endMs < endIn.end)),
    ).sort((a, b) => (order === 'ASC' ? 1 : -1) * (sortKey(a) - sortKey(b)));
    return {
      TotalCount: matched.length,
      EventList: matched.slice(offset, offset + limit).map((i) => ({
        InvokeRequestId: i.requestId, InvokeType: i.invocationType, Qualifier: i.qualifier, Status: i.status,
        StartTime: beijingTime(i.startMs), EndTime: i.endMs === undefined ? '' : beijingTime(i.endMs),
      })),
    };
  }

  async function terminate(p: Record<string, unknown>, call: ScfCall, reqRegion: string | undefined) {
    call.functionName = typeof p.FunctionName === 'string' ? p.FunctionName : undefined;
    const fn = lookup(p.FunctionName, p.Namespace, reqRegion);
    const inst = asyncEvent(p.InvokeRequestId, reqRegion);
    if (inst.inv.functionName !== fn.name) throw new ApiError('ResourceNotFound.AsyncEvent', `Async event ${String(p.InvokeRequestId)} is not an event of ${fn.name}.`);
    if (inst.inv.status !== 'RUNNING') throw new ApiError('FailedOperation.AsyncEventStatus', `Async event is ${inst.inv.status}, not RUNNING.`);
    const graceful = p.GraceShutdown === true;
    inst.abort(graceful ? 'SIGTERM sent by TerminateAsyncEvent' : 'Invocation terminated by TerminateAsyncEvent');
    if (graceful) {
      inst.child.kill('SIGTERM'); // the handler may catch it; the time limit still ends the instance
    } else {
      killGroup(inst.child.pid, 'SIGKILL');
      await inst.exited;
    }
    return {};
  }

  async function dispatch(action: string, p: Record<string, unknown>, call: ScfCall, reqRegion: string | undefined): Promise<object> {
    switch (action) {
      case 'Invoke': return invoke(p, call, reqRegion);
      case 'GetAsyncEventStatus': {
        const { inv } = asyncEvent(p.InvokeRequestId, reqRegion);
        call.functionName = inv.functionName;
        return { Result: { Status: inv.status, StatusCode: inv.statusCode, InvokeRequestId: inv.requestId } };
      }
      case 'ListAsyncEvents': return listAsyncEvents(p, call, reqRegion);
      case 'TerminateAsyncEvent': return terminate(p, call, reqRegion);
      default: throw new ApiError('InvalidAction', `The action ${action || '(none)'} is not supported by this SCF test server.`);
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const t0 = performance.now();
    const requestId = randomUUID();
    const call: ScfCall = { action: header(req, 'x-tc-action') ?? '', requestId, status: 'OK', ms: 0 };
    let response: object;
    try {
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const c of req as AsyncIterable<Buffer>) {
        size += c.length;
        if (size > SYNC_EVENT_MAX * 2) throw new ApiError('InvalidParameter', 'Request body too large.');
        chunks.push(c);
      }
      const body = Buffer.concat(chunks);
      if (req.method !== 'POST') throw new ApiError('UnsupportedProtocol', 'Only POST with a JSON body is supported.');
      verifyTc3(req, body, credentials);
      if (header(req, 'x-tc-version') !== API_VERSION) throw new ApiError('NoSuchVersion', `Version ${header(req, 'x-tc-version')} does not exist; scf uses ${API_VERSION}.`);
      let params: unknown;
      try { params = JSON.parse(body.toString('utf8') || '{}'); } catch { throw new ApiError('InvalidParameter', 'The body is not JSON.'); }
      if (!params || typeof params !== 'object' || Array.isArray(params)) throw new ApiError('InvalidParameter', 'The body must be a JSON object.');
      const result = await dispatch(call.action, params as Record<string, unknown>, call, header(req, 'x-tc-region'));
      response = { Response: { ...result, RequestId: requestId } };
    } catch (e) {
      const err = e instanceof ApiError ? e : new ApiError('InternalError', e instanceof Error ? e.message : String(e));
      call.status = err.code;
      response = { Response: { Error: { Code: err.code, Message: err.message }, RequestId: requestId } };
    }
    call.ms = Math.round(performance.now() - t0);
    calls.push(call);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(response));
  }

  const server = createServer((req, res) => { void handle(req, res); });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    port,
    endpoint: `127.0.0.1:${port}`,
    credentials,
    region,
    namespace,
    calls,
    invocation: (id) => instances.get(id)?.inv,
    invocations: () => [...instances.values()].map((x) => x.inv),
    async close() {
      const live = [...instances.values()].filter((x) => x.inv.exit === undefined);
      for (const x of live) killGroup(x.child.pid, 'SIGKILL');
      await Promise.all(live.map((x) => x.exited));
      await new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections(); });
    },
  };
}
