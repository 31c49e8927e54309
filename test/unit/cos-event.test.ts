import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isCosEvent, makeCosEvent, parseCosEvent, type CosEvent } from '../../shared/triggers/cos-event.ts';

test('makeCosEvent has the COS shape with the /<appid>/<bucket>/ key prefix', () => {
  const e = makeCosEvent('triggers/highlights/h1.json', 123, 'hl', '1250000001');
  assert.equal(e.Records.length, 1);
  const r = e.Records[0]!;
  assert.equal(r.cos.cosObject.key, '/1250000001/hl/triggers/highlights/h1.json');
  assert.equal(r.cos.cosBucket.name, 'hl');
  assert.equal(r.cos.cosBucket.appid, '1250000001');
  assert.equal(r.cos.cosObject.size, 123);
  assert.match(r.event.eventName, /^cos:ObjectCreated:/);
  assert.equal(isCosEvent(e), true);
});

test('parseCosEvent strips /<appid>/<bucket>/ and round-trips makeCosEvent', () => {
  for (const key of ['triggers/highlights/h1.json', 'a', 'streams/s_1/seg/20261128T072012.345Z-00000001.ts']) {
    assert.deepEqual(parseCosEvent(makeCosEvent(key, 42)), [{ key, bucket: 'local', eventName: 'cos:ObjectCreated:Put', size: 42 }]);
    const custom = parseCosEvent(makeCosEvent(key, 7, 'mybucket', '1300000000'));
    assert.equal(custom[0]!.key, key);
    assert.equal(custom[0]!.bucket, 'mybucket');
  }
});

test('parseCosEvent decodes URL-encoded keys and handles several records', () => {
  const e = makeCosEvent('x', 1, 'b', '1');
  const rec = e.Records[0]!;
  const two: CosEvent = {
    Records: [
      { ...rec, cos: { ...rec.cos, cosObject: { ...rec.cos.cosObject, key: '/1/b/triggers/highlights/my%20clip.json' } } },
      { ...rec, cos: { ...rec.cos, cosObject: { ...rec.cos.cosObject, key: '/1/b/second.json', size: 9 } } },
    ],
  };
  const parsed = parseCosEvent(two);
  assert.deepEqual(parsed.map((p) => p.key), ['triggers/highlights/my clip.json', 'second.json']);
  assert.equal(parsed[1]!.size, 9);
});

test('a key without the bucket prefix only loses its leading slashes', () => {
  const e = makeCosEvent('x', 1, 'b', '1');
  e.Records[0]!.cos.cosObject.key = '//other/key.json';
  assert.equal(parseCosEvent(e)[0]!.key, 'other/key.json');
});

test('isCosEvent', () => {
  assert.equal(isCosEvent({ Records: [] }), false);
  assert.equal(isCosEvent({ Records: [{ cos: { cosObject: {} } }] }), false);
  assert.equal(isCosEvent({ Records: [{ cos: { cosObject: { key: '/1/b/k' } } }] }), true);
  assert.equal(isCosEvent({ httpMethod: 'GET', path: '/' }), false);
  assert.equal(isCosEvent(null), false);
  assert.equal(isCosEvent(undefined), false);
});
