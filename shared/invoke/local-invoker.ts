import { randomUUID } from 'node:crypto';
import pLimit, { type LimitFunction } from 'p-limit';
import { AppError } from '../domain/app-error.ts';
import type { Logger } from '../log/logger.ts';
import type { FunctionContext, FunctionHandler, FunctionName, InvocationStatus, Invoker } from './invoker.ts';

export interface LocalFunction {
  name: FunctionName;
  handler: FunctionHandler;
  timeoutSec: number;
  memoryMb: number;
  /** Async-run functions (recorders, clippers) each get their own "instance"; others share the pool. */
  asyncRun: boolean;
}

interface Running {
  fn: FunctionName;
  status: InvocationStatus;
  abort: AbortController;
  done: Promise<unknown>;
}

/**
 * Runs functions in this process, shaped like SCF: each invocation gets an SCF-style context with
 * its own request id and time limit, and an AbortSignal (terminate, or the time limit passing).
 * Sync invocations of pooled functions are bounded by p-limit, as SCF's instance quota bounds them.
 */
export class LocalInvoker implements Invoker {
  private fns = new Map<FunctionName, LocalFunction>();
  private limits = new Map<FunctionName, LimitFunction>();
  private running = new Map<string, Running>();

  constructor(
    functions: LocalFunction[],
    private opts: { concurrency: number; log: Logger; wrap?: <T>(signal: AbortSignal, run: () => Promise<T>) => Promise<T> },
  ) {
    for (const f of functions) {
      this.fns.set(f.name, f);
      if (!f.asyncRun) this.limits.set(f.name, pLimit(opts.concurrency));
    }
  }

  private start(name: FunctionName, event: unknown): { requestId: string; done: Promise<unknown> } {
    const f = this.fns.get(name);
    if (!f) throw new AppError('INVOKE_FAILED', `no function named ${name} in serverless.yml`);
    const requestId = randomUUID();
    const abort = new AbortController();
    const context: FunctionContext = {
      request_id: requestId,
      function_name: name,
      time_limit_in_ms: f.timeoutSec * 1000,
      memory_limit_in_mb: f.memoryMb,
      namespace: 'default',
      environment: '{}',
    };
    const run = async () => {
      const timer = setTimeout(() => abort.abort(new AppError('DEADLINE_EXCEEDED', `${name} ran past its ${f.timeoutSec}s time limit`)), f.timeoutSec * 1000);
      timer.unref();
      try {
        const call = () => f.handler(structuredClone(event), context);
        return await (this.opts.wrap ? this.opts.wrap(abort.signal, call) : call());
      } finally {
        clearTimeout(timer);
      }
    };
    const limit = this.limits.get(name);
    const done = limit ? limit(run) : run();
    const entry: Running = { fn: name, status: 'RUNNING', abort, done };
    this.running.set(requestId, entry);
    done.then(
      () => { entry.status = abort.signal.aborted ? 'ABORTED' : 'FINISHED'; },
      (err) => {
        entry.status = abort.signal.aborted ? 'ABORTED' : 'FAILED';
        this.opts.log.error('invoke.failed', { fn: name, requestId, error: err });
      },
    );
    return { requestId, done };
  }

  async invokeSync<T>(fn: FunctionName, event: unknown): Promise<T> {
    return (await this.start(fn, event).done) as T;
  }

  async invokeAsync(fn: FunctionName, event: unknown): Promise<{ requestId: string }> {
    const { requestId, done } = this.start(fn, event);
    done.catch(() => {}); // failures are logged and visible through status()
    return { requestId };
  }

  async status(requestId: string): Promise<InvocationStatus> {
    return this.running.get(requestId)?.status ?? 'UNKNOWN';
  }

  async terminate(requestId: string): Promise<void> {
    this.running.get(requestId)?.abort.abort(new AppError('ABORTED', 'invocation terminated'));
  }

  /** Abort everything still running and wait for it to settle (runtime shutdown). */
  async shutdown(graceMs = 5000): Promise<void> {
    const live = [...this.running.values()].filter((r) => r.status === 'RUNNING');
    for (const r of live) r.abort.abort(new AppError('ABORTED', 'runtime shutting down'));
    await Promise.race([
      Promise.allSettled(live.map((r) => r.done)),
      new Promise((res) => setTimeout(res, graceMs).unref()),
    ]);
  }
}
