import { call } from './api.ts';
import { h, replace } from './dom.ts';

/**
 * The login form: the access token `npm start` prints (or HL_CONSOLE_PASSWORD). `reason` says why
 * it shows (an expired session gets a sentence, not a broken page).
 */
export function showLogin(main: HTMLElement, reason: string | undefined, onDone: () => void): void {
  const input = h('input', { name: 'secret', type: 'password', autocomplete: 'current-password', required: true, placeholder: 'token or password' });
  const error = h('p', { class: 'error', role: 'alert' });
  const form = h('form', {
    class: 'panel login', id: 'login',
    onsubmit: (e) => {
      e.preventDefault();
      error.textContent = '';
      void login(input.value.trim()).then(onDone, (err: Error) => { error.textContent = err.message; });
    },
  },
  h('h1', {}, 'Log in to the console'),
  reason ? h('p', { class: 'muted', id: 'login-reason' }, reason) : null,
  h('label', {}, 'Access token (printed by npm start) or password', input),
  h('p', {}, h('button', { class: 'primary', type: 'submit' }, 'Log in')),
  error);
  replace(main, form);
  input.focus();
}

export function login(secret: string): Promise<unknown> {
  return call('POST', 'session', /^[0-9a-f]{32}$/.test(secret) ? { token: secret } : { password: secret });
}
