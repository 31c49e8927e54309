import { ApiError, call, SessionError } from './api.ts';
import { clipsView } from './clips-view.ts';
import { toast } from './dom.ts';
import { login, showLogin } from './login-view.ts';
import { roomsView, roomView } from './rooms-view.ts';
import { streamView } from './stream-view.ts';
import { streamsView } from './streams-view.ts';

const main = document.getElementById('main') as HTMLElement;
const nav = document.getElementById('nav') as HTMLElement;
let cleanup: (() => void) | undefined;
let loggedIn = false;

/** Any failure: an expired session brings the login form back; the rest is a message. */
function onError(err: unknown): void {
  if (err instanceof SessionError) {
    loggedIn = false;
    cleanup?.();
    cleanup = undefined;
    nav.hidden = true;
    showLogin(main, err.code === 'SESSION_EXPIRED' ? 'Your session has expired. Log in again to go on.' : undefined, () => { loggedIn = true; route(); });
    return;
  }
  toast(err instanceof ApiError ? `${err.code}: ${err.message}` : err instanceof Error ? err.message : String(err), true);
}

function route(): void {
  if (!loggedIn) return;
  cleanup?.();
  nav.hidden = false;
  const [, page = 'streams', arg] = location.hash.match(/^#\/([a-z]+)(?:\/(.+))?$/) ?? [];
  const id = arg ? decodeURIComponent(arg) : '';
  for (const a of nav.querySelectorAll('a')) a.classList.toggle('active', a.getAttribute('href') === `#/${page.replace(/^(stream|room)$/, '$1s')}`);
  if (page === 'stream' && id) cleanup = streamView(main, id, onError);
  else if (page === 'clips') cleanup = clipsView(main, onError);
  else if (page === 'rooms') cleanup = roomsView(main, onError);
  else if (page === 'room' && id) cleanup = roomView(main, id, onError);
  else cleanup = streamsView(main, onError);
}

async function start(): Promise<void> {
  // A login link (#token=…) from npm start: log in, then drop the token from the address bar.
  const token = /(?:^#|&)token=([0-9a-f]{32})/.exec(location.hash)?.[1];
  if (token) {
    history.replaceState(null, '', `${location.pathname}#/streams`);
    try {
      await login(token);
    } catch (err) {
      toast(err instanceof Error ? err.message : String(err), true);
    }
  }
  try {
    await call('GET', 'session');
    loggedIn = true;
    route();
  } catch (err) {
    onError(err);
  }
}

window.addEventListener('hashchange', route);
document.getElementById('logout')?.addEventListener('click', () => {
  void call('DELETE', 'session').finally(() => onError(new SessionError('SESSION_REQUIRED', 'logged out')));
});
void start();
