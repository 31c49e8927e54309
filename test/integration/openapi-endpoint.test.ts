import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { openApiDocument } from '../../shared/http/openapi.ts';
import { listAll } from '../../shared/storage/object-store.ts';
import { startTestRuntime, type TestRuntime } from '../helpers/test-runtime.ts';

let t: TestRuntime;
before(async () => { t = await startTestRuntime({}, { services: { triggers: false, timers: false } }); });
after(async () => { await t?.close(); });

it('GET /openapi.json answers without a signature: 200, JSON, the OpenAPI 3.1 document', async () => {
  const res = await fetch(t.rt.url + '/openapi.json');
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
  const body = (await res.json()) as Record<string, any>;
  assert.equal(body.openapi, '3.1.0');
  assert.deepEqual(body, JSON.parse(JSON.stringify(openApiDocument())));
  assert.ok(body.paths['/v1/highlights'].post);
  // Open: nothing was written for it.
  assert.deepEqual((await listAll(t.rt.store, '')).map((o) => o.key).filter((k) => !k.startsWith('.')), []);
});

it('the API itself stays signed, and only GET serves the document', async () => {
  const unsigned = await fetch(t.rt.url + '/v1/streams');
  assert.equal(unsigned.status, 401);
  assert.equal(((await unsigned.json()) as { error: { code: string } }).error.code, 'UNAUTHORIZED');
  const post = await fetch(t.rt.url + '/openapi.json', { method: 'POST', body: '{}' });
  assert.equal(post.status, 401);
});
