import { existsSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ReplayGuard } from '../shared/auth/request-signature.ts';
import { loadConfig, type Config } from '../shared/config/config.ts';
import { AppError } from '../shared/domain/app-error.ts';
import { isValidKey } from '../shared/domain/ids.ts';
import { HIGHLIGHT_TRIGGER_PREFIX } from '../shared/domain/store-keys.ts';
import type { FunctionHandler } from '../shared/invoke/invoker.ts';
import { LocalInvoker, type LocalFunction } from '../shared/invoke/local-invoker.ts';
import { createLogger, type Logger } from '../shared/log/logger.ts';
import { runInScope, type Deps } from '../shared/runtime/deps.ts';
import { LocalFsStore } from '../shared/storage/local-fs-store.ts';
import { listAll, type ObjectStore } from '../shared/storage/object-store.ts';
import { createStore } from '../shared/storage/create-store.ts';
import type { ApiGatewayResponse } from '../shared/triggers/api-gateway-event.ts';
import { toApiGatewayEvent } from '../shared/triggers/api-gateway-event.ts';
import { makeCosEvent } from '../shared/triggers/cos-event.ts';
import { makeTimerEvent } from '../shared/triggers/timer-event.ts';
import { cronIntervalMs } from './cron-interval.ts';
import { localSecret } from './local-secret.ts';
import { loadManifest, type Manifest } from './serverless-manifest.ts';

export interface LocalRuntimeOptions {
  dataDir?: string;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  manifestPath?: string;
  config?: Partial<Config>;
  log?: Logger;
  /** How often the trigger-folder watcher looks for new objects. */
  watchMs?: number;
  /** The handlers' store (default: the data folder, or COS when HL_STORE=cos). */
  store?: ObjectStore;
  /** Which trigger sources run (all by default); a one-off invocation needs none of them. */
  services?: { triggers?: boolean; timers?: boolean };
  /** Per-function time limits in seconds, replacing serverless.yml's (to exercise deadlines and hand-over). */
  timeoutSec?: Record<string, number>;
}

export interface LocalRuntime {
  url: string;
  /** The data folder's store (outputs of a local run; tests read files with pathOf). The handlers use deps.store. */
  store: LocalFsStore;
  config: Config;
  deps: Deps;
  manifest: Manifest;
  stop(): Promise<void>;
}

const ROOT = path.resolve(import.meta.dirname, '..');
const CONTENT_TYPES: Record<string, string> = { '.mp3': 'audio/mpeg', '.mp4': 'video/mp4', '.jpg': 'image/jpeg', '.ts': 'video/mp2t', '.m3u8': 'application/vnd.apple.mpegurl', '.json': 'application/json' };
/** Only these prefixes are served under /files (outputs and live replay; never jobs' internals). */
const SERVED = [/^clips\/[^/]+\/([^/]+\.(mp4|jpg)|preview\.m3u8)$/, /^streams\/[^/]+\/(index\.m3u8|seg\/[^/]+\.ts)$/, /^compat\/output\/.+\.(mp3|mp4)$/];

async function importHandler(src: string, handler: string): Promise<FunctionHandler> {
  const [file, exportName] = handler.split('.') as [string, string];
  const candidates = [`${file}.ts`, `${file}.js`, `${file}.mjs`].map((f) => path.join(src, f));
  const found = candidates.find((c) => existsSync(c));
  if (!found) throw new AppError('INTERNAL', `handler ${handler} not found in ${src}`);
  const mod = (await import(pathToFileURL(found).href)) as Record<string, unknown>;
  const fn = mod[exportName];
  if (typeof fn !== 'function') throw new AppError('INTERNAL', `${found} has no export ${exportName}`);
  return fn as FunctionHandler;
}

function readBody(req: http.IncomingMessage, limit: number): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) over = true;
      else chunks.push(c);
    });
    req.on('end', () => resolve(over ? null : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/**
 * The local runtime: the same handlers as the cloud, wired by serverless.yml. An HTTP server turns
 * requests into API gateway events for `api`; a watcher turns new objects under the COS-trigger
 * prefix into COS events; timers fire timer events; the local invoker runs everything in-process.
 */
export async function startLocalRuntime(o: LocalRuntimeOptions = {}): Promise<LocalRuntime> {
  const base = loadConfig(process.env, { ...o.config, ...(o.dataDir ? { dataDir: path.resolve(o.dataDir) } : {}) });
  const secret = o.config?.secret ?? (await localSecret(base.dataDir));
  const config: Config = { ...base, secret };
  const log = o.log ?? createLogger();
  const manifest = await loadManifest(o.manifestPath ?? path.join(ROOT, 'serverless.yml'));
  // The data folder; the handlers' store is it unless a COS bucket is configured (HL_STORE=cos) or given.
  const local = new LocalFsStore({ root: config.dataDir });
  const store: ObjectStore = o.store ?? createStore(config, local);

  const functions: LocalFunction[] = [];
  for (const f of manifest.functions) {
    functions.push({ name: f.name, handler: await importHandler(f.src, f.handler), timeoutSec: o.timeoutSec?.[f.name] ?? f.timeoutSec, memoryMb: f.memoryMb, asyncRun: f.asyncRun });
  }
  let deps!: Deps;
  const invoker = new LocalInvoker(functions, { concurrency: config.concurrency, log, wrap: (signal, run) => runInScope(deps, signal, run) });
  deps = { config, store, invoker, log, replay: new ReplayGuard(config.signatureToleranceSec * 2000) };

  const apiFn = manifest.triggers.find((t) => t.type === 'apigw')?.function ?? 'api';
  const server = http.createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://local');
      if (url.pathname.startsWith('/files/')) return serveFile(url.pathname.slice('/files/'.length), req, res);
      const body = await readBody(req, config.maxBodyBytes);
      if (body === null) {
        res.writeHead(413, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ error: { code: 'PAYLOAD_TOO_LARGE', message: `request body is larger than ${config.maxBodyBytes} bytes` } }));
      }
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
      const event = toApiGatewayEvent({
        method: req.method ?? 'GET', path: url.pathname, headers, query: Object.fromEntries(url.searchParams), body,
        requestId: crypto.randomUUID(), sourceIp: req.socket.remoteAddress,
      });
      const out = await invoker.invokeSync<ApiGatewayResponse>(apiFn, event);
      res.writeHead(out.statusCode, out.headers);
      res.end(out.isBase64Encoded ? Buffer.from(out.body, 'base64') : out.body);
    })().catch((err) => {
      log.error('http.failed', { error: err });
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'INTERNAL', message: 'internal error' } }));
    });
  });

  async function serveFile(key: string, req: http.IncomingMessage, res: http.ServerResponse) {
    key = decodeURIComponent(key);
    const info = isValidKey(key) && SERVED.some((r) => r.test(key)) ? await store.head(key) : null;
    if (!info) {
      res.writeHead(404, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ error: { code: 'NOT_FOUND', message: `no file ${key}` } }));
    }
    const type = CONTENT_TYPES[path.extname(key)] ?? 'application/octet-stream';
    const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? '');
    const common = { 'content-type': type, 'accept-ranges': 'bytes', 'cache-control': key.endsWith('.m3u8') ? 'no-cache' : 'public, max-age=60' };
    if (range && (range[1] || range[2])) {
      const startB = range[1] ? Number(range[1]) : Math.max(0, info.size - Number(range[2]));
      const endB = range[1] && range[2] ? Math.min(Number(range[2]), info.size - 1) : info.size - 1;
      if (startB > endB || startB >= info.size) {
        res.writeHead(416, { 'content-range': `bytes */${info.size}` });
        return res.end();
      }
      const buf = (await store.get(key)).subarray(startB, endB + 1);
      res.writeHead(206, { ...common, 'content-length': buf.length, 'content-range': `bytes ${startB}-${endB}/${info.size}` });
      return res.end(req.method === 'HEAD' ? undefined : buf);
    }
    res.writeHead(200, { ...common, 'content-length': info.size });
    if (req.method === 'HEAD') return res.end();
    (await store.stream(key)).pipe(res);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? Number(process.env.HL_PORT ?? 8787), o.host ?? process.env.HL_HOST ?? '127.0.0.1', resolve);
  });
  const addr = server.address() as AddressInfo;
  const url = `http://${addr.address.includes(':') ? `[${addr.address}]` : addr.address}:${addr.port}`;
  local.publicBaseUrl = config.publicBaseUrl ?? `${url}/files`;

  // COS triggers: poll the trigger prefix and send each new object as a COS event.
  const timers: NodeJS.Timeout[] = [];
  const cosTriggers = manifest.triggers.filter((t) => t.type === 'cos');
  const seen = new Map<string, string>();
  let watching = false;
  const watch = async () => {
    if (watching) return;
    watching = true;
    try {
      for (const t of cosTriggers) {
        const filter = (t.parameters.filter ?? {}) as { prefix?: string; suffix?: string };
        const prefix = filter.prefix ?? HIGHLIGHT_TRIGGER_PREFIX;
        const objects = await listAll(store, prefix);
        for (const obj of objects) {
          if (filter.suffix && !obj.key.endsWith(filter.suffix)) continue;
          const stamp = `${obj.size}:${obj.modified.getTime()}`;
          if (seen.get(obj.key) === stamp) continue;
          seen.set(obj.key, stamp);
          log.info('trigger.cos_event', { key: obj.key, function: t.function });
          await invoker.invokeAsync(t.function, makeCosEvent(obj.key, obj.size));
        }
      }
    } catch (err) {
      log.warn('trigger.watch_failed', { error: err });
    } finally {
      watching = false;
    }
  };
  if (cosTriggers.length && o.services?.triggers !== false) {
    await watch();
    timers.push(setInterval(() => void watch(), o.watchMs ?? 500));
  }

  for (const t of manifest.triggers.filter((x) => x.type === 'timer' && o.services?.timers !== false)) {
    const p = t.parameters as { name?: string; cronExpression?: string; argument?: string; enable?: boolean };
    if (p.enable === false) continue;
    const every = cronIntervalMs(String(p.cronExpression));
    timers.push(setInterval(() => {
      void invoker.invokeAsync(t.function, makeTimerEvent(p.name ?? 'timer', p.argument ?? ''));
    }, every));
  }

  log.info('runtime.started', { url, dataDir: config.dataDir, functions: manifest.functions.map((f) => f.name) });
  return {
    url, store: local, config, deps, manifest,
    async stop() {
      for (const t of timers) clearInterval(t);
      await invoker.shutdown();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
