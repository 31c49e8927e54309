import Hls from 'hls.js';

export interface LivePlayer {
  /** Jump by seconds inside the retention window (negative: back in time). */
  seekBy(sec: number): void;
  goLive(): void;
  /** The seekable range in media seconds: the retention window. */
  window(): { start: number; end: number } | null;
  /** The wall-clock time of what is on screen (EXT-X-PROGRAM-DATE-TIME), when known. */
  wallClock(): Date | null;
  destroy(): void;
}

/**
 * A live player over a stream's playlist: hls.js (bundled from npm, never a CDN) on MSE, or the
 * browser's own HLS. The playlist spans the retention window, so the seek bar is live replay.
 */
export function attachLivePlayer(video: HTMLVideoElement, url: string, onError: (message: string) => void): LivePlayer {
  let hls: Hls | null = null;
  if (Hls.isSupported()) {
    hls = new Hls({ liveSyncDurationCount: 3, liveMaxLatencyDurationCount: Infinity, maxBufferLength: 30, backBufferLength: 60 });
    hls.on(Hls.Events.ERROR, (_e, data) => {
      if (!data.fatal) return;
      onError(`player: ${data.type} ${data.details}`);
      if (data.type === Hls.ErrorTypes.NETWORK_ERROR) hls?.startLoad();
      else if (data.type === Hls.ErrorTypes.MEDIA_ERROR) hls?.recoverMediaError();
    });
    hls.loadSource(url);
    hls.attachMedia(video);
  } else if (video.canPlayType('application/vnd.apple.mpegurl')) {
    video.src = url;
  } else {
    onError('this browser cannot play HLS');
  }
  const range = () => (video.seekable.length ? { start: video.seekable.start(0), end: video.seekable.end(video.seekable.length - 1) } : null);
  return {
    seekBy(sec) {
      const r = range();
      if (r) video.currentTime = Math.min(Math.max(r.start, video.currentTime + sec), r.end);
    },
    goLive() {
      const live = hls?.liveSyncPosition;
      const r = range();
      if (live !== null && live !== undefined) video.currentTime = live;
      else if (r) video.currentTime = r.end;
      void video.play().catch(() => undefined);
    },
    window: range,
    wallClock() {
      const d = hls?.playingDate ?? (video as HTMLVideoElement & { getStartDate?: () => Date }).getStartDate?.();
      if (!d || Number.isNaN(d.getTime())) return null;
      return hls ? d : new Date(d.getTime() + video.currentTime * 1000);
    },
    destroy() {
      hls?.destroy();
      hls = null;
      video.removeAttribute('src');
      video.load();
    },
  };
}
