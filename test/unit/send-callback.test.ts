import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { sendCallback } from '../../shared/clips/send-callback.ts';
import type { ClipJob } from '../../shared/domain/schemas.ts';
import { createLogger } from '../../shared/log/logger.ts';

/** A loopback receiver answering with the given statuses in turn. */
async function receiver(statuses: number[]) {
  const hits: string[] = [];
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => { hits.push(req.headers['x-hl-signature'] as string); res.writeHead(statuses[Math.min(hits.length - 1, statuses.length - 1)]!).end(); });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/cb`, hits, close: () => server.close() };
}

const job = (url: string) => ({ id: 'j1', streamId: 's', mode: 'copy', state: 'succeeded', callbackUrl: url, requested: {}, progress: { phase: 'done', done: 1, total: 1 } }) as unknown as ClipJob;
const opts = { secret: 's3cret', baseDelayMs: 5, log: createLogger({ level: 'silent' }) };

test('retries 5xx and 429 until delivered, each attempt freshly signed', async () => {
  const r = await receiver([503, 429, 204]);
  try {
    const out = await sendCallback(job(r.url), { ...opts, attempts: 5 });
    assert.deepEqual([out.delivered, out.attempts, out.lastStatus], [true, 3, 204]);
    assert.equal(new Set(r.hits).size, 3, 'a new nonce (so signature) per attempt');
  } finally { r.close(); }
});

test('a 4xx other than 408/429 is final; attempts are bounded', async () => {
  const r = await receiver([400]);
  try {
    const out = await sendCallback(job(r.url), { ...opts, attempts: 5 });
    assert.deepEqual([out.delivered, out.attempts, out.lastStatus], [false, 1, 400]);
  } finally { r.close(); }
  const down = await receiver([500]);
  try {
    const out = await sendCallback(job(down.url), { ...opts, attempts: 3 });
    assert.deepEqual([out.delivered, out.attempts, down.hits.length], [false, 3, 3]);
  } finally { down.close(); }
});

test('an unreachable receiver fails after the bounded attempts with the network error', async () => {
  const out = await sendCallback(job('http://127.0.0.1:9/cb'), { ...opts, attempts: 2 });
  assert.equal(out.delivered, false);
  assert.equal(out.attempts, 2);
  assert.ok(out.lastError && out.lastError.length > 0);
});
