import { scf } from 'tencentcloud-sdk-nodejs-scf';
import { AppError } from '../domain/app-error.ts';
import type { Logger } from '../log/logger.ts';
import type { FunctionName, InvocationStatus, Invoker } from './invoker.ts';

export interface ScfInvokerOptions {
  region: string;
  /** Explicit keys; else the function role's temporary keys (SCF's TENCENTCLOUD_SECRETID/SECRETKEY/SESSIONTOKEN). */
  secretId?: string;
  secretKey?: string;
  sessionToken?: string;
  namespace?: string;
  /** Deployed names are prefix + api|segmenter|clipper|transcoder. */
  functionPrefix?: string;
  /** Another endpoint (a local SCF-compatible server in tests): host[:port] and protocol. */
  endpoint?: string;
  protocol?: 'http://' | 'https://';
  /** Attempts on transient API failures (network, InternalError, throttling). */
  attempts?: number;
  baseDelayMs?: number;
  log?: Logger;
}

type ScfClient = InstanceType<typeof scf.v20180416.Client>;

/**
 * The SDK's EnvironmentVariableCredential reads TENCENTCLOUD_SECRET_ID/_SECRET_KEY/_SESSION_TOKEN, not
 * the names SCF sets (REFERENCE.md §3), so the role's keys are mapped here.
 */
export function scfCredentials(o: Pick<ScfInvokerOptions, 'secretId' | 'secretKey' | 'sessionToken'>, env: NodeJS.ProcessEnv = process.env) {
  const secretId = o.secretId ?? env.TENCENTCLOUD_SECRETID;
  const secretKey = o.secretKey ?? env.TENCENTCLOUD_SECRETKEY;
  const token = o.secretId ? o.sessionToken : (o.sessionToken ?? env.TENCENTCLOUD_SESSIONTOKEN);
  if (!secretId || !secretKey) throw new AppError('INVOKE_FAILED', 'no SCF credentials: give secretId/secretKey, or run in SCF with a role (TENCENTCLOUD_SECRETID/SECRETKEY)');
  return { secretId, secretKey, token: token || undefined };
}

/** SDK failures that are worth another try: no response, server-side errors, throttling. */
function transient(err: { code?: string; message?: string }): boolean {
  const code = err.code ?? '';
  if (!code) return true;
  return code.startsWith('InternalError') || code === 'RequestLimitExceeded' || code.startsWith('ResourceUnavailable') || code === 'FailedOperation.Throttled';
}

const STATUS: Record<string, InvocationStatus> = { RUNNING: 'RUNNING', FINISHED: 'FINISHED', FAILED: 'FAILED', ABORTED: 'ABORTED' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The Invoker on Tencent SCF (tencentcloud-sdk-nodejs-scf): `Invoke` RequestResponse for sync calls
 * (transcoder parts; SCF caps them at 300 s), `Event` for async ones (segmenter, clipper), status by
 * `GetAsyncEventStatus`, cancel by `TerminateAsyncEvent` with a graceful shutdown (SIGTERM first).
 */
export class ScfInvoker implements Invoker {
  private readonly client: ScfClient;
  private readonly o: ScfInvokerOptions;
  /** Which function an async request id belongs to (this instance started it); terminate needs the name. */
  private readonly started = new Map<string, FunctionName>();

  constructor(o: ScfInvokerOptions) {
    this.o = o;
    const cred = scfCredentials(o);
    this.client = new scf.v20180416.Client({
      credential: cred,
      region: o.region,
      profile: { httpProfile: { ...(o.endpoint ? { endpoint: o.endpoint } : {}), protocol: o.protocol ?? 'https://', reqTimeout: 310 } },
    });
  }

  private name(fn: FunctionName): string {
    return `${this.o.functionPrefix ?? ''}${fn}`;
  }

  /**
   * One API call with retries on transient failures. `once`: an action that must not run twice
   * (an async Invoke): a failure without an answer may have started it, so only refusals the API
   * answered (throttling) are retried.
   */
  private async call<T>(what: string, fn: () => Promise<T>, once = false): Promise<T> {
    const attempts = this.o.attempts ?? 3;
    for (let i = 1; ; i++) {
      try {
        return await fn();
      } catch (raw) {
        const err = raw as { code?: string; message?: string; requestId?: string };
        const retry = once ? Boolean(err.code) && transient(err) && !err.code!.startsWith('InternalError') : transient(err);
        if (i < attempts && retry) {
          await sleep((this.o.baseDelayMs ?? 300) * 2 ** (i - 1) * (0.5 + Math.random()));
          continue;
        }
        throw new AppError('INVOKE_FAILED', `SCF ${what}: ${err.code ?? 'no response'}: ${err.message ?? String(raw)}`, { scfCode: err.code, requestId: err.requestId });
      }
    }
  }

  async invokeSync<T = unknown>(fn: FunctionName, event: unknown): Promise<T> {
    const r = await this.call(`Invoke ${this.name(fn)}`, () => this.client.Invoke({
      FunctionName: this.name(fn), InvocationType: 'RequestResponse', ClientContext: JSON.stringify(event), Namespace: this.o.namespace ?? 'default', Qualifier: '$LATEST',
    }));
    const result = r.Result ?? {};
    if (result.ErrMsg || result.InvokeResult === -1) {
      throw new AppError('INVOKE_FAILED', `${this.name(fn)} failed (request ${result.FunctionRequestId ?? '?'}): ${errorText(result.ErrMsg)}`);
    }
    return (result.RetMsg ? JSON.parse(result.RetMsg) : undefined) as T;
  }

  async invokeAsync(fn: FunctionName, event: unknown): Promise<{ requestId: string }> {
    const body = JSON.stringify(event);
    if (Buffer.byteLength(body) > 128 * 1024) throw new AppError('INVOKE_FAILED', `async event for ${fn} is ${Buffer.byteLength(body)} bytes; SCF takes at most 128 KB`);
    const r = await this.call(`Invoke (async) ${this.name(fn)}`, () => this.client.Invoke({
      FunctionName: this.name(fn), InvocationType: 'Event', ClientContext: body, Namespace: this.o.namespace ?? 'default', Qualifier: '$LATEST',
    }), true);
    const requestId = r.Result?.FunctionRequestId;
    if (!requestId) throw new AppError('INVOKE_FAILED', `SCF accepted the async invoke of ${this.name(fn)} but gave no request id`);
    this.started.set(requestId, fn);
    return { requestId };
  }

  async status(requestId: string): Promise<InvocationStatus> {
    const r = await this.call('GetAsyncEventStatus', () => this.client.GetAsyncEventStatus({ InvokeRequestId: requestId }));
    return STATUS[r.Result?.Status ?? ''] ?? 'UNKNOWN';
  }

  async terminate(requestId: string): Promise<void> {
    // An invocation another instance started: try the async functions it can belong to.
    const known = this.started.get(requestId);
    const candidates: FunctionName[] = known ? [known] : ['clipper', 'segmenter'];
    for (const fn of candidates) {
      try {
        await this.call(`TerminateAsyncEvent ${this.name(fn)}`, () => this.client.TerminateAsyncEvent({
          FunctionName: this.name(fn), InvokeRequestId: requestId, Namespace: this.o.namespace ?? 'default', GraceShutdown: true,
        }));
        return;
      } catch (err) {
        const code = ((err as AppError).details as { scfCode?: string } | undefined)?.scfCode ?? '';
        if (code.startsWith('ResourceNotFound') || code.startsWith('InvalidParameterValue')) continue;
        throw err;
      }
    }
  }
}

/** SCF reports a handler's error as JSON {errorCode, errorMessage, …} in ErrMsg; show its message. */
function errorText(errMsg: string | undefined): string {
  if (!errMsg) return 'the function returned an error';
  try {
    const e = JSON.parse(errMsg) as { errorMessage?: string; errorCode?: unknown };
    return e.errorMessage ?? errMsg;
  } catch {
    return errMsg;
  }
}
