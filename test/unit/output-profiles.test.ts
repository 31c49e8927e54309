import assert from 'node:assert/strict';
import { test } from 'node:test';
import { profileFilter, profileSize, transcodeSettings, videoEncodeArgs } from '../../shared/media/output-profiles.ts';

test('profile sizes keep the aspect with even dimensions; vertical is 1080x1920', () => {
  assert.deepEqual(profileSize('720p', { width: 1920, height: 1080 }), { width: 1280, height: 720 });
  assert.deepEqual(profileSize('1080p', { width: 1280, height: 720 }), { width: 1920, height: 1080 });
  assert.deepEqual(profileSize('source', { width: 321, height: 181 }), { width: 322, height: 182 });
  assert.deepEqual(profileSize('vertical', { width: 1280, height: 720 }), { width: 1080, height: 1920 });
});

test('vertical filters: crop takes a centred 9:16 slice; blur overlays the frame on a blurred fill', () => {
  const crop = profileFilter('vertical', 'crop');
  assert.match(crop, /^crop=trunc\(ih\*9\/32\)\*2:ih,scale=1080:1920/);
  const blur = profileFilter('vertical', 'blur');
  assert.match(blur, /split=2\[bg\]\[fg\]/);
  assert.match(blur, /boxblur/);
  assert.match(blur, /overlay=\(W-w\)\/2:\(H-h\)\/2/);
  assert.match(profileFilter('720p', 'blur'), /^scale=-2:720/);
});

test('defaults and encoder arguments: identical for every part, bitrate cap only when asked', () => {
  const s = transcodeSettings({});
  assert.deepEqual(s, { profile: '720p', fit: 'blur', crf: 23, preset: 'veryfast' });
  const args = videoEncodeArgs(s, 1);
  assert.deepEqual(args.slice(0, 6), ['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '23']);
  assert.ok(args.includes('open-gop=0'));
  assert.ok(!args.includes('-maxrate'));
  assert.deepEqual(args.slice(-2), ['-threads', '1']);
  const capped = videoEncodeArgs(transcodeSettings({ maxBitrateKbps: 3000 }), 0);
  assert.deepEqual(capped.slice(capped.indexOf('-maxrate'), capped.indexOf('-maxrate') + 4), ['-maxrate', '3000k', '-bufsize', '6000k']);
  assert.ok(!capped.includes('-threads'), 'threads 0 leaves x264 to decide');
});
