/*
 * The local SCF server (test/servers/scf-server.ts) against the real tencentcloud-sdk-nodejs-scf client:
 * sync/async Invoke, event status and listing, termination, time limits, and TC3 authentication
 * (including a request signed by hand with node:crypto, to check the verifier independently of the SDK).
 */
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import tencentcloud from 'tencentcloud-sdk-nodejs-scf';
import { startScfServer, type ScfServer } from '../servers/scf-server.ts';

const ScfClient = tencentcloud.scf.v20180416.Client;
type Client = InstanceType<typeof ScfClient>;

const FUNCTIONS: Record<string, string> = {
  'echo.mjs': `export const main_handler = async (event, context) => {
  console.log('echo got', JSON.stringify(event));
  const e = process.env;
  return { event, context, cwd: process.cwd(), env: { secretId: e.TENCENTCLOUD_SECRETID, token: e.TENCENTCLOUD_SESSIONTOKEN,
    runenv: e.TENCENTCLOUD_RUNENV, fn: e.SCF_FUNCTIONNAME, runtime: e.SCF_RUNTIME, region: e.TENCENTCLOUD_REGION, custom: e.CUSTOM,
    leaked: e.SCF_TEST_PARENT_ONLY ?? null } };
};`,
  'sleep.mjs': `export async function main_handler(event) {
  console.log('sleeping', event.ms);
  await new Promise((r) => setTimeout(r, event.ms));
  return { slept: event.ms };
}`,
  'boom.mjs': `export async function main_handler() { throw new Error('kaboom from handler'); }`,
  'exit.mjs': `export async function main_handler() { process.exit(3); }`,
  'cb.cjs': `exports.main_handler = (event, context, callback) => { setTimeout(() => callback(null, { cjs: true, n: event.n }), 10); };`,
  'typed.ts': `export const main_handler = async (e: { n: number }): Promise<{ doubled: number }> => ({ doubled: e.n * 2 });`,
};

let dir = '';
let server: ScfServer;
let client: Client;

const makeClient = (over: { secretId?: string; secretKey?: string; token?: string; region?: string } = {}): Client => new ScfClient({
  credential: { secretId: server.credentials.secretId, secretKey: server.credentials.secretKey, token: server.credentials.token, ...over },
  region: over.region ?? server.region,
  profile: { httpProfile: { endpoint: server.endpoint, protocol: 'http://', reqTimeout: 30 } },
});

/** Asserts that `p` rejects with a TencentCloudSDKHttpException of this code. */
const rejectsWith = (p: Promise<unknown>, code: string) => assert.rejects(p, (e: { code?: string; requestId?: string }) => {
  assert.equal(e.code, code);
  assert.ok(e.requestId, 'the SDK carries the RequestId');
  return true;
});

async function until<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const alive = (pid: number) => { try { process.kill(pid, 0); return true; } catch { return false; } };

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'scf-fns-'));
  for (const [name, text] of Object.entries(FUNCTIONS)) await writeFile(path.join(dir, name), text);
  process.env.SCF_TEST_PARENT_ONLY = 'must not reach instances';
  const fn = (name: string, file: string, timeoutSec = 30, extra = {}) => ({ name, entry: path.join(dir, file), timeoutSec, memoryMb: 256, ...extra });
  server = await startScfServer({
    functions: [
      fn('echo', 'echo.mjs', 10, { memoryMb: 512, env: { CUSTOM: 'yes' } }),
      fn('sleep', 'sleep.mjs', 120),
      fn('slow', 'sleep.mjs', 1),
      fn('boom', 'boom.mjs'),
      fn('exit', 'exit.mjs'),
      fn('cb', 'cb.cjs'),
      fn('typed', 'typed.ts', 30, { nodeArgs: ['--import', 'tsx'] }),
    ],
  });
  client = makeClient();
});

after(async () => {
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('Invoke RequestResponse', () => {
  test('returns the handler value as RetMsg, with an SCF context and environment', async () => {
    const event = { hello: 'world', n: [1, 2] };
    const res = await client.Invoke({ FunctionName: 'echo', InvocationType: 'RequestResponse', ClientContext: JSON.stringify(event), LogType: 'Tail' });
    const r = res.Result!;
    assert.equal(r.InvokeResult, 0);
    assert.equal(r.ErrMsg, '');
    assert.ok(r.FunctionRequestId);
    assert.ok(res.RequestId);
    const out = JSON.parse(r.RetMsg!);
    assert.deepEqual(out.event, event);
    assert.equal(out.context.request_id, r.FunctionRequestId);
    assert.equal(out.context.function_name, 'echo');
    assert.equal(out.context.time_limit_in_ms, 10_000);
    assert.equal(out.context.memory_limit_in_mb, 512);
    assert.equal(out.context.tencentcloud_region, server.region);
    assert.equal(JSON.parse(out.context.environment).CUSTOM, 'yes');
    assert.deepEqual(out.env, {
      secretId: server.credentials.secretId, token: server.credentials.token, runenv: 'SCF', fn: 'echo',
      runtime: 'Nodejs18.15', region: server.region, custom: 'yes', leaked: null,
    });
    assert.equal(out.cwd, dir);
    assert.match(r.Log!, /echo got \{"hello":"world"/);
    assert.ok(typeof r.Duration === 'number' && r.MemUsage! > 0);
    const call = server.calls.find((c) => c.requestId === res.RequestId);
    assert.deepEqual({ ...call, ms: 0 }, { action: 'Invoke', functionName: 'echo', invocationType: 'RequestResponse', requestId: res.RequestId, status: 'FINISHED', ms: 0 });
  });

  test('a thrown error comes back in ErrMsg (SCF shape, status 430) with an empty RetMsg', async () => {
    const r = (await client.Invoke({ FunctionName: 'boom', ClientContext: '{}' })).Result!;
    assert.equal(r.RetMsg, '');
    assert.equal(r.InvokeResult, -1);
    const err = JSON.parse(r.ErrMsg!);
    assert.equal(err.errorMessage, 'user code exception caught');
    assert.equal(err.statusCode, 430);
    assert.match(err.stackTrace, /^Error: kaboom from handler/);
  });

  test('callback-style CommonJS and a .ts entry run via --import tsx', async () => {
    const cb = (await client.Invoke({ FunctionName: 'cb', ClientContext: '{"n":7}' })).Result!;
    assert.deepEqual(JSON.parse(cb.RetMsg!), { cjs: true, n: 7 });
    const ts = (await client.Invoke({ FunctionName: 'typed', ClientContext: '{"n":21}' })).Result!;
    assert.equal(ts.ErrMsg, '');
    assert.deepEqual(JSON.parse(ts.RetMsg!), { doubled: 42 });
  });

  test('the time limit kills the instance with SCF\'s timeout error', async () => {
    const t0 = Date.now();
    const r = (await client.Invoke({ FunctionName: 'slow', ClientContext: '{"ms":3000}' })).Result!;
    assert.ok(Date.now() - t0 < 2500, 'answered at the 1 s limit, not after the 3 s sleep');
    assert.equal(r.InvokeResult, -1);
    const err = JSON.parse(r.ErrMsg!);
    assert.equal(err.errorMessage, 'Invoking task timed out after 1 seconds');
    assert.equal(err.statusCode, 433);
    const inv = server.invocation(r.FunctionRequestId!)!;
    assert.equal(inv.status, 'FAILED');
    await until('the instance to exit', () => inv.exit);
    assert.equal(alive(inv.pid!), false);
  });

  test('a process that exits without answering fails with 439', async () => {
    const r = (await client.Invoke({ FunctionName: 'exit', ClientContext: '{}' })).Result!;
    const err = JSON.parse(r.ErrMsg!);
    assert.equal(err.statusCode, 439);
    assert.match(err.stackTrace, /exit code 3/);
  });

  test('unknown function, wrong region, bad ClientContext', async () => {
    await rejectsWith(client.Invoke({ FunctionName: 'nope', ClientContext: '{}' }), 'ResourceNotFound.Function');
    await rejectsWith(makeClient({ region: 'ap-beijing' }).Invoke({ FunctionName: 'echo' }), 'ResourceNotFound.Function');
    await rejectsWith(client.Invoke({ FunctionName: 'echo', ClientContext: '{not json' }), 'InvalidParameterValue');
    await rejectsWith(client.Invoke({ FunctionName: 'echo', Namespace: 'other' }), 'ResourceNotFound.Namespace');
    const big = JSON.stringify({ pad: 'x'.repeat(130 * 1024) });
    await rejectsWith(client.Invoke({ FunctionName: 'echo', InvocationType: 'Event', ClientContext: big }), 'InvalidParameterValue');
  });

  test('a sync Invoke longer than the sync cap fails while the function keeps running', async () => {
    const capped = await startScfServer({ functions: [{ name: 'sleep', entry: path.join(dir, 'sleep.mjs'), timeoutSec: 30, memoryMb: 128 }], syncInvokeCapSec: 0.5 });
    try {
      const c = new ScfClient({ credential: capped.credentials, region: capped.region, profile: { httpProfile: { endpoint: capped.endpoint, protocol: 'http://' } } });
      await rejectsWith(c.Invoke({ FunctionName: 'sleep', ClientContext: '{"ms":5000}' }), 'FailedOperation.InvokeFunction');
      assert.equal(capped.invocations()[0]?.status, 'RUNNING');
    } finally {
      await capped.close();
    }
    assert.equal(capped.invocations()[0]?.status, 'FAILED');
  });
});

describe('async events', () => {
  test('Event returns only a FunctionRequestId; status goes RUNNING → FINISHED; ListAsyncEvents finds it', async () => {
    const r = (await client.Invoke({ FunctionName: 'sleep', InvocationType: 'Event', ClientContext: '{"ms":1200}' })).Result!;
    const id = r.FunctionRequestId!;
    assert.ok(id);
    assert.equal(r.RetMsg, '');
    const first = (await client.GetAsyncEventStatus({ InvokeRequestId: id })).Result!;
    assert.deepEqual(first, { Status: 'RUNNING', StatusCode: 0, InvokeRequestId: id });
    const listed = await client.ListAsyncEvents({ FunctionName: 'sleep', InvokeRequestId: id });
    assert.equal(listed.TotalCount, 1);
    assert.equal(listed.EventList[0]?.Status, 'RUNNING');
    assert.equal(listed.EventList[0]?.EndTime, '');
    assert.match(listed.EventList[0]?.StartTime ?? '', /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$/);
    const done = await until('FINISHED', async () => {
      const s = (await client.GetAsyncEventStatus({ InvokeRequestId: id })).Result!;
      return s.Status === 'RUNNING' ? undefined : s;
    });
    assert.equal(done.Status, 'FINISHED');
    assert.equal(done.StatusCode, 200);
    assert.equal(server.invocation(id)?.retMsg, '{"slept":1200}');
    const finished = await client.ListAsyncEvents({ FunctionName: 'sleep', Status: ['FINISHED'] });
    const ev = finished.EventList.find((e) => e.InvokeRequestId === id);
    assert.equal(ev?.InvokeType, 'Event');
    assert.ok(ev?.EndTime);
    assert.equal((await client.ListAsyncEvents({ FunctionName: 'sleep', Status: ['RUNNING'], InvokeRequestId: id })).TotalCount, 0);
  });

  test('TerminateAsyncEvent kills the instance and marks it ABORTED; GraceShutdown sends SIGTERM', async () => {
    const start = async () => {
      const id = (await client.Invoke({ FunctionName: 'sleep', InvocationType: 'Event', ClientContext: '{"ms":60000}' })).Result!.FunctionRequestId!;
      await until('the handler to start', () => server.invocation(id)?.log.includes('sleeping'));
      return id;
    };
    const id = await start();
    const pid = server.invocation(id)!.pid!;
    assert.ok(alive(pid));
    await client.TerminateAsyncEvent({ FunctionName: 'sleep', InvokeRequestId: id });
    assert.equal(alive(pid), false, 'the instance is gone when TerminateAsyncEvent answers');
    assert.equal((await client.GetAsyncEventStatus({ InvokeRequestId: id })).Result!.Status, 'ABORTED');
    await rejectsWith(client.TerminateAsyncEvent({ FunctionName: 'sleep', InvokeRequestId: id }), 'FailedOperation.AsyncEventStatus');
    await rejectsWith(client.TerminateAsyncEvent({ FunctionName: 'echo', InvokeRequestId: id }), 'ResourceNotFound.AsyncEvent');

    const graceful = await start();
    await client.TerminateAsyncEvent({ FunctionName: 'sleep', InvokeRequestId: graceful, GraceShutdown: true });
    assert.equal((await client.GetAsyncEventStatus({ InvokeRequestId: graceful })).Result!.Status, 'ABORTED');
    const exit = await until('the SIGTERMed instance to exit', () => server.invocation(graceful)?.exit);
    assert.equal(exit.signal, 'SIGTERM');
  });

  test('unknown event ids', async () => {
    await rejectsWith(client.GetAsyncEventStatus({ InvokeRequestId: '00000000-0000-0000-0000-000000000000' }), 'ResourceNotFound.AsyncEvent');
    await rejectsWith(client.ListAsyncEvents({ FunctionName: 'nope' }), 'ResourceNotFound.Function');
  });
});

/** TC3-HMAC-SHA256 written out independently of the SDK and of the server. */
async function handSigned(action: string, body: object, timestamp: number, secretKey = server.credentials.secretKey) {
  const payload = JSON.stringify(body);
  const hash = (s: string) => createHash('sha256').update(s).digest('hex');
  const hmac = (k: string | Buffer, s: string) => createHmac('sha256', k).update(s).digest();
  const date = new Date(timestamp * 1000).toISOString().slice(0, 10);
  const canonical = `POST\n/\n\ncontent-type:application/json\nhost:127.0.0.1\nx-tc-action:${action.toLowerCase()}\n\ncontent-type;host;x-tc-action\n${hash(payload)}`;
  const toSign = `TC3-HMAC-SHA256\n${timestamp}\n${date}/scf/tc3_request\n${hash(canonical)}`;
  const key = hmac(hmac(hmac(`TC3${secretKey}`, date), 'scf'), 'tc3_request');
  const signature = createHmac('sha256', key).update(toSign).digest('hex');
  const res = await fetch(`http://${server.endpoint}/`, {
    method: 'POST',
    body: payload,
    headers: {
      'Content-Type': 'application/json', 'X-TC-Action': action, 'X-TC-Version': '2018-04-16', 'X-TC-Timestamp': String(timestamp),
      'X-TC-Region': server.region, 'X-TC-Token': server.credentials.token ?? '',
      Authorization: `TC3-HMAC-SHA256 Credential=${server.credentials.secretId}/${date}/scf/tc3_request, SignedHeaders=content-type;host;x-tc-action, Signature=${signature}`,
    },
  });
  assert.equal(res.status, 200);
  return (await res.json()) as { Response: { Error?: { Code: string; Message: string }; RequestId: string; TotalCount?: number } };
}

describe('TC3 authentication', () => {
  test('the SDK is rejected with the wrong key, an unknown SecretId or a wrong token', async () => {
    await rejectsWith(makeClient({ secretKey: 'not-the-key' }).Invoke({ FunctionName: 'echo' }), 'AuthFailure.SignatureFailure');
    await rejectsWith(makeClient({ secretId: 'AKIDunknown' }).Invoke({ FunctionName: 'echo' }), 'AuthFailure.SecretIdNotFound');
    await rejectsWith(makeClient({ token: 'stale-token' }).ListAsyncEvents({ FunctionName: 'echo' }), 'AuthFailure.TokenFailure');
  });

  test('a hand-signed request is accepted when fresh, expired after 5 minutes; unknown actions are InvalidAction', async () => {
    const now = Math.floor(Date.now() / 1000);
    const ok = await handSigned('ListAsyncEvents', { FunctionName: 'echo' }, now);
    assert.equal(ok.Response.Error, undefined);
    assert.equal(ok.Response.TotalCount, 0);
    const old = await handSigned('ListAsyncEvents', { FunctionName: 'echo' }, now - 400);
    assert.equal(old.Response.Error?.Code, 'AuthFailure.SignatureExpire');
    assert.ok(old.Response.RequestId);
    const bad = await handSigned('ListAsyncEvents', { FunctionName: 'echo' }, now, 'wrong');
    assert.equal(bad.Response.Error?.Code, 'AuthFailure.SignatureFailure');
    const unknown = await handSigned('DeleteFunction', { FunctionName: 'echo' }, now);
    assert.equal(unknown.Response.Error?.Code, 'InvalidAction');
  });
});
