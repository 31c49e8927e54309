import { badge, bytes, h, replace, seconds, time, toast } from './dom.ts';
import type { JobView } from './types.ts';

interface Card {
  el: HTMLElement;
  key: string;
}

const final = (s: JobView['status']) => s === 'succeeded' || s === 'failed' || s === 'cancelled';

async function copyLink(url: string): Promise<void> {
  const absolute = new URL(url, location.href).href;
  try {
    await navigator.clipboard.writeText(absolute);
    toast('Link copied');
  } catch {
    window.prompt('Copy the link:', absolute);
  }
}

function renderCard(j: JobView, el: HTMLElement): void {
  el.dataset.status = j.status;
  const r = j.result;
  const thumb = h('div', { class: 'thumb' },
    r ? h('img', { src: r.posterUrl, alt: `poster of ${j.id}`, loading: 'lazy' }) : h('span', {}, j.status === 'failed' ? 'failed' : 'making the clip…'));
  const pct = j.progress.total > 0 ? Math.round((j.progress.done / j.progress.total) * 100) : 0;
  const actions = h('div', { class: 'actions' });
  if (r && j.status === 'succeeded') {
    actions.append(
      h('button', {
        type: 'button', class: 'play',
        onclick: () => replace(thumb, h('video', { src: r.url, controls: true, autoplay: true, playsinline: true, class: 'clip-video' })),
      }, '▶ Play'),
      h('button', { type: 'button', class: 'copy', onclick: () => void copyLink(r.url) }, 'Copy link'),
      h('a', { class: 'button download', href: r.url, download: `${j.id}.mp4` }, 'Download'),
    );
  }
  replace(el,
    thumb,
    h('div', { class: 'body' },
      h('div', {}, badge(j.status), ' ', h('strong', {}, j.id)),
      h('div', { class: 'muted' }, `${j.streamId} · ${j.mode}${j.transcode ? ` ${j.transcode.profile}` : ''} · ${time(j.requested.at)} · ${j.requested.before}+${j.requested.after} s`),
      final(j.status) ? null : h('div', {}, h('progress', { max: 100, value: pct }), h('span', { class: 'muted progress-text' }, `${j.progress.phase} ${j.progress.done}/${j.progress.total}${j.progress.etaSec !== undefined ? ` · ~${seconds(j.progress.etaSec)} left` : ''}`)),
      r ? h('div', { class: 'muted' }, `${seconds(r.durationSec)} · ${r.width ?? '?'}x${r.height ?? '?'} · ${bytes(r.sizeBytes)} · ${r.method}`) : null,
      j.error ? h('div', { class: 'error' }, `${j.error.code}: ${j.error.message}`) : null,
      actions));
}

/** Clip cards, updated in place (a playing clip keeps playing while the others refresh). */
export function createGallery(container: HTMLElement) {
  const cards = new Map<string, Card>();
  const grid = h('div', { class: 'gallery', id: 'gallery' });
  const empty = h('p', { class: 'muted' }, 'No clips yet. Open a stream and press “Clip last 30 s”.');
  replace(container, grid);
  return {
    update(jobs: JobView[]): void {
      empty.remove();
      if (jobs.length === 0) container.prepend(empty);
      const seen = new Set<string>();
      let prev: Element | null = null;
      for (const j of jobs) {
        seen.add(j.id);
        const key = JSON.stringify([j.status, j.progress, Boolean(j.result), j.error?.code]);
        let card = cards.get(j.id);
        if (!card) {
          card = { el: h('article', { class: 'card', 'data-id': j.id }), key: '' };
          cards.set(j.id, card);
        }
        if (card.key !== key) {
          renderCard(j, card.el);
          card.key = key;
        }
        if (prev ? prev.nextElementSibling !== card.el : grid.firstElementChild !== card.el) {
          if (prev) prev.after(card.el);
          else grid.prepend(card.el);
        }
        prev = card.el;
      }
      for (const [id, c] of cards) if (!seen.has(id)) { c.el.remove(); cards.delete(id); }
    },
    pending: (jobs: JobView[]) => jobs.some((j) => !final(j.status)),
  };
}
