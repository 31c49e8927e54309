import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  fromApiGatewayEvent, isApiGatewayEvent, jsonResponse, toApiGatewayEvent, type ApiGatewayEvent, type HttpRequest,
} from '../../shared/triggers/api-gateway-event.ts';

const base = (over: Partial<ApiGatewayEvent> = {}): ApiGatewayEvent => ({
  requestContext: { requestId: 'req-1', httpMethod: 'POST', path: '/v1/highlights', sourceIp: '10.0.0.7', stage: 'release' },
  httpMethod: 'POST',
  path: '/v1/highlights',
  headers: { 'Content-Type': 'application/json', 'X-HL-Signature': 'v1=abc', 'x-hl-nonce': 'n0nce123' },
  queryString: { a: '1' },
  body: '{"streamId":"s1"}',
  isBase64Encoded: false,
  ...over,
});

test('headers are lowercased, everything else is carried over', () => {
  const r = fromApiGatewayEvent(base());
  assert.deepEqual(r.headers, { 'content-type': 'application/json', 'x-hl-signature': 'v1=abc', 'x-hl-nonce': 'n0nce123' });
  assert.equal(r.method, 'POST');
  assert.equal(r.path, '/v1/highlights');
  assert.equal(r.body, '{"streamId":"s1"}');
  assert.deepEqual(r.query, { a: '1' });
  assert.equal(r.requestId, 'req-1');
  assert.equal(r.sourceIp, '10.0.0.7');
});

test('method is uppercased; missing headers, query and body give empty values', () => {
  const r = fromApiGatewayEvent({ httpMethod: 'get', path: '/v1/clips/c1' });
  assert.equal(r.method, 'GET');
  assert.deepEqual(r.headers, {});
  assert.deepEqual(r.query, {});
  assert.equal(r.body, '');
  assert.equal(r.requestId, undefined);
});

test('queryStringParameters and queryString are merged', () => {
  const r = fromApiGatewayEvent(base({ queryString: { a: '1', b: '2' }, queryStringParameters: { b: '3', c: '4' } }));
  assert.deepEqual(r.query, { a: '1', b: '3', c: '4' });
});

test('base64 bodies are decoded when isBase64Encoded is true or "true"', () => {
  const text = '{"streamId":"s1","note":"héllo"}';
  const b64 = Buffer.from(text, 'utf8').toString('base64');
  assert.notEqual(b64, text);
  assert.equal(fromApiGatewayEvent(base({ body: b64, isBase64Encoded: true })).body, text);
  assert.equal(fromApiGatewayEvent(base({ body: b64, isBase64Encoded: 'true' })).body, text);
  // not flagged: left alone
  assert.equal(fromApiGatewayEvent(base({ body: b64, isBase64Encoded: false })).body, b64);
  assert.equal(fromApiGatewayEvent(base({ body: b64, isBase64Encoded: 'false' })).body, b64);
  assert.equal(fromApiGatewayEvent(base({ body: b64, isBase64Encoded: undefined })).body, b64);
});

test('isApiGatewayEvent needs string httpMethod and path', () => {
  assert.equal(isApiGatewayEvent(base()), true);
  assert.equal(isApiGatewayEvent({ httpMethod: 'GET', path: '/' }), true);
  assert.equal(isApiGatewayEvent({ httpMethod: 'GET' }), false);
  assert.equal(isApiGatewayEvent({ path: '/' }), false);
  assert.equal(isApiGatewayEvent({ httpMethod: 1, path: '/' }), false);
  assert.equal(isApiGatewayEvent({ Type: 'Timer' }), false);
  assert.equal(isApiGatewayEvent({ Records: [] }), false);
  assert.equal(isApiGatewayEvent(null), false);
  assert.equal(isApiGatewayEvent(undefined), false);
  assert.equal(isApiGatewayEvent('GET /'), false);
});

test('toApiGatewayEvent → fromApiGatewayEvent round trip', () => {
  const req: HttpRequest = {
    method: 'DELETE', path: '/v1/streams/s1', headers: { 'x-hl-timestamp': '1795850412' }, query: { force: '1' },
    body: 'x', requestId: 'r-9', sourceIp: '127.0.0.1',
  };
  const ev = toApiGatewayEvent(req);
  assert.equal(isApiGatewayEvent(ev), true);
  assert.deepEqual(fromApiGatewayEvent(ev), req);
});

test('jsonResponse is an integrated response with a JSON body', () => {
  const r = jsonResponse(202, { id: 'c1' });
  assert.equal(r.statusCode, 202);
  assert.equal(r.isBase64Encoded, false);
  assert.match(r.headers['content-type']!, /^application\/json/);
  assert.deepEqual(JSON.parse(r.body), { id: 'c1' });
});
