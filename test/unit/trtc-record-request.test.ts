import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compatFileName, planCompatRecording } from '../../shared/compat/trtc-record-request.ts';

const base = {
  SdkAppId: 1400000001, RoomId: 1234, UserId: 'recorder_1', UserSig: 'sig',
  CosConfig: { Region: 'ap-guangzhou', Bucket: 'records-1250000000', Path: '/trtc/records' }, Callback: 'https://game.example.com/cb', Mode: '02',
};
const code = (f: () => unknown) => { try { f(); return 'ok'; } catch (e) { return `${(e as { code?: string }).code}: ${(e as Error).message}`; } };

test('the six modes map onto single/mixed and audio/video/av, MP3 for audio', () => {
  const got = ['00', '01', '02', '10', '11', '12'].map((Mode) => {
    const { plan } = planCompatRecording({ ...base, Mode });
    return `${Mode}:${plan.recording.mode}/${plan.recording.media}/${plan.format}`;
  });
  assert.deepEqual(got, ['00:single/audio/mp3', '01:single/video/mp4', '02:single/av/mp4', '10:mixed/audio/mp3', '11:mixed/video/mp4', '12:mixed/av/mp4']);
  assert.equal(planCompatRecording({ ...base, Mode: 12 }).plan.mode, '12', 'a numeric Mode is read as its two digits');
});

test('rooms: a numeric RoomId or a StrRoomId, never both or neither; 0 and "" mean none', () => {
  assert.equal(planCompatRecording(base).plan.roomId, '1234');
  const str = planCompatRecording({ ...base, RoomId: 0, StrRoomId: 'arena_7' }).plan;
  assert.deepEqual([str.roomId, str.roomIdNum, str.strRoomId], ['arena_7', 0, 'arena_7']);
  assert.match(code(() => planCompatRecording({ ...base, StrRoomId: 'x' })), /VALIDATION_FAILED: give exactly one/);
  assert.match(code(() => planCompatRecording({ ...base, RoomId: undefined })), /VALIDATION_FAILED: give exactly one/);
  assert.match(code(() => planCompatRecording({ ...base, RoomId: undefined, StrRoomId: 'a b' })), /StrRoomId: "a b" must match/);
});

test('malformed bodies name the field', () => {
  assert.match(code(() => planCompatRecording({ ...base, Mode: '03' })), /VALIDATION_FAILED: Mode/);
  assert.match(code(() => planCompatRecording({ ...base, Mode: 7 })), /Mode: 07 is not one of/);
  assert.match(code(() => planCompatRecording({ ...base, CosConfig: { ...base.CosConfig, Bucket: 'nobucket' } })), /CosConfig.Bucket/);
  assert.match(code(() => planCompatRecording({ ...base, CosConfig: { ...base.CosConfig, SecretId: 'only-id' } })), /SecretId and SecretKey together/);
  assert.match(code(() => planCompatRecording({ ...base, CosConfig: { ...base.CosConfig, Path: 'a/../b' } })), /CosConfig.Path/);
  assert.match(code(() => planCompatRecording({ ...base, Extra: 1 })), /VALIDATION_FAILED/);
  assert.match(code(() => planCompatRecording({ ...base, UserId: 'bad id' })), /UserId/);
  assert.equal(code(() => planCompatRecording({ ...base, UserId: 0 })), 'ok', 'UserId 0 (a number) means a random one');
});

test('file names: <Path><app>_<room>_<who>_<UTC stamp>.<ext>', () => {
  const { plan } = planCompatRecording({ ...base, Mode: '00' });
  assert.equal(plan.path, 'trtc/records/');
  assert.equal(compatFileName(plan, 'alice', new Date('2026-11-28T12:34:56.789Z')), 'trtc/records/1400000001_1234_alice_20261128123456.mp3');
  assert.equal(compatFileName(planCompatRecording({ ...base, CosConfig: { ...base.CosConfig, Path: '' } }).plan, 'mix', new Date(0)), '1400000001_1234_mix_19700101000000.mp4');
});
