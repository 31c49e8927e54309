import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AppError } from '../../shared/domain/app-error.ts';
import type { SourceSpec } from '../../shared/domain/schemas.ts';
import { resolveSource, SOURCE_SCHEMES, trtcRelayUrl, trtcStreamId, type SourcePolicy } from '../../shared/streams/resolve-source.ts';

const policy = (over: Partial<SourcePolicy> = {}): SourcePolicy => ({
  allowLocalSources: false,
  urlPolicy: { allowPrivate: false, allowedHosts: [], schemes: SOURCE_SCHEMES },
  maxMixUsers: 16,
  ffmpegProtocols: new Set(['rtmp', 'rtmps', 'http', 'https', 'tcp', 'tls', 'file', 'concat']),
  ...over,
});
const trtc = (over: Partial<Extract<SourceSpec, { type: 'trtc' }>> = {}): Extract<SourceSpec, { type: 'trtc' }> =>
  ({ type: 'trtc', sdkAppId: 1400000001, roomId: 12345, userId: 'userA', stream: 'main', media: 'av', normalize: false, ...over });
const code = (fn: () => unknown) => {
  try { fn(); } catch (err) { return (err as AppError).code; }
  return 'no error';
};

test('the TRTC relay stream id is <sdkAppId>_<roomId>_<userId>_main|aux, URL-encoded', () => {
  assert.equal(trtcStreamId(trtc()), '1400000001_12345_userA_main');
  assert.equal(trtcStreamId(trtc({ stream: 'aux', roomId: 'room-7' })), '1400000001_room-7_userA_aux');
  const relay = { domain: 'play.example.com', protocol: 'flv' as const, app: 'live' };
  assert.equal(trtcRelayUrl(trtc(), relay), 'http://play.example.com/live/1400000001_12345_userA_main.flv');
  assert.equal(trtcRelayUrl(trtc(), { ...relay, protocol: 'rtmp' }), 'rtmp://play.example.com/live/1400000001_12345_userA_main');
});

test('a trtc source resolves to its relay URL, and needs a relay domain', () => {
  const p = policy({ trtcRelay: { domain: 'play.example.com', protocol: 'flv', app: 'live' } });
  assert.deepEqual(resolveSource(trtc({ media: 'audio' }), p), { type: 'url', url: 'http://play.example.com/live/1400000001_12345_userA_main.flv', media: 'audio', normalize: false });
  assert.equal(code(() => resolveSource(trtc(), policy())), 'SOURCE_NOT_ALLOWED');
});

test('network URLs: allowed schemes only, no private hosts under the cloud policy, a protocol ffmpeg has', () => {
  const url = (u: string) => ({ type: 'url' as const, url: u, media: 'av' as const, normalize: false });
  assert.equal(code(() => resolveSource(url('rtmp://ingest.example.com/live/a'), policy())), 'no error');
  assert.equal(code(() => resolveSource(url('https://cdn.example.com/a.m3u8'), policy())), 'no error');
  for (const bad of ['file:///etc/passwd', 'concat:a.ts|b.ts', 'lavfi:testsrc', 'ftp://h/x', 'not a url']) {
    assert.equal(code(() => resolveSource(url(bad), policy())), 'URL_NOT_ALLOWED', bad);
  }
  for (const host of ['127.0.0.1', '10.1.2.3', '192.168.0.10', 'localhost', '[::1]', '169.254.169.254']) {
    assert.equal(code(() => resolveSource(url(`rtmp://${host}/live/a`), policy())), 'URL_NOT_ALLOWED', host);
  }
  assert.equal(code(() => resolveSource(url('rtmp://127.0.0.1/live/a'), policy({ urlPolicy: { allowPrivate: true, allowedHosts: [], schemes: SOURCE_SCHEMES } }))), 'no error');
  assert.equal(code(() => resolveSource(url('srt://ingest.example.com:9000'), policy())), 'SOURCE_NOT_ALLOWED', 'this ffmpeg has no srt');
  assert.equal(code(() => resolveSource(url('srt://ingest.example.com:9000'), policy({ ffmpegProtocols: new Set(['srt']) }))), 'no error');
  assert.equal(code(() => resolveSource(url('rtmp://evil.example.net/a'), policy({ urlPolicy: { allowPrivate: false, allowedHosts: ['*.example.com'], schemes: SOURCE_SCHEMES } }))), 'URL_NOT_ALLOWED');
});

test('local sources only where allowed; a mix is limited and checks every input', () => {
  assert.equal(code(() => resolveSource({ type: 'testsrc', width: 320, height: 180, fps: 15, audio: true, clock: false }, policy())), 'SOURCE_NOT_ALLOWED');
  const mix = (n: number, url = 'rtmp://ingest.example.com/live/u'): SourceSpec => ({
    type: 'mix', media: 'av', canvas: { width: 1280, height: 720, fps: 30 }, inputs: Array.from({ length: n }, (_, i) => ({ userId: `u${i}`, url: `${url}${i}` })),
  });
  assert.equal(code(() => resolveSource(mix(4), policy())), 'no error');
  assert.equal(code(() => resolveSource(mix(17), policy())), 'TOO_MANY_USERS');
  assert.equal(code(() => resolveSource(mix(2, 'rtmp://10.0.0.1/live/u'), policy())), 'URL_NOT_ALLOWED');
});
