/*
 * The SCF Invoker against the local SCF-compatible server (TC3-signed SDK calls, child-process
 * instances): results, a handler's error as INVOKE_FAILED with its message, async status, terminate
 * (graceful: SIGTERM reaches the handler), role keys from SCF's variable names, refused credentials.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ScfInvoker, scfCredentials } from '../../shared/invoke/scf-invoker.ts';
import { waitFor } from '../helpers/test-runtime.ts';
import { startScfServer, type ScfServer } from '../servers/scf-server.ts';

let scf: ScfServer;
let dir: string;
const invoker = (over: Partial<ConstructorParameters<typeof ScfInvoker>[0]> = {}) => new ScfInvoker({
  region: scf.region, endpoint: scf.endpoint, protocol: 'http://', functionPrefix: 'hl-', baseDelayMs: 10,
  secretId: scf.credentials.secretId, secretKey: scf.credentials.secretKey, sessionToken: scf.credentials.token, ...over,
});

describe('SCF invoker (tencentcloud-sdk-nodejs-scf) against the local SCF server', () => {
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'hl-scf-inv-'));
    const fn = async (name: string, body: string) => {
      await writeFile(path.join(dir, `${name}.mjs`), body);
      return { name: `hl-${name}`, entry: path.join(dir, `${name}.mjs`), timeoutSec: 30, memoryMb: 128 };
    };
    scf = await startScfServer({
      functions: [
        await fn('transcoder', 'export const main_handler = async (event) => ({ part: event.part, doubled: event.part * 2 });'),
        await fn('clipper', `export const main_handler = async (event) => {
          if (event.boom) throw new Error('part 2 failed: x264 said no');
          await new Promise((resolve) => { process.once('SIGTERM', () => { console.log('got SIGTERM'); process.exit(0); }); setTimeout(resolve, event.ms ?? 10); });
          return 'ok';
        };`),
      ],
    });
  });
  after(async () => {
    await scf?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('invokes synchronously and returns the handler value; a handler error is INVOKE_FAILED with its message', async () => {
    assert.deepEqual(await invoker().invokeSync('transcoder', { part: 21 }), { part: 21, doubled: 42 });
    await assert.rejects(invoker().invokeSync('clipper', { boom: true }), (e: Error & { code?: string }) => e.code === 'INVOKE_FAILED' && /hl-clipper failed/.test(e.message));
  });

  it('invokes asynchronously, reports status, and terminates gracefully', async () => {
    const inv = invoker();
    const quick = await inv.invokeAsync('clipper', { ms: 50 });
    await waitFor('finished', async () => (await inv.status(quick.requestId)) === 'FINISHED', 15_000, 100);
    const slow = await inv.invokeAsync('clipper', { ms: 60_000 });
    await waitFor('running', async () => (await inv.status(slow.requestId)) === 'RUNNING' && scf.invocation(slow.requestId)?.pid, 15_000, 100);
    // Terminate from another instance (the api cancelling a clip it did not start).
    await invoker().terminate(slow.requestId);
    assert.equal(await inv.status(slow.requestId), 'ABORTED');
    await waitFor('SIGTERM handled', async () => /got SIGTERM/.test(scf.invocation(slow.requestId)?.log ?? '') || scf.invocation(slow.requestId)?.exit, 10_000, 100);
  });

  it('maps SCF\'s role variables to SDK credentials, and refuses wrong ones without retrying', async () => {
    assert.deepEqual(scfCredentials({}, { TENCENTCLOUD_SECRETID: 'id', TENCENTCLOUD_SECRETKEY: 'key', TENCENTCLOUD_SESSIONTOKEN: 'tok' }), { secretId: 'id', secretKey: 'key', token: 'tok' });
    assert.throws(() => scfCredentials({}, {}), /no SCF credentials/);
    const before = scf.calls.length;
    await assert.rejects(invoker({ secretKey: 'wrong' }).invokeSync('transcoder', { part: 1 }), (e: Error & { code?: string }) => e.code === 'INVOKE_FAILED' && /AuthFailure\.SignatureFailure/.test(e.message));
    assert.equal(scf.calls.length - before, 1, 'an auth failure is not retried');
    await assert.rejects(invoker({ functionPrefix: 'other-' }).invokeSync('transcoder', {}), /ResourceNotFound\.Function/);
  });
});
