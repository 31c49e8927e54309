/*
 * Each trigger kind as SCF delivers it (shapes from REFERENCE.md §2), straight into the functions:
 * an API gateway event with a base64 body and isBase64Encoded as the string "true", a COS event
 * with a URL-encoded key under /<appid>/<bucket>/, a timer event; and malformed ones, which are
 * refused with a logged reason and start no work.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { signedHeaders } from '../../shared/auth/request-signature.ts';
import { createLogger } from '../../shared/log/logger.ts';
import { putJson } from '../../shared/storage/object-store.ts';
import { makeCosEvent } from '../../shared/triggers/cos-event.ts';
import { makeTimerEvent } from '../../shared/triggers/timer-event.ts';
import { snapshotStore, startTestRuntime, type TestRuntime } from '../helpers/test-runtime.ts';

let t: TestRuntime;
const lines: Array<Record<string, any>> = [];
const invoke = (fn: 'api' | 'clipper' | 'segmenter', event: unknown) => t.rt.deps.invoker.invokeSync<any>(fn, event);
const loggedSince = (n: number) => lines.slice(n);

/** An API gateway event in the documented shape, body base64-encoded. */
function apigw(method: string, path: string, body: string, headers: Record<string, string>) {
  return {
    requestContext: { serviceId: 'service-abc', path: '/v1', httpMethod: method, requestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef', identity: {}, sourceIp: '10.0.0.1', stage: 'release' },
    headers: { 'content-type': 'application/json', host: 'service-abc.gz.apigw.tencentcs.com', ...headers },
    body: Buffer.from(body).toString('base64'), isBase64Encoded: 'true',
    pathParameters: {}, queryStringParameters: {}, headerParameters: {}, stageVariables: { stage: 'release' },
    path, queryString: {}, httpMethod: method,
  };
}

describe('trigger events as SCF delivers them, and malformed ones', () => {
  before(async () => {
    t = await startTestRuntime({}, {
      services: { timers: false, triggers: false },
      log: createLogger({ level: 'info', sink: (l) => lines.push(JSON.parse(l)) }),
    });
  });
  after(async () => { await t?.close(); });

  it('API gateway: a base64 body with isBase64Encoded "true" is decoded, verified and routed', async () => {
    const body = JSON.stringify({ streamId: 'nosuchstream', before: 5 });
    const res = await invoke('api', apigw('POST', '/v1/highlights', body, signedHeaders(t.rt.config.secret, 'POST', '/v1/highlights', body)));
    assert.equal(res.statusCode, 404, 'the signature held over the decoded body, and the request reached the route');
    assert.equal(JSON.parse(res.body).error.code, 'STREAM_NOT_FOUND');
    const unsigned = await invoke('api', apigw('POST', '/v1/highlights', body, {}));
    assert.equal(unsigned.statusCode, 401);
    assert.equal((await invoke('api', apigw('GET', '/healthz', '', {}))).statusCode, 200);
  });

  it('COS: the URL-encoded key under /<appid>/<bucket>/ is decoded and the request file accepted or answered', async () => {
    await putJson(t.rt.store, 'triggers/highlights/match-7.json', { streamId: 'nosuchstream', before: 5 });
    const e = makeCosEvent('x', 40, 'highlights', '1250000000');
    e.Records[0]!.cos.cosObject.key = '/1250000000/highlights/triggers%2Fhighlights%2Fmatch%2D7.json';
    assert.deepEqual(await invoke('clipper', e), [null]);
    const result = JSON.parse((await t.rt.store.get('triggers/results/match-7.json')).toString());
    assert.equal(result.error.code, 'STREAM_NOT_FOUND', 'the outcome is written beside the inbox');
  });

  it('malformed events are refused with a logged reason, and nothing is written', async () => {
    const before = await snapshotStore(t);
    const mark = lines.length;
    await assert.rejects(invoke('api', { path: '/v1/streams' }), /expects an API gateway event/);
    await assert.rejects(invoke('clipper', { Records: [{ cos: {} }] }), (e: Error & { code?: string }) => e.code === 'VALIDATION_FAILED');
    await assert.rejects(invoke('segmenter', makeTimerEvent('nightly', '{"task":"clip"}')), /nightly/);
    await assert.rejects(invoke('segmenter', { action: 'record', streamId: '../../etc' }), (e: Error & { code?: string }) => e.code === 'VALIDATION_FAILED');
    const outside = makeCosEvent('streams/s1/seg/a.ts', 10);
    assert.deepEqual(await invoke('clipper', outside), [null], 'an object outside the trigger prefix is ignored');
    const logged = loggedSince(mark);
    assert.ok(logged.filter((l) => l.msg === 'handler.failed').length >= 4, 'each refusal is logged with its reason');
    assert.ok(logged.every((l) => l.msg !== 'handler.failed' || (l.error?.message ?? '').length > 10));
    assert.ok(logged.some((l) => l.msg === 'trigger.ignored' && /triggers\/highlights/.test(l.reason)));
    assert.deepEqual(await snapshotStore(t), before, 'no work started');
  });
});
