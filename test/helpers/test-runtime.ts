import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ApiClient } from '../../cli/api-client.ts';
import { startLocalRuntime, type LocalRuntime, type LocalRuntimeOptions } from '../../local/local-runtime.ts';
import { createLogger } from '../../shared/log/logger.ts';
import { listAll } from '../../shared/storage/object-store.ts';

export interface TestRuntime {
  rt: LocalRuntime;
  client: ApiClient;
  dataDir: string;
  close(): Promise<void>;
}

/** A real local runtime on a loopback port with its own temp data folder. */
export async function startTestRuntime(config: Record<string, unknown> = {}, opts: Pick<LocalRuntimeOptions, 'timeoutSec' | 'services' | 'store' | 'log'> = {}): Promise<TestRuntime> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'hl-test-'));
  const rt = await startLocalRuntime({
    dataDir, port: 0, host: '127.0.0.1', watchMs: 200, ...opts,
    config: { secret: 'test-secret-' + path.basename(dataDir), heartbeatTtlSec: 8, postRollWaitSec: 8, ...config },
    log: opts.log ?? createLogger({ level: (process.env.HL_TEST_LOG as 'info' | undefined) ?? 'silent' }),
  });
  const client = new ApiClient(rt.url, rt.config.secret);
  return {
    rt, client, dataDir,
    async close() {
      await rt.stop();
      // HL_TEST_KEEP=1 keeps the data folder for a look after a failure.
      if (process.env.HL_TEST_KEEP === '1') console.log(`# kept ${dataDir}`);
      else await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Poll until fn returns a truthy value, or fail after timeoutMs. */
export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | null | false>, timeoutMs = 30_000, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** Every object in the store with size and mtime, to prove a refused request wrote nothing. */
export async function snapshotStore(t: TestRuntime): Promise<string[]> {
  return (await listAll(t.rt.store, '')).map((o) => `${o.key} ${o.size} ${o.modified.getTime()}`);
}
