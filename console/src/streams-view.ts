import { api } from './api.ts';
import { badge, h, replace, seconds, toast } from './dom.ts';
import { recordedSec } from './stream-view.ts';
import type { StreamView } from './types.ts';

function startForm(onStarted: () => void, onError: (e: unknown) => void): HTMLFormElement {
  const id = h('input', { name: 'id', required: true, pattern: '[A-Za-z0-9_-]{1,128}', placeholder: 'match-42' });
  const url = h('input', { name: 'url', placeholder: 'rtmp://… or https://….m3u8 (empty: test pattern)', size: 44 });
  const retention = h('input', { name: 'retention', type: 'number', min: 10, value: 600, step: 10 });
  return h('form', {
    class: 'row', id: 'start-stream',
    onsubmit: (e) => {
      e.preventDefault();
      const source = url.value.trim() ? { type: 'url', url: url.value.trim() } : { type: 'testsrc', width: 640, height: 360, fps: 30 };
      void api('POST', '/v1/streams', { id: id.value.trim(), source, retentionSec: Number(retention.value) })
        .then(() => { toast(`Recording ${id.value}`); location.hash = `#/stream/${encodeURIComponent(id.value.trim())}`; onStarted(); }, onError);
    },
  },
  h('label', {}, 'Stream id', id), h('label', {}, 'Source URL', url), h('label', {}, 'Retention (s)', retention),
  h('button', { type: 'submit', class: 'primary' }, 'Start recording'));
}

/** Every stream with its health: state, how much is recorded, last segment age, gaps. */
export function streamsView(main: HTMLElement, onError: (e: unknown) => void): () => void {
  const body = h('tbody');
  let timer: number | undefined;
  let stopped = false;
  replace(main,
    h('h1', {}, 'Streams'),
    h('table', { id: 'streams' },
      h('thead', {}, h('tr', {}, ...['Stream', 'State', 'Recorded', 'Retention', 'Last segment', 'Gaps', 'Source'].map((t) => h('th', {}, t)))),
      body),
    h('h2', {}, 'Record a stream'),
    startForm(() => undefined, onError));
  const refresh = async () => {
    try {
      const { streams } = await api<{ streams: StreamView[] }>('GET', '/v1/streams');
      if (stopped) return;
      streams.sort((a, b) => a.id.localeCompare(b.id));
      replace(body, ...(streams.length ? streams.map((s) => h('tr', { 'data-stream': s.id },
        h('td', {}, h('a', { href: `#/stream/${encodeURIComponent(s.id)}` }, s.id), s.room ? h('div', { class: 'muted' }, `room ${s.room.roomId}`) : null),
        h('td', {}, badge(s.state)),
        h('td', {}, seconds(recordedSec(s))),
        h('td', {}, seconds(s.retentionSec)),
        h('td', {}, s.lastSegmentAgeSec === null || s.lastSegmentAgeSec === undefined ? '–' : `${seconds(s.lastSegmentAgeSec)} ago`),
        h('td', {}, `${s.gapsInWindow ?? 0}`, s.reconnects ? h('span', { class: 'muted' }, ` · ${s.reconnects} reconnects`) : null),
        h('td', { class: 'muted' }, s.source)))
        : [h('tr', {}, h('td', { colspan: 7, class: 'muted' }, 'No streams yet: start one below, or with npm run cli -- record start <id>.'))]));
    } catch (err) {
      onError(err);
      return;
    }
    if (!stopped) timer = window.setTimeout(() => void refresh(), 2000);
  };
  void refresh();
  return () => { stopped = true; window.clearTimeout(timer); };
}
