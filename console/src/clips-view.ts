import { api } from './api.ts';
import { createGallery } from './clip-gallery.ts';
import { h, replace } from './dom.ts';
import type { JobView } from './types.ts';

/** Every clip, newest first, with live progress until done. */
export function clipsView(main: HTMLElement, onError: (e: unknown) => void): () => void {
  const box = h('div');
  replace(main, h('h1', {}, 'Clips'), box);
  const gallery = createGallery(box);
  let timer: number | undefined;
  let stopped = false;
  const refresh = async () => {
    let pending = false;
    try {
      const { highlights } = await api<{ highlights: JobView[] }>('GET', '/v1/highlights?limit=60');
      if (stopped) return;
      gallery.update(highlights);
      pending = gallery.pending(highlights);
    } catch (err) {
      onError(err);
      return;
    }
    if (!stopped) timer = window.setTimeout(() => void refresh(), pending ? 700 : 3000);
  };
  void refresh();
  return () => { stopped = true; window.clearTimeout(timer); };
}
