import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { ApiClient } from '../cli/api-client.ts';
import { startLocalRuntime, type LocalRuntime } from '../local/local-runtime.ts';
import { createLogger } from '../shared/log/logger.ts';
import { sleep } from './stats.ts';

/** One structured log line the runtime wrote (captured, never printed). */
export interface LogLine { t: number; level: string; msg: string; [k: string]: unknown }

export interface BenchRuntime {
  rt: LocalRuntime;
  client: ApiClient;
  logs: LogLine[];
  stop(): Promise<void>;
}

/**
 * The local runtime in this process, on a free port, with a quiet logger whose lines are kept
 * (with their timestamps) for the cloud model. Trigger watchers and timers are off: nothing but the
 * API drives it, and the watchdog's store scans do not add noise to the timings.
 */
export async function startBenchRuntime(dataDir: string): Promise<BenchRuntime> {
  const logs: LogLine[] = [];
  const keep = new Set(['fanout.plan', 'part.encoded', 'clip.succeeded', 'clip.failed', 'fanout.part_retry', 'handler.failed', 'invoke.failed', 'clip.postroll_incomplete', 'segment.published', 'recorder.run_started']);
  const log = createLogger({
    // debug: segment.published carries the segment-to-playlist latency (the record section).
    level: 'debug',
    sink: (line) => {
      try {
        const rec = JSON.parse(line) as { t: string; level: string; msg: string };
        if (keep.has(rec.msg) || rec.level === 'error' || rec.level === 'warn') logs.push({ ...rec, t: Date.parse(rec.t) });
      } catch { /* not JSON: ignore */ }
    },
  });
  const secret = 'bench-' + randomBytes(16).toString('hex');
  const rt = await startLocalRuntime({
    dataDir, port: 0, host: '127.0.0.1', log,
    config: { secret, concurrency: 2 },
    services: { triggers: false, timers: false },
  });
  return { rt, client: new ApiClient(rt.url, secret), logs, stop: () => rt.stop() };
}

export interface PhaseSeen { status: string; phase: string; done: number; total: number; atMs: number }

export interface TriggerRun {
  id: string;
  /** Before the POST → the poll that saw `succeeded` (client side, ms). */
  triggerToReadyMs: number;
  /** POST round trip (accept). */
  acceptMs: number;
  polls: number;
  /** Each change of status/phase/done as the client saw it, ms after the trigger. */
  phases: PhaseSeen[];
  job: any;
  startedAtEpochMs: number;
}

let counter = 0;
export const newId = (prefix: string) => `${prefix}_${Date.now().toString(36)}_${(counter++).toString(36)}`;

/** Trigger a highlight through the signed API and poll it every pollMs until it finishes. */
export async function triggerAndWait(b: BenchRuntime, body: Record<string, unknown>, o: { pollMs: number; timeoutMs?: number }): Promise<TriggerRun> {
  const startedAtEpochMs = Date.now();
  const t0 = performance.now();
  const { body: accepted } = await b.client.request('POST', '/v1/highlights', body);
  const acceptMs = performance.now() - t0;
  const id = String(accepted.id);
  const phases: PhaseSeen[] = [];
  const deadline = t0 + (o.timeoutMs ?? 15 * 60_000);
  let polls = 0;
  let last = '';
  for (;;) {
    const { body: job } = await b.client.request('GET', `/v1/highlights/${id}`);
    const now = performance.now();
    polls++;
    const p = job.progress ?? {};
    const sig = `${job.status}|${p.phase}|${p.done}`;
    if (sig !== last) {
      last = sig;
      phases.push({ status: job.status, phase: p.phase, done: p.done, total: p.total, atMs: now - t0 });
    }
    if (job.status === 'succeeded') return { id, triggerToReadyMs: now - t0, acceptMs, polls, phases, job, startedAtEpochMs };
    if (job.status === 'failed' || job.status === 'cancelled') {
      throw new Error(`highlight ${id} ${job.status}: ${job.error?.code ?? ''}: ${job.error?.message ?? ''}`);
    }
    if (now > deadline) throw new Error(`highlight ${id} did not finish within ${(deadline - t0) / 1000}s (status ${job.status}, phase ${p.phase})`);
    await sleep(o.pollMs);
  }
}
