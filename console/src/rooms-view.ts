import { api } from './api.ts';
import { badge, bytes, h, replace, seconds, time, toast } from './dom.ts';
import type { RecordingView, RoomSummary, RoomUser } from './types.ts';

const roomHref = (id: string) => `#/room/${encodeURIComponent(id)}`;

/** Every room with users or recordings; open any room by id. */
export function roomsView(main: HTMLElement, onError: (e: unknown) => void): () => void {
  const body = h('tbody');
  const id = h('input', { name: 'room', required: true, pattern: '[A-Za-z0-9_-]{1,128}', placeholder: 'room id' });
  replace(main,
    h('h1', {}, 'Rooms'),
    h('table', { id: 'rooms' }, h('thead', {}, h('tr', {}, ...['Room', 'Users', 'Recordings', 'Recording now'].map((t) => h('th', {}, t)))), body),
    h('form', { class: 'row', onsubmit: (e) => { e.preventDefault(); location.hash = roomHref(id.value.trim()); } },
      h('label', {}, 'Open a room', id), h('button', { type: 'submit' }, 'Open')));
  let stopped = false;
  let timer: number | undefined;
  const refresh = async () => {
    try {
      const { rooms } = await api<{ rooms: RoomSummary[] }>('GET', '/v1/rooms');
      if (stopped) return;
      replace(body, ...(rooms.length ? rooms.map((r) => h('tr', {},
        h('td', {}, h('a', { href: roomHref(r.roomId) }, r.roomId)), h('td', {}, r.users), h('td', {}, r.recordings), h('td', {}, r.recording ? badge('recording') : '–')))
        : [h('tr', {}, h('td', { colspan: 4, class: 'muted' }, 'No rooms yet. Users join with PUT /v1/rooms/{roomId}/users/{userId}, or open a room by id.'))]));
    } catch (err) {
      onError(err);
      return;
    }
    if (!stopped) timer = window.setTimeout(() => void refresh(), 3000);
  };
  void refresh();
  return () => { stopped = true; window.clearTimeout(timer); };
}

function recordingRow(r: RecordingView, roomId: string, after: () => void, onError: (e: unknown) => void): HTMLElement {
  const files = r.manifest?.files ?? [];
  return h('tr', { 'data-recording': r.id },
    h('td', {}, h('strong', {}, r.id), h('div', { class: 'muted' }, `${time(r.createdAt)} · recorder ${r.recorderUserId}`)),
    h('td', {}, badge(r.state)),
    h('td', {}, `${r.mode} · ${r.media}${r.separateAV ? ' · separate A/V' : ''}`, h('div', { class: 'muted' }, r.userIds ? `users ${r.userIds.join(', ')}` : 'all users')),
    h('td', {}, ...r.streams.map((s) => h('div', {}, h('a', { href: `#/stream/${encodeURIComponent(s.streamId)}` }, s.userId ?? 'mix'), ` ${s.track} `, s.state ? badge(s.state) : null)),
      ...files.map((f) => h('div', { class: 'muted' }, f.url ? h('a', { href: f.url, download: true }, f.key.split('/').pop() ?? f.key) : f.key, ` · ${seconds(f.durationSec)} · ${bytes(f.sizeBytes)}`))),
    h('td', {}, r.state === 'recording'
      ? h('button', { type: 'button', class: 'danger', onclick: () => void api('DELETE', `/v1/rooms/${encodeURIComponent(roomId)}/recordings/${encodeURIComponent(r.id)}`).then(() => { toast(`Stopping ${r.id}`); after(); }, onError) }, 'Stop')
      : null));
}

function startRecordingForm(roomId: string, after: () => void, onError: (e: unknown) => void): HTMLFormElement {
  const mode = h('select', { name: 'mode' }, h('option', { value: 'single' }, 'single (a file per user)'), h('option', { value: 'mixed' }, 'mixed (one composited file)'));
  const media = h('select', { name: 'media' }, h('option', { value: 'av' }, 'audio + video'), h('option', { value: 'audio' }, 'audio only'), h('option', { value: 'video' }, 'video only'));
  const separate = h('input', { type: 'checkbox', name: 'separateAV' });
  const users = h('input', { name: 'userIds', placeholder: 'all users (or: alice, bob)' });
  return h('form', {
    class: 'row', id: 'start-recording',
    onsubmit: (e) => {
      e.preventDefault();
      const userIds = users.value.split(',').map((u) => u.trim()).filter(Boolean);
      const body = { mode: mode.value, media: media.value, ...(separate.checked ? { separateAV: true } : {}), ...(userIds.length ? { userIds } : {}) };
      void api<RecordingView>('POST', `/v1/rooms/${encodeURIComponent(roomId)}/recordings`, body).then((r) => { toast(`Recording ${r.id} started`); after(); }, onError);
    },
  },
  h('label', {}, 'Mode', mode), h('label', {}, 'Media', media), h('label', { class: 'check' }, separate, 'separate audio/video files'),
  h('label', {}, 'Only these users', users), h('button', { type: 'submit', class: 'primary' }, 'Start recording'));
}

function joinForm(roomId: string, after: () => void, onError: (e: unknown) => void): HTMLFormElement {
  const user = h('input', { name: 'userId', required: true, pattern: '[A-Za-z0-9_-]{1,128}', placeholder: 'user id' });
  const url = h('input', { name: 'url', required: true, placeholder: 'rtmp://…/live/alice', size: 36 });
  return h('form', {
    class: 'row',
    onsubmit: (e) => {
      e.preventDefault();
      void api('PUT', `/v1/rooms/${encodeURIComponent(roomId)}/users/${encodeURIComponent(user.value.trim())}`, { url: url.value.trim() }).then(after, onError);
    },
  }, h('label', {}, 'User', user), h('label', {}, 'Stream URL', url), h('button', { type: 'submit' }, 'Announce user'));
}

/** One room: its users, its recordings (state, streams, files), start single/mixed/targeted, stop. */
export function roomView(main: HTMLElement, roomId: string, onError: (e: unknown) => void): () => void {
  const users = h('tbody');
  const recordings = h('tbody');
  let stopped = false;
  let timer: number | undefined;
  const refresh = async (): Promise<void> => {
    window.clearTimeout(timer);
    try {
      const room = await api<{ users: RoomUser[]; recordings: RecordingView[] }>('GET', `/v1/rooms/${encodeURIComponent(roomId)}`);
      const detailed = await Promise.all(room.recordings.map((r) => api<RecordingView>('GET', `/v1/rooms/${encodeURIComponent(roomId)}/recordings/${encodeURIComponent(r.id)}`)));
      if (stopped) return;
      detailed.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
      replace(users, ...(room.users.length ? room.users.map((u) => h('tr', {},
        h('td', {}, u.userId), h('td', { class: 'muted' }, u.url), h('td', {}, time(u.joinedAt)),
        h('td', {}, h('button', { type: 'button', onclick: () => void api('DELETE', `/v1/rooms/${encodeURIComponent(roomId)}/users/${encodeURIComponent(u.userId)}`).then(refresh, onError) }, 'Leave'))))
        : [h('tr', {}, h('td', { colspan: 4, class: 'muted' }, 'Nobody in the room.'))]));
      replace(recordings, ...(detailed.length ? detailed.map((r) => recordingRow(r, roomId, () => void refresh(), onError))
        : [h('tr', {}, h('td', { colspan: 5, class: 'muted' }, 'No recordings yet.'))]));
    } catch (err) {
      onError(err);
      return;
    }
    if (!stopped) timer = window.setTimeout(() => void refresh(), 2500);
  };
  replace(main,
    h('h1', {}, h('a', { href: '#/rooms' }, 'Rooms'), ' / ', roomId),
    h('h2', {}, 'Users'),
    h('table', { id: 'room-users' }, h('thead', {}, h('tr', {}, ...['User', 'Stream', 'Joined', ''].map((t) => h('th', {}, t)))), users),
    joinForm(roomId, () => void refresh(), onError),
    h('h2', {}, 'Recordings'),
    h('table', { id: 'room-recordings' }, h('thead', {}, h('tr', {}, ...['Recording', 'State', 'What', 'Streams and files', ''].map((t) => h('th', {}, t)))), recordings),
    h('h2', {}, 'Start a recording'),
    startRecordingForm(roomId, () => void refresh(), onError));
  void refresh();
  return () => { stopped = true; window.clearTimeout(timer); };
}
