import { mkdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Writable } from 'node:stream';
import type { Config } from '../config/config.ts';
import { streamPrefix } from '../domain/store-keys.ts';
import type { Logger } from '../log/logger.ts';
import { ffmpegPipe } from '../media/ffmpeg-pipe.ts';
import type { RoomRecording } from '../rooms/room-schemas.ts';
import { CosStore } from '../storage/cos-store.ts';
import type { ObjectStore } from '../storage/object-store.ts';
import { readPlaylist } from '../streams/stream-store.ts';
import type { CompatTask, TemplateResult } from './compat-task-store.ts';
import { unseal } from './seal.ts';
import { compatFileName } from './trtc-record-request.ts';

interface Target {
  store: ObjectStore;
  key(name: string): string;
  recordFile(key: string): Promise<string>;
}

/** Where the files go: the request's COS bucket (its keys or the role's), or locally the data folder. */
function targetOf(task: CompatTask, d: { store: ObjectStore; config: Config }): Target {
  if (d.config.compat.output === 'local') {
    return { store: d.store, key: (name) => `compat/output/${task.cos.Bucket}/${name}`, recordFile: (key) => d.store.url(key) };
  }
  const { cosDomain, cosProtocol } = d.config.compat;
  const store = new CosStore({
    bucket: task.cos.Bucket, region: task.cos.Region,
    ...(task.cos.SecretId ? { secretId: task.cos.SecretId, secretKey: unseal(d.config.secret, task.cos.sealedSecretKey!) } : {}),
    ...(cosDomain ? { domain: cosDomain, protocol: cosProtocol ?? 'https:' } : {}),
  });
  const base = cosDomain ? `${cosProtocol ?? 'https:'}//${cosDomain}/${task.cos.Bucket}` : `https://${task.cos.Bucket}.cos.${task.cos.Region}.myqcloud.com`;
  return { store, key: (name) => name, recordFile: async (key) => `${base}/${key.split('/').map(encodeURIComponent).join('/')}` };
}

/** ffmpeg's output options for a template format: MP3 re-encoded; MP4 by stream copy. */
function outputArgs(format: 'mp3' | 'mp4', track: string, seekable: boolean): string[] {
  if (format === 'mp3') return ['-map', '0:a:0', '-vn', '-c:a', 'libmp3lame', '-b:a', '128k', '-f', 'mp3'];
  const maps = track === 'video' ? ['-map', '0:v:0', '-an'] : ['-map', '0:v:0', '-map', '0:a:0?', '-bsf:a', 'aac_adtstoasc'];
  // A pipe cannot seek back to write the index first: fragmented MP4 plays in browsers and players alike.
  return [...maps, '-c', 'copy', '-movflags', seekable ? '+faststart' : 'frag_keyframe+empty_moov+default_base_moof', '-f', 'mp4'];
}

/** Wait until a writable can take more, or is gone (ffmpeg exited): never hangs on a dead pipe. */
function drained(w: Writable): Promise<void> {
  return new Promise((resolve) => {
    const done = () => { w.off('drain', done); w.off('close', done); w.off('error', done); resolve(); };
    w.on('drain', done);
    w.on('close', done);
    w.on('error', done);
  });
}

/** Every segment of the stream, in order, into ffmpeg's stdin (TS byte-concatenates; ffmpeg re-bases timestamp jumps). */
async function feedSegments(store: ObjectStore, streamId: string, uris: string[], stdin: Writable, signal?: AbortSignal): Promise<void> {
  try {
    for (const uri of uris) {
      if (signal?.aborted || stdin.destroyed) break;
      for await (const chunk of await store.stream(streamPrefix(streamId) + uri)) {
        if (stdin.destroyed) return;
        if (!stdin.write(chunk)) await drained(stdin);
      }
    }
  } catch {
    // ffmpeg stopped reading (it failed: its exit says why) or a segment vanished mid-read.
  } finally {
    stdin.end();
  }
}

/**
 * Stream each recorded stream of the recording into the request's format and bucket: segments
 * → ffmpeg (pipe) → a multipart upload, so no file the size of the recording ever touches /tmp.
 * With CFS_PATH the file is written to the mounted file system first (a seekable faststart MP4),
 * then uploaded in parts. One Files entry per stream, Status 1 with the reason when it failed.
 */
export async function deliverCompatFiles(task: CompatTask, recording: RoomRecording, d: { store: ObjectStore; config: Config; log: Logger; signal?: AbortSignal }): Promise<TemplateResult['Files']> {
  const target = targetOf(task, d);
  const files: TemplateResult['Files'] = [];
  for (const s of recording.streams) {
    const who = s.userId ?? task.recorderUserId;
    try {
      const playlist = await readPlaylist(d.store, s.streamId);
      const segs = playlist.segments;
      if (segs.length === 0) throw Object.assign(new Error('nothing was recorded for this user'), { code: 'WINDOW_EMPTY' });
      const name = compatFileName(task.plan, s.userId ?? 'mix', segs[0]!.start);
      const key = target.key(name);
      const contentType = task.plan.format === 'mp3' ? 'audio/mpeg' : 'video/mp4';
      const input = ['-hide_banner', '-loglevel', 'error', '-f', 'mpegts', '-i', 'pipe:0'];
      const started = Date.now();
      let bytes: number;
      if (d.config.compat.cfsPath) {
        const dir = path.join(d.config.compat.cfsPath, task.id);
        await mkdir(dir, { recursive: true });
        const file = path.join(dir, `${s.streamId}.${task.plan.format}`);
        try {
          const ff = ffmpegPipe([...input, ...outputArgs(task.plan.format, s.track, true), '-y', file], { signal: d.signal, what: `compat ${name}` });
          ff.stdout.resume();
          await Promise.all([feedSegments(d.store, s.streamId, segs.map((x) => x.uri), ff.stdin, d.signal), ff.done]).catch((err) => { ff.kill(); throw err; });
          bytes = (await stat(file)).size;
          await target.store.putFile(key, file, { contentType });
        } finally {
          await rm(file, { force: true });
        }
      } else {
        const ff = ffmpegPipe([...input, ...outputArgs(task.plan.format, s.track, false), 'pipe:1'], { signal: d.signal, what: `compat ${name}` });
        // Any of the three failing (an upload refused, ffmpeg failing, the input gone) stops ffmpeg.
        const [, , put] = await Promise.all([feedSegments(d.store, s.streamId, segs.map((x) => x.uri), ff.stdin, d.signal), ff.done, target.store.putStream(key, ff.stdout, { contentType })])
          .catch((err) => { ff.kill(); throw err; });
        bytes = put.bytes;
      }
      d.log.info('compat.file_delivered', { taskId: task.id, streamId: s.streamId, key, bytes, segments: segs.length, ms: Date.now() - started });
      files.push({ UserId: who, RecordFile: await target.recordFile(key), Status: 0, Message: 'success' });
    } catch (err) {
      d.log.error('compat.file_failed', { taskId: task.id, streamId: s.streamId, error: err });
      files.push({ UserId: who, RecordFile: '', Status: 1, Message: `${(err as { code?: string }).code ?? 'FAILED'}: ${(err as Error).message}` });
    }
  }
  return files;
}
