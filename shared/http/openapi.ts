import { z } from 'zod';
import pkg from '../../package.json' with { type: 'json' };
import { NONCE_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, signatureBase } from '../auth/request-signature.ts';
import { errorStatus, type ErrorCode } from '../domain/app-error.ts';
import { ID_PATTERN } from '../domain/ids.ts';
import {
  clipModes, highlightRequestSchema, jobStates, mediaKinds, outputProfiles, sourceSchema, streamSpecSchema, streamStates, x264Presets,
} from '../domain/schemas.ts';
import { listJobsQuerySchema } from '../clips/list-jobs.ts';
import { roomRecordingRequestSchema, roomUserInputSchema } from '../rooms/room-schemas.ts';

/**
 * The OpenAPI 3.1 description of the HTTP API (route-request.ts). Request bodies are the zod schemas
 * that validate them, converted with z.toJSONSchema (input side: defaults shown, `at` as a date-time
 * string or epoch ms); cross-field rules (zod refinements) have no JSON Schema form and are listed
 * under `x-rules`. Response bodies are written here after views.ts and job-view.ts.
 */

type Schema = Record<string, unknown>;

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });

// ---- request schemas, from zod ----

/** The messages of a schema's own refinements (its cross-field rules). */
function refinementMessages(schema: unknown): string[] {
  const checks = (schema as { _zod?: { def?: { checks?: Array<{ _zod: { def: { check?: string; error?: unknown } } }> } } })._zod?.def?.checks ?? [];
  return checks
    .filter((c) => c._zod.def.check === 'custom')
    .map((c) => {
      const e = c._zod.def.error;
      const out = typeof e === 'function' ? (e as (i: object) => unknown)({}) : e;
      return typeof out === 'string' ? out : (out as { message?: string } | undefined)?.message ?? '';
    })
    .filter((m) => m.length > 0);
}

function requestSchema(schema: z.ZodType): Schema {
  const json = z.toJSONSchema(schema, {
    io: 'input',
    target: 'draft-2020-12',
    unrepresentable: 'throw',
    override: ({ zodSchema, jsonSchema }) => {
      const rules = refinementMessages(zodSchema);
      if (rules.length) (jsonSchema as Schema)['x-rules'] = rules;
    },
  }) as Schema;
  delete json.$schema;
  return json;
}

/** Query parameters from the zod object that validates them: name → [description, schema]. */
function queryParams(schema: z.ZodObject): Record<string, [string, Schema]> {
  const props = (requestSchema(schema).properties ?? {}) as Record<string, Schema>;
  return Object.fromEntries(Object.entries(props).map(([name, { description, ...rest }]) => [name, [String(description ?? ''), rest]]));
}

// ---- response schemas, after views.ts / job-view.ts ----

const d = (description?: string): Schema => (description ? { description } : {});
const str = (description?: string): Schema => ({ type: 'string', ...d(description) });
const time = (description?: string): Schema => ({ type: 'string', format: 'date-time', ...d(description) });
const int = (description?: string): Schema => ({ type: 'integer', ...d(description) });
const num = (description?: string): Schema => ({ type: 'number', ...d(description) });
const bool = (description?: string): Schema => ({ type: 'boolean', ...d(description) });
const oneOfStrings = (values: readonly string[], description?: string): Schema => ({ type: 'string', enum: [...values], ...d(description) });
const arr = (items: Schema, description?: string): Schema => ({ type: 'array', items, ...d(description) });
const orNull = (s: Schema): Schema => ({ anyOf: [s, { type: 'null' }] });
function obj(properties: Record<string, Schema>, required: string[], description?: string): Schema {
  return { type: 'object', properties, required, ...d(description) };
}

const errorField = obj({ code: str(), message: str() }, ['code', 'message']);
const window = obj({ start: time(), end: time() }, ['start', 'end']);
const sourceTypes = sourceSchema.options.map((o) => o.shape.type.value);
const roomOfStream = z.toJSONSchema(streamSpecSchema.shape.room.unwrap(), { io: 'output' }) as Schema;
delete roomOfStream.$schema;

const streamView = obj({
  id: str(),
  state: oneOfStrings(streamStates, 'ended: a live source stayed gone past reconnectSec.'),
  source: oneOfStrings(sourceTypes, 'The source type.'),
  retentionSec: int(),
  segmentSec: int(),
  createdAt: time(),
  startedAt: time(),
  stoppedAt: time(),
  heartbeatAt: time('Last sign of life from the recorder.'),
  restarts: int('Recorder restarts.'),
  reconnects: int('Live sources: reconnects after drops or stalls.'),
  lastDropAt: time(),
  handovers: int('Hand-overs to a fresh invocation before a function deadline.'),
  segmentCount: int(),
  maxSegmentSec: num('Longest segment so far.'),
  warning: str('Set when segments run much longer than segmentSec (sparse source keyframes).'),
  room: { ...roomOfStream, description: 'Set for the streams of a room recording.' },
  available: { ...orNull(obj({ start: time(), end: time(), segments: int() }, ['start', 'end', 'segments'])), description: 'GET only: the recorded window (null before the first segment).' },
  lastSegmentAgeSec: { ...orNull(num()), description: 'GET only: seconds since the newest segment ended.' },
  gapsInWindow: int('GET only: holes (reconnects, recorder restarts) inside the recorded window.'),
  playlistUrl: str('The HLS playlist of the recent past (a live playlist over the retention window).'),
  error: errorField,
}, ['id', 'state', 'source', 'retentionSec', 'segmentSec', 'createdAt', 'restarts', 'reconnects', 'handovers', 'segmentCount'], 'A stream (views.ts streamView).');

const clipResult = obj({
  key: str(), url: str('The MP4 (a fresh URL on every read).'), posterKey: str(), posterUrl: str(),
  durationSec: num(), sizeBytes: int(), mode: oneOfStrings(clipModes),
  method: oneOfStrings(['copy', 'smart-cut', 'full-reencode', 'fan-out'], 'How the MP4 was made.'),
  methodReason: str('Why precise mode fell back to a full re-encode.'),
  width: int(), height: int(),
  actual: { ...window, description: 'The window the MP4 covers.' },
  segments: int(),
  gaps: arr(window, 'Holes in the recording inside the window.'),
  parts: obj({ total: int(), reused: int(), encoded: int(), encodeMs: arr(int()) }, ['total', 'reused', 'encoded', 'encodeMs'], 'transcode: parts planned, reused and encoded.'),
  timings: obj({ waitMs: int(), processMs: int() }, ['waitMs', 'processMs']),
}, ['key', 'url', 'posterKey', 'posterUrl', 'durationSec', 'sizeBytes', 'mode', 'method', 'actual', 'segments', 'gaps', 'timings']);

const jobView = obj({
  id: str(),
  status: oneOfStrings(jobStates),
  statusUrl: str('Where to poll: /v1/highlights/{id}.'),
  streamId: str(),
  mode: oneOfStrings(clipModes),
  source: oneOfStrings(['api', 'trigger', 'direct', 'schedule'], 'How it was asked for: api (webhook), trigger (a file in storage), schedule (a timer), direct.'),
  transcode: obj({
    profile: oneOfStrings(outputProfiles), fit: oneOfStrings(['crop', 'blur']), crf: int(), preset: oneOfStrings(x264Presets),
    maxBitrateKbps: int(), parts: int(), partSec: num(),
  }, ['profile', 'fit', 'crf', 'preset'], 'transcode: the encoder settings, fixed at acceptance.'),
  requested: obj({ at: time(), before: num(), after: num(), start: time(), end: time() }, ['at', 'before', 'after', 'start', 'end']),
  progress: obj({ phase: str(), done: int(), total: int(), etaSec: num() }, ['phase', 'done', 'total']),
  preview: obj({ url: str(), type: { type: 'string', const: 'hls' } }, ['url', 'type'], 'Playable from acceptance: HLS over the recorded segments.'),
  createdAt: time(),
  finishedAt: time(),
  result: ref('ClipResult'),
  error: errorField,
  callback: obj({ delivered: bool(), attempts: int(), lastStatus: int(), lastError: str(), at: time() }, ['delivered', 'attempts']),
}, ['id', 'status', 'statusUrl', 'streamId', 'mode', 'source', 'requested', 'progress', 'createdAt'], 'A highlight job (job-view.ts jobView).');

const recordingStream = obj({ streamId: str(), userId: str('Absent for a mix.'), track: oneOfStrings(mediaKinds) }, ['streamId', 'track']);
const recordingViewProps = {
  id: str(), roomId: str(), state: oneOfStrings(['recording', 'stopping', 'stopped']), mode: oneOfStrings(['single', 'mixed']),
  media: oneOfStrings(mediaKinds), separateAV: bool(), userIds: arr(str()), recorderUserId: str(),
  canvas: obj({ width: int(), height: int(), fps: int() }, ['width', 'height', 'fps']),
  createdAt: time(), stopRequestedAt: time(), streams: arr(recordingStream),
};
const recordingRequired = ['id', 'roomId', 'state', 'mode', 'media', 'separateAV', 'recorderUserId', 'createdAt', 'streams'];
const recordingView = obj(recordingViewProps, recordingRequired, 'A room recording (views.ts recordingView).');

const recordingFile = obj({
  streamId: str(), userId: str(), track: oneOfStrings(mediaKinds), key: str('Empty when the file could not be made.'), format: oneOfStrings(['mp4', 'm4a']),
  start: time(), end: time(), durationSec: num(), sizeBytes: int(), gaps: arr(window), error: errorField,
}, ['streamId', 'track', 'key', 'format', 'start', 'end', 'durationSec', 'sizeBytes', 'gaps']);
const roomManifest = obj({
  recordingId: str(), roomId: str(), mode: oneOfStrings(['single', 'mixed']), media: oneOfStrings(mediaKinds),
  state: oneOfStrings(['recording', 'stopping', 'stopped']), recorderUserId: str(), startedAt: time(), stoppedAt: time(),
  users: arr(str()), files: arr(ref('RecordingFile')),
}, ['recordingId', 'roomId', 'mode', 'media', 'state', 'recorderUserId', 'startedAt', 'users', 'files']);
const recordingDetail = obj({
  ...recordingViewProps,
  streams: arr(obj({ ...(recordingStream.properties as Record<string, Schema>), state: oneOfStrings(streamStates, 'Absent when the stream is gone.') }, ['streamId', 'track'])),
  manifest: { ...orNull(ref('RoomManifest')), description: 'Once stopping: the files made so far (null if the recording vanished meanwhile).' },
}, recordingRequired, 'A room recording with its streams\' states and, once stopping, its manifest.');

const roomUser = obj({ roomId: str(), userId: str(), url: str('The stream the recorder pulls.'), joinedAt: time() }, ['roomId', 'userId', 'url', 'joinedAt']);

const errorSchema = obj({
  error: obj({ code: oneOfStrings(Object.keys(errorStatus)), message: str('A sentence a person can act on.') }, ['code', 'message']),
}, ['error'], 'Every error: a stable code (its HTTP status is fixed per code) and a message.');

// ---- operations ----

/** What each error code means to an API caller. */
const ERROR_MEANING: Partial<Record<ErrorCode, string>> = {
  INVALID_JSON: 'the body is not JSON',
  INVALID_ID: 'a path id does not match [A-Za-z0-9_-]{1,128}',
  UNAUTHORIZED: 'a signing header is missing (or the server has no secret)',
  SIGNATURE_INVALID: 'a malformed signing header, or the signature does not match',
  SIGNATURE_STALE: 'the timestamp is too far from the server clock',
  SIGNATURE_REPLAYED: 'this signature was already used',
  PAYLOAD_TOO_LARGE: 'the body is larger than HL_MAX_BODY_BYTES',
  VALIDATION_FAILED: 'the body breaks the schema or one of its rules',
  SOURCE_NOT_ALLOWED: 'the source type or protocol is not available in this deployment',
  URL_NOT_ALLOWED: 'a URL breaks the URL policy',
  TOO_MANY_USERS: 'a mix over HL_MAX_MIX_USERS users',
  STREAM_ACTIVE: 'a recorder holds the stream; stop it first',
  STREAM_NOT_FOUND: 'no such stream',
  JOB_NOT_FOUND: 'no such highlight',
  JOB_CONFLICT: 'the id exists with a different request',
  RECORDING_NOT_FOUND: 'no such recording',
  WINDOW_EXPIRED: 'the window starts before the stream\'s retention or ends before its oldest segment',
  WINDOW_EMPTY: 'the stream is not recording and recorded nothing in the window',
  INTERNAL: 'an unexpected failure',
  INVOKE_FAILED: 'a worker function could not be invoked',
  STORAGE_FAILED: 'the object store failed',
  STORAGE_DENIED: 'the object store refused the credentials',
};
const SIGNING_ERRORS: ErrorCode[] = ['UNAUTHORIZED', 'SIGNATURE_INVALID', 'SIGNATURE_STALE', 'SIGNATURE_REPLAYED'];
const BODY_ERRORS: ErrorCode[] = ['INVALID_JSON', 'PAYLOAD_TOO_LARGE'];
const SERVER_ERRORS: ErrorCode[] = ['INTERNAL', 'INVOKE_FAILED', 'STORAGE_FAILED', 'STORAGE_DENIED'];

interface Operation {
  method: 'get' | 'post' | 'put' | 'delete';
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tag: string;
  params?: Record<string, string>;
  /** Query parameters: name → [description, schema]. */
  query?: Record<string, [string, Schema]>;
  body?: string;
  /** Status → description; the response body is `response`. */
  success: Record<number, string>;
  response: Schema;
  /** The 4xx codes this operation itself can answer, with what they mean here when the general meaning does not fit. */
  errors?: Array<ErrorCode | [ErrorCode, string]>;
  unsigned?: boolean;
}

const operations: Operation[] = [
  {
    method: 'post', path: '/v1/streams', operationId: 'startStream', tag: 'streams', summary: 'Start recording a stream',
    description: 'Writes the stream as "starting" and hands it to a recorder. A stopped stream starts again and its playlist continues.',
    body: 'StreamSpec', success: { 202: 'The recorder is starting.' }, response: ref('StreamView'),
    errors: ['STREAM_ACTIVE', 'VALIDATION_FAILED', 'SOURCE_NOT_ALLOWED', 'URL_NOT_ALLOWED', 'TOO_MANY_USERS'],
  },
  {
    method: 'get', path: '/v1/streams', operationId: 'listStreams', tag: 'streams', summary: 'List streams',
    success: { 200: 'Every stream.' }, response: obj({ streams: arr(ref('StreamView')) }, ['streams']),
  },
  {
    method: 'get', path: '/v1/streams/{id}', operationId: 'getStream', tag: 'streams', summary: 'Read a stream',
    description: 'State, heartbeat, reconnects, hand-overs, the recorded window and the playlist URL.',
    params: { id: 'The stream id.' }, success: { 200: 'The stream.' }, response: ref('StreamView'), errors: ['INVALID_ID', 'STREAM_NOT_FOUND'],
  },
  {
    method: 'delete', path: '/v1/streams/{id}', operationId: 'stopStream', tag: 'streams', summary: 'Stop a stream',
    description: 'The recorder finishes the current segment and ends the playlist.',
    params: { id: 'The stream id.' },
    success: { 202: 'Stopping (state "stopping").', 200: 'Nothing was recording it: the stream as it is.' },
    response: ref('StreamView'), errors: ['INVALID_ID', 'STREAM_NOT_FOUND'],
  },
  {
    method: 'post', path: '/v1/highlights', operationId: 'createHighlight', tag: 'highlights', summary: 'Clip a highlight',
    description: 'Validates the window against the stream and its retention, then queues the clip. The preview plays at once; the MP4 follows in result.url.',
    body: 'HighlightRequest',
    success: { 202: 'Accepted: a new job.', 200: 'The same id and request again: the existing job.' },
    response: ref('JobView'),
    errors: ['STREAM_NOT_FOUND', 'JOB_CONFLICT', 'VALIDATION_FAILED', 'URL_NOT_ALLOWED', 'WINDOW_EXPIRED', 'WINDOW_EMPTY'],
  },
  {
    method: 'get', path: '/v1/highlights', operationId: 'listHighlights', tag: 'highlights', summary: 'List highlights',
    description: 'The newest highlights first (the console\'s gallery), with fresh URLs. Reads every job: meant for thousands, not millions.',
    query: queryParams(listJobsQuerySchema),
    success: { 200: 'The highlights.' }, response: obj({ highlights: arr(ref('JobView')) }, ['highlights']), errors: ['VALIDATION_FAILED'],
  },
  {
    method: 'get', path: '/v1/highlights/{id}', operationId: 'getHighlight', tag: 'highlights', summary: 'Read a highlight',
    description: 'Status, progress, preview, result (with freshly signed URLs), error and callback delivery.',
    params: { id: 'The highlight id.' }, success: { 200: 'The job.' }, response: ref('JobView'), errors: ['INVALID_ID', 'JOB_NOT_FOUND'],
  },
  {
    method: 'delete', path: '/v1/highlights/{id}', operationId: 'cancelHighlight', tag: 'highlights', summary: 'Cancel a highlight',
    description: 'The work stops, nothing is published, and the job ends "cancelled".',
    params: { id: 'The highlight id.' },
    success: { 202: 'Cancelled.', 200: 'It had already finished: the job as it is.' },
    response: ref('JobView'), errors: ['INVALID_ID', 'JOB_NOT_FOUND'],
  },
  {
    method: 'get', path: '/v1/rooms', operationId: 'listRooms', tag: 'rooms', summary: 'List rooms',
    success: { 200: 'Every room with users or recordings, with counts.' },
    response: obj({
      rooms: arr(obj({ roomId: str(), users: int('Users in the room now.'), recordings: int('Recordings, any state.'), recording: int('Recordings running now.') }, ['roomId', 'users', 'recordings', 'recording'])),
    }, ['rooms']),
  },
  {
    method: 'get', path: '/v1/rooms/{roomId}', operationId: 'getRoom', tag: 'rooms', summary: 'Read a room',
    params: { roomId: 'The room id.' }, success: { 200: 'Its users and recordings (empty lists for an unknown room).' },
    response: obj({ roomId: str(), users: arr(ref('RoomUser')), recordings: arr(ref('RecordingView')) }, ['roomId', 'users', 'recordings']),
    errors: ['INVALID_ID'],
  },
  {
    method: 'put', path: '/v1/rooms/{roomId}/users/{userId}', operationId: 'joinRoom', tag: 'rooms', summary: 'A user joined',
    description: 'Single-stream recordings that target the user start recording them; mixes pick them up on their own.',
    params: { roomId: 'The room id.', userId: 'The user id.' }, body: 'RoomUserInput',
    success: { 200: 'The user, and the streams started for them.' },
    response: obj({ user: ref('RoomUser'), started: arr(str(), 'Stream ids started.') }, ['user', 'started']),
    errors: ['INVALID_ID', 'STREAM_ACTIVE', 'VALIDATION_FAILED', 'SOURCE_NOT_ALLOWED', 'URL_NOT_ALLOWED'],
  },
  {
    method: 'delete', path: '/v1/rooms/{roomId}/users/{userId}', operationId: 'leaveRoom', tag: 'rooms', summary: 'A user left',
    description: 'Their single-stream recordings stop and are finalised; mixes re-lay out.',
    params: { roomId: 'The room id.', userId: 'The user id.' },
    success: { 200: 'Left, and the streams stopped.' },
    response: obj({ left: { type: 'boolean', const: true }, stopped: arr(str(), 'Stream ids stopped.') }, ['left', 'stopped']),
    errors: ['INVALID_ID', ['NOT_FOUND', 'the user is not in the room']],
  },
  {
    method: 'post', path: '/v1/rooms/{roomId}/recordings', operationId: 'startRoomRecording', tag: 'rooms', summary: 'Start a room recording',
    description: 'single: one stream per targeted user (and per track with separateAV), started now for the users in the room and on join for the rest. mixed: one stream compositing the targeted users.',
    params: { roomId: 'The room id.' }, body: 'RoomRecordingRequest',
    success: { 202: 'Started, with its streams.', 200: 'The same id again: the existing recording.' },
    response: ref('RecordingView'),
    errors: ['INVALID_ID', 'VALIDATION_FAILED', 'TOO_MANY_USERS', 'SOURCE_NOT_ALLOWED', 'URL_NOT_ALLOWED'],
  },
  {
    method: 'get', path: '/v1/rooms/{roomId}/recordings/{id}', operationId: 'getRoomRecording', tag: 'rooms', summary: 'Read a room recording',
    description: 'State, each stream\'s state, and once stopping the manifest: users, files, start and end, gaps.',
    params: { roomId: 'The room id.', id: 'The recording id.' }, success: { 200: 'The recording.' },
    response: ref('RecordingDetail'), errors: ['INVALID_ID', 'RECORDING_NOT_FOUND'],
  },
  {
    method: 'delete', path: '/v1/rooms/{roomId}/recordings/{id}', operationId: 'stopRoomRecording', tag: 'rooms', summary: 'Stop a room recording',
    description: 'Every stream finishes its segment and is joined into its file.',
    params: { roomId: 'The room id.', id: 'The recording id.' },
    success: { 202: 'Stopping.', 200: 'It was not recording: the recording as it is.' },
    response: ref('RecordingView'), errors: ['INVALID_ID', 'RECORDING_NOT_FOUND'],
  },
  {
    method: 'get', path: '/healthz', operationId: 'health', tag: 'meta', summary: 'Liveness', unsigned: true,
    success: { 200: 'Up.' }, response: obj({ ok: { type: 'boolean', const: true } }, ['ok']),
  },
  {
    method: 'get', path: '/openapi.json', operationId: 'openApi', tag: 'meta', summary: 'This document', unsigned: true,
    success: { 200: 'The OpenAPI 3.1 document.' }, response: { type: 'object' },
  },
];

type ErrorEntry = [ErrorCode, string | undefined];
const entry = (e: ErrorCode | [ErrorCode, string]): ErrorEntry => (Array.isArray(e) ? e : [e, ERROR_MEANING[e]]);

const errorResponse = (entries: ErrorEntry[]) => ({
  description: entries.map(([c, meaning]) => `\`${c}\`${meaning ? `: ${meaning}` : ''}`).join('; ') + '.',
  content: { 'application/json': { schema: ref('Error') } },
});

function operationObject(op: Operation): Schema {
  const responses: Record<string, unknown> = {};
  for (const [status, description] of Object.entries(op.success)) {
    responses[status] = { description, content: { 'application/json': { schema: op.response } } };
  }
  const entries = [...(op.body ? BODY_ERRORS : []), ...(op.unsigned ? [] : SIGNING_ERRORS), ...(op.errors ?? [])].map(entry);
  const byStatus = new Map<number, ErrorEntry[]>();
  for (const e of entries) byStatus.set(errorStatus[e[0]], [...(byStatus.get(errorStatus[e[0]]) ?? []), e]);
  for (const [status, list] of [...byStatus].sort((a, b) => a[0] - b[0])) responses[String(status)] = errorResponse(list);
  if (!op.unsigned) responses['5XX'] = errorResponse(SERVER_ERRORS.map(entry));
  return {
    operationId: op.operationId,
    summary: op.summary,
    ...(op.description ? { description: op.description } : {}),
    tags: [op.tag],
    ...(op.params || op.query
      ? {
          parameters: [
            ...Object.entries(op.params ?? {}).map(([name, description]) => ({
              name, in: 'path', required: true, description, schema: { type: 'string', pattern: ID_PATTERN.source },
            })),
            ...Object.entries(op.query ?? {}).map(([name, [description, schema]]) => ({ name, in: 'query', required: false, description, schema })),
          ],
        }
      : {}),
    ...(op.body ? { requestBody: { required: true, content: { 'application/json': { schema: ref(op.body) } } } } : {}),
    responses,
    ...(op.unsigned ? { security: [] } : {}),
  };
}

/** The methods and path templates the document describes (for tests against the route table). */
export const documentedOperations = (): Array<{ method: string; path: string }> =>
  operations.map((o) => ({ method: o.method.toUpperCase(), path: o.path }));

/** The OpenAPI 3.1.0 document of the HTTP API. Pure: the same document on every call. */
export function openApiDocument(): Schema {
  return structuredClone(buildDocument());
}

function buildDocument(): Schema {
  const paths: Record<string, Record<string, Schema>> = {};
  for (const op of operations) (paths[op.path] ??= {})[op.method] = operationObject(op);
  const base = JSON.stringify(signatureBase('<timestamp>', '<nonce>', '<METHOD>', '<path>', '<body>')).slice(1, -1);
  return {
    openapi: '3.1.0',
    info: {
      title: 'Highlight clipper API',
      version: pkg.version,
      description: 'Record live streams into rolling HLS segments, clip highlights out of them (copy, frame-exact or transcoded MP4, with an instant HLS preview), and record TRTC-style rooms. '
        + 'Every /v1 request is signed with three headers (see the security schemes); /healthz and /openapi.json are open. '
        + 'Errors are JSON {"error":{"code","message"}}; the code fixes the HTTP status. A path with no route answers 404 NOT_FOUND, a known path with another method 405 METHOD_NOT_ALLOWED.',
    },
    servers: [{ url: '/' }],
    tags: [
      { name: 'streams', description: 'Recording live sources into a rolling window of segments.' },
      { name: 'highlights', description: 'Clips cut out of a stream\'s window.' },
      { name: 'rooms', description: 'Room users and their recordings (single or mixed).' },
      { name: 'meta', description: 'Unsigned: liveness and this document.' },
    ],
    security: [{ hlTimestamp: [], hlNonce: [], hlSignature: [] }],
    paths,
    components: {
      securitySchemes: {
        hlTimestamp: {
          type: 'apiKey', in: 'header', name: TIMESTAMP_HEADER,
          description: 'Unix seconds when the request was signed; refused when more than HL_SIGNATURE_TOLERANCE_SEC (default 300) from the server clock.',
        },
        hlNonce: {
          type: 'apiKey', in: 'header', name: NONCE_HEADER,
          description: '8-64 characters [A-Za-z0-9_-], new for every request.',
        },
        hlSignature: {
          type: 'apiKey', in: 'header', name: SIGNATURE_HEADER,
          description: `v1=hex(HMAC-SHA256(secret, "${base}")) with the shared secret (HL_SECRET): METHOD upper case, path without the query string, body the exact bytes sent (empty for GET and DELETE). A signature is accepted once.`,
        },
      },
      schemas: {
        StreamSpec: requestSchema(streamSpecSchema),
        HighlightRequest: requestSchema(highlightRequestSchema),
        RoomUserInput: requestSchema(roomUserInputSchema),
        RoomRecordingRequest: requestSchema(roomRecordingRequestSchema),
        StreamView: streamView,
        JobView: jobView,
        ClipResult: clipResult,
        RoomUser: roomUser,
        RecordingView: recordingView,
        RecordingDetail: recordingDetail,
        RoomManifest: roomManifest,
        RecordingFile: recordingFile,
        Error: errorSchema,
      },
    },
  };
}
