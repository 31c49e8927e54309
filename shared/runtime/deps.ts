import { AsyncLocalStorage } from 'node:async_hooks';
import { AppError } from '../domain/app-error.ts';
import type { Config } from '../config/config.ts';
import type { ObjectStore } from '../storage/object-store.ts';
import type { Invoker } from '../invoke/invoker.ts';
import type { Logger } from '../log/logger.ts';
import type { ReplayGuard } from '../auth/request-signature.ts';
import { cloudDeps, inScf } from './cloud-deps.ts';

/** What a function needs from its surroundings; built once per runtime (per SCF instance in the cloud). */
export interface Deps {
  config: Config;
  store: ObjectStore;
  invoker: Invoker;
  log: Logger;
  replay: ReplayGuard;
}

interface Scope {
  deps: Deps;
  /** Aborts when the invocation is terminated or its time limit passes. */
  signal: AbortSignal;
}

const scopes = new AsyncLocalStorage<Scope>();
let processDefault: Deps | undefined;

/** Run fn with these deps visible to every handler it calls (the local runtime wraps each invocation). */
export function runInScope<T>(deps: Deps, signal: AbortSignal, fn: () => Promise<T>): Promise<T> {
  return scopes.run({ deps, signal }, fn);
}

/** Deps for handlers invoked outside a local runtime scope (a deployed function instance). */
export function setProcessDeps(deps: Deps): void {
  processDefault = deps;
}

/** SCF stops a terminated async invocation with SIGTERM (GraceShutdown): the handler's signal aborts. */
let sigterm: AbortController | undefined;

export function currentScope(): { deps: Deps; signal?: AbortSignal } {
  const s = scopes.getStore();
  if (s) return s;
  if (!processDefault && inScf()) processDefault = cloudDeps();
  if (processDefault && inScf() && (!sigterm || sigterm.signal.aborted)) {
    // A fresh signal per invocation once one was used up (an instance may serve another event after a graceful stop).
    const ctl = new AbortController();
    sigterm = ctl;
    process.once('SIGTERM', () => ctl.abort(new AppError('ABORTED', 'the invocation was terminated (SIGTERM)')));
  }
  if (processDefault) return { deps: processDefault, signal: sigterm?.signal };
  throw new AppError('INTERNAL', 'no runtime is configured for this function: run it through the local runtime (npm start, npm run invoke), or deploy it to SCF (TENCENTCLOUD_RUNENV=SCF with HL_STORE=cos)');
}
