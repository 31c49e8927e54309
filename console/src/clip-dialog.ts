import { h } from './dom.ts';

export interface ClipRequest {
  streamId: string;
  before: number;
  after: number;
  mode: 'copy' | 'precise' | 'transcode';
  profile?: string;
  fit?: 'crop' | 'blur';
  at?: string;
}

/**
 * The clip dialog: window before/after the moment, mode, and for transcode the rendition
 * (vertical with crop or blurred fill). `onScreen` is the moment being watched, if any.
 */
export function openClipDialog(streamId: string, onScreen: Date | null, submit: (r: ClipRequest) => Promise<void>): void {
  const before = h('input', { type: 'number', name: 'before', min: 0, max: 3600, step: 1, value: 20, required: true });
  const after = h('input', { type: 'number', name: 'after', min: 0, max: 600, step: 1, value: 5, required: true });
  const mode = h('select', { name: 'mode' }, h('option', { value: 'copy' }, 'copy (fastest, keyframe start)'), h('option', { value: 'precise' }, 'precise (frame-exact)'), h('option', { value: 'transcode' }, 'transcode (new rendition)'));
  const profile = h('select', { name: 'profile', disabled: true }, ...['720p', '1080p', 'vertical', 'source'].map((p) => h('option', { value: p }, p === 'vertical' ? 'vertical 9:16' : p)));
  const fit = h('select', { name: 'fit', disabled: true }, h('option', { value: 'blur' }, 'blurred fill'), h('option', { value: 'crop' }, 'centre crop'));
  const atScreen = h('input', { type: 'checkbox', name: 'atScreen', disabled: !onScreen });
  const error = h('p', { class: 'error', role: 'alert' });
  const sync = () => {
    profile.disabled = mode.value !== 'transcode';
    fit.disabled = profile.disabled || profile.value !== 'vertical';
  };
  mode.addEventListener('change', sync);
  profile.addEventListener('change', sync);
  const dialog = h('dialog', { id: 'clip-dialog' });
  const form = h('form', {
    method: 'dialog',
    onsubmit: (e) => {
      e.preventDefault();
      const r: ClipRequest = { streamId, before: Number(before.value), after: Number(after.value), mode: mode.value as ClipRequest['mode'] };
      if (r.mode === 'transcode') r.profile = profile.value;
      if (r.profile === 'vertical') r.fit = fit.value as 'crop' | 'blur';
      if (atScreen.checked && onScreen) r.at = onScreen.toISOString();
      void submit(r).then(() => dialog.close(), (err: Error) => { error.textContent = err.message; });
    },
  },
  h('h2', {}, `Clip ${streamId}`),
  h('div', { class: 'row' }, h('label', {}, 'Seconds before', before), h('label', {}, 'Seconds after', after)),
  h('div', { class: 'row' }, h('label', {}, 'Mode', mode)),
  h('div', { class: 'row' }, h('label', {}, 'Profile', profile), h('label', {}, 'Vertical fit', fit)),
  h('label', { class: 'check' }, atScreen, onScreen ? `at the moment on screen (${onScreen.toLocaleTimeString()}) instead of now` : 'at the moment on screen (not known yet)'),
  error,
  h('div', { class: 'row' }, h('button', { type: 'submit', class: 'primary' }, 'Make clip'), h('button', { type: 'button', onclick: () => dialog.close() }, 'Cancel')));
  dialog.append(form);
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
}
