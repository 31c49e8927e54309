import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { z } from 'zod';
import { NONCE_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, sign } from '../../shared/auth/request-signature.ts';
import { jobView } from '../../shared/clips/job-view.ts';
import {
  clipModes, highlightRequestSchema, outputProfiles, streamSpecSchema, x264Presets, type ClipJob, type StreamState,
} from '../../shared/domain/schemas.ts';
import { documentedOperations, openApiDocument } from '../../shared/http/openapi.ts';
import { routeTable } from '../../shared/http/route-request.ts';
import { recordingView, streamView } from '../../shared/http/views.ts';
import { roomRecordingRequestSchema, roomUserInputSchema, type RoomRecording } from '../../shared/rooms/room-schemas.ts';
import { API_MD_PATH, renderApiMarkdown } from '../../scripts/render-openapi.ts';
import { checkJsonSchema } from '../helpers/json-schema-check.ts';

const doc = openApiDocument() as Record<string, any>;
const schemas = doc.components.schemas as Record<string, Record<string, any>>;

/** A documented path template with every {param} filled in, as a request path. */
const concrete = (template: string) => template.replace(/\{[^}]+\}/g, 'x_1');

test('the document is OpenAPI 3.1.0 with info, servers, signing schemes and one security requirement', async () => {
  assert.equal(doc.openapi, '3.1.0');
  const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  assert.equal(doc.info.version, pkg.version);
  assert.ok(doc.info.title && doc.info.description);
  assert.deepEqual(doc.servers, [{ url: '/' }]);
  const schemes = doc.components.securitySchemes as Record<string, { type: string; in: string; name: string }>;
  assert.deepEqual(Object.values(schemes).map((s) => [s.type, s.in, s.name]), [
    ['apiKey', 'header', TIMESTAMP_HEADER], ['apiKey', 'header', NONCE_HEADER], ['apiKey', 'header', SIGNATURE_HEADER],
  ]);
  assert.deepEqual(doc.security, [Object.fromEntries(Object.keys(schemes).map((k) => [k, []]))]);
  assert.deepEqual(openApiDocument(), doc, 'a pure function: the same document every call');
});

test('the signature formula in the document computes the signature the server checks', () => {
  const description = doc.components.securitySchemes.hlSignature.description as string;
  const m = /^v1=hex\(HMAC-SHA256\(secret, ("(?:[^"\\]|\\.)*")\)\)/.exec(description);
  assert.ok(m, description);
  const template = JSON.parse(m[1]!) as string;
  const values = { '<timestamp>': '1700000000', '<nonce>': 'nonce_1234', '<METHOD>': 'POST', '<path>': '/v1/highlights', '<body>': '{"streamId":"s"}' };
  const base = Object.entries(values).reduce((s, [k, v]) => s.replace(k, v), template);
  const secret = 'doc-secret';
  assert.equal('v1=' + createHmac('sha256', secret).update(base).digest('hex'), sign(secret, '1700000000', 'nonce_1234', 'POST', '/v1/highlights', '{"streamId":"s"}'));
});

test('every route in route-request.ts is documented, and every documented /v1 operation is a route', () => {
  const ops = documentedOperations();
  for (const r of routeTable) {
    const hits = ops.filter((o) => o.method === r.method && r.pattern.test(concrete(o.path)));
    assert.equal(hits.length, 1, `${r.method} ${r.pattern} is documented once (found ${hits.length})`);
    const op = doc.paths[hits[0]!.path]?.[r.method.toLowerCase()];
    assert.ok(op, `${hits[0]!.path} has ${r.method}`);
  }
  for (const o of ops.filter((x) => x.path.startsWith('/v1/'))) {
    assert.ok(routeTable.some((r) => r.method === o.method && r.pattern.test(concrete(o.path))), `${o.method} ${o.path} is a route`);
  }
  assert.deepEqual(ops.filter((o) => !o.path.startsWith('/v1/')).map((o) => `${o.method} ${o.path}`), ['GET /healthz', 'GET /openapi.json']);
});

test('operations: path params match the template, bodies point at request schemas, responses have a success and Error bodies', () => {
  const bodies: Record<string, string> = {
    'post /v1/streams': 'StreamSpec', 'post /v1/highlights': 'HighlightRequest',
    'put /v1/rooms/{roomId}/users/{userId}': 'RoomUserInput', 'post /v1/rooms/{roomId}/recordings': 'RoomRecordingRequest',
  };
  for (const [p, item] of Object.entries(doc.paths as Record<string, Record<string, any>>)) {
    for (const [method, op] of Object.entries(item)) {
      const names = [...p.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      assert.deepEqual((op.parameters ?? []).filter((x: { in: string }) => x.in === 'path').map((x: { name: string }) => x.name), names, `${method} ${p} params`);
      for (const q of (op.parameters ?? []).filter((x: { in: string }) => x.in !== 'path')) assert.equal(q.in, 'query', `${method} ${p} ${q.name}`);
      assert.equal(op.requestBody?.content['application/json'].schema.$ref, bodies[`${method} ${p}`] && `#/components/schemas/${bodies[`${method} ${p}`]}`, `${method} ${p} body`);
      const statuses = Object.keys(op.responses);
      assert.ok(statuses.some((s) => /^2\d\d$/.test(s)), `${method} ${p} has a 2xx`);
      for (const s of statuses.filter((x) => /^[45]/.test(x))) {
        assert.equal(op.responses[s].content['application/json'].schema.$ref, '#/components/schemas/Error', `${method} ${p} ${s}`);
      }
      const signed = !(Array.isArray(op.security) && op.security.length === 0);
      assert.equal(signed, p.startsWith('/v1/'), `${method} ${p}: /v1 is signed, the rest is open`);
      if (signed) assert.ok(op.responses['401'].description.includes('SIGNATURE_INVALID'));
    }
  }
  // Every $ref resolves inside the document (zod's own $defs would not).
  const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"([^"]+)"/g)].map((m) => m[1]!);
  assert.ok(refs.length > 0);
  for (const r of refs) assert.ok(schemas[r.replace('#/components/schemas/', '')] && r.startsWith('#/components/schemas/'), r);
  assert.ok(!JSON.stringify(doc).includes('$defs'));
});

test('HighlightRequest carries the fields, enums, bounds, defaults and rules of highlightRequestSchema', () => {
  const h = schemas.HighlightRequest!;
  assert.equal(h.type, 'object');
  assert.equal(h.additionalProperties, false);
  assert.deepEqual(Object.keys(h.properties), Object.keys(highlightRequestSchema.shape));
  assert.deepEqual(h.required, ['streamId']);
  assert.deepEqual(h.properties.mode.enum, [...clipModes]);
  assert.equal(h.properties.mode.default, 'copy');
  assert.deepEqual(h.properties.profile.enum, [...outputProfiles]);
  assert.deepEqual(h.properties.preset.enum, [...x264Presets]);
  assert.deepEqual(h.properties.fit.enum, ['crop', 'blur']);
  assert.deepEqual([h.properties.before.minimum, h.properties.before.maximum, h.properties.before.default], [0, 3600, 20]);
  assert.deepEqual([h.properties.after.minimum, h.properties.after.maximum, h.properties.after.default], [0, 600, 0]);
  assert.deepEqual([h.properties.crf.type, h.properties.crf.minimum, h.properties.crf.maximum], ['integer', 16, 35]);
  assert.deepEqual([h.properties.parts.minimum, h.properties.parts.maximum], [1, 64]);
  assert.equal(h.properties.callbackUrl.format, 'uri');
  // instantSchema's input side: a date-time string or epoch milliseconds.
  assert.deepEqual(h.properties.at.anyOf.map((s: { type: string; format?: string }) => [s.type, s.format]), [['string', 'date-time'], ['integer', undefined]]);
  assert.equal(h['x-rules'].length, 4);
  for (const [name, p] of Object.entries(h.properties as Record<string, { description?: string }>)) assert.ok(p.description, `${name} has a description`);

  const s = schemas.StreamSpec!;
  assert.deepEqual(s.required, ['id', 'source']);
  assert.deepEqual(s.properties.source.oneOf.map((v: any) => v.properties.type.const), ['testsrc', 'file', 'url', 'trtc', 'mix']);
  assert.deepEqual(s['x-rules'], ['a mix needs at least one input']);
  assert.deepEqual(schemas.RoomRecordingRequest!.required, ['mode']);
  assert.equal(schemas.RoomRecordingRequest!['x-rules'].length, 2);
  assert.equal(schemas.RoomUserInput!.anyOf.length, 2);
});

/** Zod and the generated JSON Schema agree on each body; zod's refinements (listed in x-rules) are the only difference. */
function roundTrip(schema: z.ZodType, json: Record<string, any>, cases: { ok: unknown[]; bad: unknown[]; ruleOnly: unknown[] }) {
  const rules: string[] = json['x-rules'] ?? [];
  const check = (v: unknown) => checkJsonSchema(json, v, { root: doc });
  for (const v of cases.ok) {
    assert.ok(schema.safeParse(v).success, `zod accepts ${JSON.stringify(v)}`);
    assert.deepEqual(check(v), [], `JSON Schema accepts ${JSON.stringify(v)}`);
  }
  for (const v of cases.bad) {
    assert.ok(!schema.safeParse(v).success, `zod refuses ${JSON.stringify(v)}`);
    assert.notDeepEqual(check(v), [], `JSON Schema refuses ${JSON.stringify(v)}`);
  }
  for (const v of cases.ruleOnly) {
    const r = schema.safeParse(v);
    assert.ok(!r.success, `zod refuses ${JSON.stringify(v)}`);
    assert.deepEqual(check(v), [], `JSON Schema cannot express the rule ${JSON.stringify(v)} breaks`);
    for (const i of r.error.issues) {
      assert.equal(i.code, 'custom', `${JSON.stringify(v)}: only a refinement refuses it (${i.message})`);
      assert.ok(rules.includes(i.message), `the rule "${i.message}" is in x-rules`);
    }
  }
}

test('round trip: HighlightRequest bodies', () => {
  roundTrip(highlightRequestSchema, schemas.HighlightRequest!, {
    ok: [
      { streamId: 's1' },
      { id: 'hl_1', streamId: 's1', at: '2026-05-01T12:00:00Z', before: 10, after: 5, mode: 'precise' },
      { streamId: 's1', at: '2026-05-01T12:00:00.250+08:00', before: 0.5 },
      { streamId: 's1', at: 1777636800000 },
      { streamId: 's1', mode: 'transcode', profile: 'vertical', fit: 'crop', crf: 20, preset: 'fast', maxBitrateKbps: 4000, parts: 4, callbackUrl: 'https://example.com/cb' },
      { streamId: 's1', mode: 'transcode', partSec: 12.5 },
    ],
    bad: [
      {}, { streamId: 'bad id!' }, { streamId: 's1', mode: 'fast' }, { streamId: 's1', mode: 'transcode', profile: '4k' },
      { streamId: 's1', before: -1 }, { streamId: 's1', after: 601 }, { streamId: 's1', mode: 'transcode', crf: 20.5 },
      { streamId: 's1', extra: 1 }, { streamId: 's1', at: 'yesterday' }, { streamId: 's1', at: '2026-05-01T12:00:00' },
      { streamId: 's1', at: -5 }, { streamId: 's1', at: 1.5 }, { streamId: 's1', callbackUrl: 'not a url' },
      { streamId: 's1', mode: 'transcode', parts: 65 }, { streamId: 42 }, 'streamId',
    ],
    ruleOnly: [
      { streamId: 's1', before: 0 },
      { streamId: 's1', crf: 20 },
      { streamId: 's1', mode: 'transcode', fit: 'crop' },
      { streamId: 's1', mode: 'transcode', parts: 2, partSec: 10 },
    ],
  });
});

test('round trip: StreamSpec, RoomRecordingRequest and RoomUserInput bodies', () => {
  roundTrip(streamSpecSchema, schemas.StreamSpec!, {
    ok: [
      { id: 'a', source: { type: 'testsrc' } },
      { id: 'a', source: { type: 'url', url: 'rtmp://live.example.com/app/key', media: 'audio', normalize: true }, retentionSec: 3600, segmentSec: 4 },
      { id: 'a', source: { type: 'trtc', sdkAppId: 1400000000, roomId: 1234, userId: 'u1' } },
      { id: 'a', source: { type: 'trtc', sdkAppId: 1, roomId: 'room_a', userId: 'u1', stream: 'aux' } },
      { id: 'a', source: { type: 'mix', inputs: [{ userId: 'u1', url: 'srt://h:9000' }], canvas: { width: 640, height: 360, fps: 25 } } },
      { id: 'a', source: { type: 'file', path: '/tmp/x.mp4' }, reconnectSec: 0 },
    ],
    bad: [
      { id: 'a' }, { id: 'a', source: { type: 'ftp', url: 'ftp://x' } }, { id: 'a', source: { type: 'url' } },
      { id: 'a', source: { type: 'testsrc', width: 32 } }, { id: 'a', source: { type: 'testsrc', extra: true } },
      { id: 'a', source: { type: 'mix', inputs: [{ userId: 'u1', url: 'x' }], canvas: { width: 641 } } },
      { id: 'a', source: { type: 'testsrc' }, segmentSec: 11 }, { id: 'a', source: { type: 'trtc', sdkAppId: 1, roomId: 0, userId: 'u' } },
    ],
    ruleOnly: [{ id: 'a', source: { type: 'mix', inputs: [] } }],
  });
  roundTrip(roomRecordingRequestSchema, schemas.RoomRecordingRequest!, {
    ok: [{ mode: 'single' }, { mode: 'single', separateAV: true, userIds: ['u1', 'u2'] }, { id: 'r1', mode: 'mixed', media: 'video', canvas: { width: 640 }, recorderUserId: '0' }],
    bad: [{}, { mode: 'both' }, { mode: 'single', userIds: [] }, { mode: 'mixed', canvas: { width: 63 } }, { mode: 'single', reconnectSec: 3601 }, { mode: 'single', foo: 1 }],
    ruleOnly: [{ mode: 'single', canvas: {} }, { mode: 'mixed', separateAV: true }, { mode: 'single', media: 'audio', separateAV: true }],
  });
  roundTrip(roomUserInputSchema, schemas.RoomUserInput!, {
    ok: [{ url: 'rtmp://h/app/u1' }, { trtc: { sdkAppId: 1400000000 } }, { trtc: { sdkAppId: 1, stream: 'aux' } }],
    bad: [{}, { url: '' }, { url: 'rtmp://h/a', trtc: { sdkAppId: 1 } }, { trtc: { sdkAppId: 0 } }, { trtc: { sdkAppId: 1, stream: 'main2' } }],
    ruleOnly: [],
  });
});

test('the hand-written response schemas describe what views.ts and job-view.ts return, field for field', () => {
  const closed = (name: string, v: unknown) => assert.deepEqual(checkJsonSchema(schemas[name]!, JSON.parse(JSON.stringify(v)), { root: doc, closed: true }), [], name);
  const t = '2026-05-01T12:00:00.000Z';
  const state: StreamState = {
    spec: streamSpecSchema.parse({ id: 's1', source: { type: 'url', url: 'rtmp://h/a/b' } }),
    state: 'recording', createdAt: t, startedAt: t, stoppedAt: t, heartbeatAt: t, owner: 'inv', segmentCount: 3, lastSegmentEnd: t,
    restarts: 1, reconnects: 2, lastDropAt: t, handovers: 1, maxSegmentSec: 9, error: { code: 'SOURCE_GONE', message: 'gone' },
  };
  const playlist = { segments: [{ uri: 'seg/1.ts', seq: 1, start: new Date(t), durationSec: 2, discontinuity: false }], discontinuitySequence: 0, ended: false };
  closed('StreamView', streamView(state, playlist, 'http://x/files/streams/s1/index.m3u8'));
  closed('StreamView', streamView({ ...state, spec: { ...state.spec, room: { roomId: 'r', recordingId: 'rec', userId: 'u', track: 'av' } } }, { ...playlist, segments: [] }));
  closed('StreamView', streamView({ spec: state.spec, state: 'starting', createdAt: t, segmentCount: 0, restarts: 0 }));

  const job: ClipJob = {
    id: 'hl_1', streamId: 's1', mode: 'transcode',
    transcode: { profile: 'vertical', fit: 'blur', crf: 23, preset: 'veryfast', maxBitrateKbps: 4000, parts: 4, partSec: 5 },
    requested: { at: t, before: 20, after: 5, start: t, end: t }, requestHash: 'h', state: 'succeeded', createdAt: t, updatedAt: t, acceptedAt: t, finishedAt: t,
    progress: { phase: 'done', done: 4, total: 4, etaSec: 0 }, preview: { key: 'clips/hl_1/preview.m3u8', url: 'http://x/p.m3u8' },
    result: {
      key: 'k', url: 'u', posterKey: 'pk', posterUrl: 'pu', durationSec: 25, sizeBytes: 1000, mode: 'transcode', method: 'fan-out', methodReason: 'r',
      width: 1080, height: 1920, actual: { start: t, end: t }, segments: 13, gaps: [{ start: t, end: t }],
      parts: { total: 4, reused: 1, encoded: 3, encodeMs: [1, 2, 3] }, timings: { waitMs: 1, processMs: 2 },
    },
    error: { code: 'INTERNAL', message: 'm' }, attempts: 1, source: 'api', invocationId: 'inv', callbackUrl: 'https://cb',
    callback: { delivered: true, attempts: 1, lastStatus: 200, lastError: 'e', at: t },
  };
  closed('JobView', jobView(job));
  closed('JobView', jobView({ ...job, transcode: undefined, result: undefined, preview: undefined, error: undefined, callback: undefined, finishedAt: undefined, state: 'queued', mode: 'copy' }));

  const rec: RoomRecording = {
    id: 'rec', roomId: 'r', mode: 'mixed', media: 'av', separateAV: false, userIds: ['u1'], recorderUserId: 'recorder_1',
    canvas: { width: 1280, height: 720, fps: 30 }, segmentSec: 2, retentionSec: 60, reconnectSec: 30, state: 'stopping',
    createdAt: t, stopRequestedAt: t, streams: [{ streamId: 'rec_mix', track: 'av' }, { streamId: 'rec_av_u1', userId: 'u1', track: 'av' }],
  };
  closed('RecordingView', recordingView(rec));
  closed('RecordingDetail', {
    ...recordingView(rec), streams: rec.streams.map((s) => ({ ...s, state: 'stopped' })),
    manifest: {
      recordingId: 'rec', roomId: 'r', mode: 'mixed', media: 'av', state: 'stopped', recorderUserId: 'recorder_1', startedAt: t, stoppedAt: t, users: ['u1'],
      files: [{ streamId: 'rec_mix', track: 'av', key: 'k.mp4', format: 'mp4', start: t, end: t, durationSec: 1, sizeBytes: 2, gaps: [], error: { code: 'c', message: 'm' } }],
    },
  });
});

test('docs/api.md is what scripts/render-openapi.ts makes from the document (npm run docs:api)', async () => {
  const committed = await readFile(API_MD_PATH, 'utf8');
  assert.ok(committed === renderApiMarkdown(), 'docs/api.md is stale: run npm run docs:api');
  for (const o of documentedOperations()) assert.ok(committed.includes(`\`${o.method} ${o.path}\``), `${o.method} ${o.path} in docs/api.md`);
});
