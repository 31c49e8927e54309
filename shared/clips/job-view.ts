import type { ClipJob } from '../domain/schemas.ts';

/** What POST/GET /v1/highlights return, and what a callback carries. */
export function jobView(j: ClipJob) {
  return {
    id: j.id,
    status: j.state,
    statusUrl: `/v1/highlights/${j.id}`,
    streamId: j.streamId,
    mode: j.mode,
    /** How it was asked for: api (webhook), trigger (a file in storage), schedule (a timer), direct. */
    source: j.source,
    ...(j.transcode ? { transcode: j.transcode } : {}),
    requested: j.requested,
    progress: j.progress,
    /** Playable at once (HLS over the recorded segments); the MP4 is result.url when done. */
    preview: j.preview ? { url: j.preview.url, type: 'hls' } : undefined,
    createdAt: j.createdAt,
    finishedAt: j.finishedAt,
    result: j.result,
    error: j.error,
    callback: j.callback,
  };
}
