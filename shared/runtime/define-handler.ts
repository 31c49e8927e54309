import { AppError } from '../domain/app-error.ts';
import type { FunctionContext, FunctionHandler } from '../invoke/invoker.ts';
import type { Logger } from '../log/logger.ts';
import { currentScope, type Deps } from './deps.ts';

export interface HandlerEnv {
  deps: Deps;
  log: Logger;
  context: FunctionContext;
  /** Fires on terminate, or shortly before the function's time limit: stop work and save state. */
  signal: AbortSignal;
  /** Epoch ms by which the handler must have returned. */
  deadline: number;
}

/** Stop this long before the platform's limit, to leave time to checkpoint. */
const DEADLINE_MARGIN_MS = 3000;

/** One signal that aborts when any of these does; dispose() removes its listeners (a warm instance serves many events). */
function anySignal(signals: AbortSignal[]): { signal: AbortSignal; dispose(): void } {
  const ctl = new AbortController();
  const listeners: Array<[AbortSignal, () => void]> = [];
  for (const s of signals) {
    if (s.aborted) { ctl.abort(s.reason); break; }
    const on = () => ctl.abort(s.reason);
    s.addEventListener('abort', on, { once: true });
    listeners.push([s, on]);
  }
  return { signal: ctl.signal, dispose: () => listeners.forEach(([s, on]) => s.removeEventListener('abort', on)) };
}

/**
 * Wrap a function's core as an SCF `main_handler(event, context)`: resolves the runtime's deps,
 * derives a deadline signal from context.time_limit_in_ms, logs start/end/failure with the
 * request id. Concerns live here, not in each handler.
 */
export function defineHandler(name: string, core: (event: unknown, env: HandlerEnv) => Promise<unknown>): FunctionHandler {
  return async (event, context) => {
    const { deps, signal: outer } = currentScope();
    const started = Date.now();
    const limit = Number(context?.time_limit_in_ms) || 900_000;
    const deadline = started + limit;
    const timer = new AbortController();
    const t = setTimeout(
      () => timer.abort(new AppError('DEADLINE_EXCEEDED', `${name} is within ${DEADLINE_MARGIN_MS}ms of its ${limit}ms time limit`)),
      Math.max(0, limit - DEADLINE_MARGIN_MS),
    );
    t.unref();
    const { signal, dispose } = anySignal(outer ? [outer, timer.signal] : [timer.signal]);
    const log = deps.log.child({ fn: name, requestId: context?.request_id });
    try {
      return await core(event, { deps, log, context, signal, deadline });
    } catch (err) {
      log.error('handler.failed', { error: err, ms: Date.now() - started });
      throw err;
    } finally {
      clearTimeout(t);
      dispose();
    }
  };
}
