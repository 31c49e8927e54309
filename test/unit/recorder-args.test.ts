import { test } from 'node:test';
import assert from 'node:assert/strict';
import { networkInputArgs, recorderArgs, type RecordableSource, type RecorderArgsInput } from '../../shared/media/recorder-args.ts';
import type { SourceSpec } from '../../shared/domain/schemas.ts';

type SourceSpec_ = RecordableSource;

const testsrc = (over: Partial<Extract<SourceSpec, { type: 'testsrc' }>> = {}): SourceSpec_ =>
  ({ type: 'testsrc', width: 1280, height: 720, fps: 30, audio: true, clock: true, ...over });
const file = (over: Partial<Extract<SourceSpec, { type: 'file' }>> = {}): SourceSpec_ =>
  ({ type: 'file', path: '/media/my match\'s "final".mp4', loop: true, normalize: false, ...over });

const input = (source: SourceSpec_, over: Partial<RecorderArgsInput> = {}): RecorderArgsInput =>
  ({ source, segmentSec: 2, outDir: '/tmp/rec out', clockEpochSec: 1_795_850_412.345, ...over });

/** The value following a flag, or undefined. */
function after(args: string[], flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
}
/** Every value following a repeated flag. */
function allAfter(args: string[], flag: string): string[] {
  return args.flatMap((a, i) => (a === flag && i + 1 < args.length ? [args[i + 1]!] : []));
}

test('arguments are an array of strings, not a shell line', () => {
  const args = recorderArgs(input(testsrc()));
  assert.ok(Array.isArray(args));
  assert.ok(args.every((a) => typeof a === 'string'));
  assert.ok(args.length > 20);
  const f = recorderArgs(input(file()));
  assert.ok(f.includes('/media/my match\'s "final".mp4'), 'path kept as a single argument, unquoted');
  assert.equal(f[f.length - 1], '/tmp/rec out/seg_%08d.ts');
});

test('testsrc with audio: two lavfi inputs, maps [v] and 1:a, H.264 + AAC with a keyframe every segment', () => {
  const args = recorderArgs(input(testsrc(), { fontFile: undefined }));
  assert.deepEqual(allAfter(args, '-f').slice(0, 2), ['lavfi', 'lavfi']);
  const inputs = allAfter(args, '-i');
  assert.equal(inputs.length, 2);
  assert.equal(inputs[0], 'testsrc2=size=1280x720:rate=30');
  assert.match(inputs[1]!, /^sine=/);
  assert.deepEqual(allAfter(args, '-map'), ['[v]', '1:a']);
  assert.equal(after(args, '-c:v'), 'libx264');
  assert.equal(after(args, '-c:a'), 'aac');
  assert.equal(after(args, '-force_key_frames'), 'expr:gte(t,n_forced*2)');
  assert.equal(after(args, '-g'), '60');
  assert.equal(after(args, '-keyint_min'), '60');
  assert.equal(after(args, '-sc_threshold'), '0');
});

test('segment muxer output: csv list on stdout, no timestamp reset', () => {
  for (const src of [testsrc(), file(), file({ normalize: true })]) {
    const args = recorderArgs(input(src));
    const fIdx = args.lastIndexOf('-f');
    assert.equal(args[fIdx + 1], 'segment');
    assert.equal(after(args, '-segment_time'), '2');
    assert.equal(after(args, '-segment_format'), 'mpegts');
    assert.equal(after(args, '-segment_list'), 'pipe:1');
    assert.equal(after(args, '-segment_list_type'), 'csv');
    assert.ok(!args.includes('-reset_timestamps'), 'must not reset timestamps');
    assert.ok(!args.some((a) => a.includes('reset_timestamps')));
  }
});

test('segmentSec drives keyframe spacing and segment time', () => {
  const args = recorderArgs(input(testsrc({ fps: 25 }), { segmentSec: 4 }));
  assert.equal(after(args, '-force_key_frames'), 'expr:gte(t,n_forced*4)');
  assert.equal(after(args, '-g'), '100');
  assert.equal(after(args, '-segment_time'), '4');
});

test('testsrc without audio has one input and no audio map', () => {
  const args = recorderArgs(input(testsrc({ audio: false })));
  assert.equal(allAfter(args, '-i').length, 1);
  assert.deepEqual(allAfter(args, '-map'), ['[v]']);
  assert.ok(!args.some((a) => a.startsWith('sine=')));
});

test('drawtext only when clock is on and a font file is given', () => {
  const font = '/fonts/Deja Vu/Mono.ttf';
  const withClock = recorderArgs(input(testsrc({ clock: true }), { fontFile: font }));
  const graph = after(withClock, '-filter_complex')!;
  assert.match(graph, /drawtext=/);
  assert.match(graph, /\[v\]$/);
  // the font path is quoted
  assert.ok(graph.includes("fontfile='/fonts/Deja Vu/Mono.ttf'"), graph);
  // the clock uses the epoch of pts 0
  assert.ok(graph.includes('1795850412.345'), graph);

  const noFont = recorderArgs(input(testsrc({ clock: true }), { fontFile: undefined }));
  assert.ok(!noFont.some((a) => a.includes('drawtext')));
  assert.equal(after(noFont, '-filter_complex'), '[0:v]null[v]');

  const clockOff = recorderArgs(input(testsrc({ clock: false }), { fontFile: font }));
  assert.ok(!clockOff.some((a) => a.includes('drawtext')));

  // a path that would need filter escaping is never spliced in: no clock rather than a broken graph
  for (const odd of ["/fonts/it's.ttf", '/fonts/a:b.ttf', '/fonts/a;b.ttf']) {
    const r = recorderArgs(input(testsrc({ clock: true }), { fontFile: odd }));
    assert.equal(after(r, '-filter_complex'), '[0:v]null[v]', odd);
  }
});

test('file source without normalize copies streams; loop adds -stream_loop -1 before -i', () => {
  const args = recorderArgs(input(file({ loop: true, normalize: false })));
  assert.equal(after(args, '-c'), 'copy');
  assert.ok(!args.includes('libx264'));
  assert.ok(!args.includes('-c:v'));
  assert.equal(after(args, '-stream_loop'), '-1');
  assert.ok(args.indexOf('-stream_loop') < args.indexOf('-i'));
  assert.equal(after(args, '-i'), '/media/my match\'s "final".mp4');
  assert.deepEqual(allAfter(args, '-map'), ['0:v:0', '0:a:0?']);
  assert.ok(!args.includes('lavfi'));

  const once = recorderArgs(input(file({ loop: false })));
  assert.ok(!once.includes('-stream_loop'));
  assert.equal(after(once, '-c'), 'copy');
});

test('file source with normalize re-encodes', () => {
  const args = recorderArgs(input(file({ normalize: true })));
  assert.ok(!args.includes('copy'));
  assert.equal(after(args, '-c:v'), 'libx264');
  assert.equal(after(args, '-c:a'), 'aac');
  assert.equal(after(args, '-force_key_frames'), 'expr:gte(t,n_forced*2)');
  assert.ok(!args.includes('-g'), 'no fixed GOP without a known fps');
});

test('pure: the same input gives the same arguments', () => {
  const i = input(testsrc(), { fontFile: '/f.ttf' });
  assert.deepEqual(recorderArgs(i), recorderArgs(i));
});

const url = (u: string, over: Partial<Extract<SourceSpec, { type: 'url' }>> = {}): SourceSpec_ =>
  ({ type: 'url', url: u, media: 'av', normalize: false, ...over });

test('rtmp: -rw_timeout (never -timeout, which means listen), no -re, stream copy of video and optional audio', () => {
  const args = recorderArgs(input(url('rtmp://ingest.example.com/live/abc'), { stallSec: 7 }));
  assert.equal(after(args, '-rw_timeout'), '7000000');
  assert.ok(!args.includes('-timeout'));
  assert.ok(!args.includes('-re'), 'a live pull is paced by the source');
  assert.ok(args.indexOf('-rw_timeout') < args.indexOf('-i'), 'input options come before -i');
  assert.equal(after(args, '-i'), 'rtmp://ingest.example.com/live/abc');
  assert.deepEqual(allAfter(args, '-map'), ['0:v:0', '0:a:0?']);
  assert.equal(after(args, '-c'), 'copy');
});

test('http(s) HLS/FLV: reconnect flags for streamed bodies plus -rw_timeout; srt gets none', () => {
  const args = networkInputArgs('https://cdn.example.com/live/abc.flv', 10);
  assert.equal(after(args, '-reconnect'), '1');
  assert.equal(after(args, '-reconnect_streamed'), '1');
  assert.equal(after(args, '-rw_timeout'), '10000000');
  assert.deepEqual(networkInputArgs('srt://1.2.3.4:9000'), []);
});

test('media selects tracks: audio-only and video-only recordings map one track, normalize encodes only it', () => {
  const a = recorderArgs(input(url('rtmp://h/live/a', { media: 'audio' })));
  assert.deepEqual(allAfter(a, '-map'), ['0:a:0']);
  const v = recorderArgs(input(url('rtmp://h/live/a', { media: 'video', normalize: true })));
  assert.deepEqual(allAfter(v, '-map'), ['0:v:0']);
  assert.equal(after(v, '-c:v'), 'libx264');
  assert.equal(after(v, '-c:a'), undefined);
  assert.equal(after(v, '-force_key_frames'), 'expr:gte(t,n_forced*2)');
});
