import { api, ApiError } from './api.ts';
import { openClipDialog, type ClipRequest } from './clip-dialog.ts';
import { createGallery } from './clip-gallery.ts';
import { badge, h, replace, seconds, time, toast } from './dom.ts';
import { attachLivePlayer, type LivePlayer } from './live-player.ts';
import type { JobView, StreamView } from './types.ts';

export function recordedSec(s: StreamView): number | null {
  return s.available ? (new Date(s.available.end).getTime() - new Date(s.available.start).getTime()) / 1000 : null;
}

function stats(s: StreamView): HTMLElement {
  const age = s.lastSegmentAgeSec;
  const healthy = s.state === 'recording' && age !== null && age !== undefined && age < s.segmentSec * 3 + 2;
  return h('dl', { class: 'stats', id: 'stream-stats' },
    h('dt', {}, 'State'), h('dd', {}, badge(s.state), ' ', s.state === 'recording' ? badge(healthy ? 'ok' : 'bad') : null),
    h('dt', {}, 'Recorded'), h('dd', { id: 'recorded' }, `${seconds(recordedSec(s))} in the window (${s.available?.segments ?? 0} segments)`),
    h('dt', {}, 'Retention'), h('dd', {}, seconds(s.retentionSec)),
    h('dt', {}, 'Last segment'), h('dd', {}, age === null || age === undefined ? '–' : `${seconds(age)} ago`),
    h('dt', {}, 'Gaps'), h('dd', {}, `${s.gapsInWindow ?? 0} in the window · ${s.reconnects} reconnects · ${s.restarts} restarts`),
    h('dt', {}, 'Hand-overs'), h('dd', {}, String(s.handovers)),
    h('dt', {}, 'Since'), h('dd', {}, time(s.startedAt)),
    s.warning ? h('dd', { class: 'error' }, s.warning) : null,
    s.error ? h('dd', { class: 'error' }, `${s.error.code}: ${s.error.message}`) : null);
}

export async function clip(r: ClipRequest): Promise<JobView> {
  const job = await api<JobView>('POST', '/v1/highlights', r);
  toast(`Clip ${job.id} queued`);
  return job;
}

/** One stream: the live player (seek back through the retention window), clip buttons, its clips. */
export function streamView(main: HTMLElement, id: string, onError: (e: unknown) => void): () => void {
  const video = h('video', { id: 'live', controls: true, muted: true, autoplay: true, playsinline: true });
  const clock = h('span', { class: 'muted', id: 'player-clock' });
  const side = h('div', { class: 'panel' }, h('p', { class: 'muted' }, 'Loading…'));
  const clipsBox = h('div');
  const gallery = createGallery(clipsBox);
  let player: LivePlayer | null = null;
  let stopped = false;
  let timer: number | undefined;

  const clipNow = h('button', {
    type: 'button', class: 'primary', id: 'clip-30',
    onclick: () => void clip({ streamId: id, before: 30, after: 0, mode: 'copy' }).then(refresh, onError),
  }, '✂ Clip last 30 s');
  replace(main,
    h('h1', {}, h('a', { href: '#/streams' }, 'Streams'), ' / ', id),
    h('div', { class: 'player' },
      h('div', {},
        video,
        h('div', { class: 'row controls' },
          h('button', { type: 'button', title: 'back 30 s', onclick: () => player?.seekBy(-30) }, '−30 s'),
          h('button', { type: 'button', title: 'back 10 s', onclick: () => player?.seekBy(-10) }, '−10 s'),
          h('button', { type: 'button', title: 'forward 10 s', onclick: () => player?.seekBy(10) }, '+10 s'),
          h('button', { type: 'button', onclick: () => player?.goLive() }, 'Live'),
          clock,
          h('span', { class: 'spacer' }),
          clipNow,
          h('button', { type: 'button', id: 'clip-custom', onclick: () => openClipDialog(id, player?.wallClock() ?? null, async (r) => { await clip(r); await refresh(); }) }, 'Clip…'))),
      side),
    h('h2', {}, 'Clips of this stream'),
    clipsBox);

  const tick = window.setInterval(() => {
    const w = player?.window();
    const at = player?.wallClock();
    clock.textContent = w ? `${at ? at.toLocaleTimeString() : ''} · ${seconds(Math.max(0, w.end - video.currentTime))} behind live` : '';
  }, 500);

  async function refresh(): Promise<void> {
    if (stopped) return;
    window.clearTimeout(timer);
    let pending = false;
    try {
      const [s, { highlights }] = await Promise.all([
        api<StreamView>('GET', `/v1/streams/${encodeURIComponent(id)}`),
        api<{ highlights: JobView[] }>('GET', `/v1/highlights?streamId=${encodeURIComponent(id)}&limit=24`),
      ]);
      if (stopped) return;
      replace(side, stats(s), s.state === 'recording' || s.state === 'starting' || s.state === 'reconnecting'
        ? h('p', {}, h('button', { type: 'button', class: 'danger', onclick: () => void api('DELETE', `/v1/streams/${encodeURIComponent(id)}`).then(refresh, onError) }, 'Stop recording'))
        : null);
      if (!player && s.playlistUrl && s.available) player = attachLivePlayer(video, s.playlistUrl, (m) => toast(m, true));
      gallery.update(highlights);
      pending = gallery.pending(highlights);
    } catch (err) {
      if (err instanceof ApiError && err.code === 'STREAM_NOT_FOUND') {
        replace(side, h('p', { class: 'error' }, err.message));
      } else {
        onError(err);
        return;
      }
    }
    if (!stopped) timer = window.setTimeout(() => void refresh(), pending ? 700 : 2000);
  }
  void refresh();
  return () => {
    stopped = true;
    window.clearTimeout(timer);
    window.clearInterval(tick);
    player?.destroy();
  };
}
