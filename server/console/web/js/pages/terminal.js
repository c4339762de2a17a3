// The terminal page (#/postes/12/terminal): xterm.js (Debian's node-xterm, bundled at
// build time) on a WebSocket that the server relays to a PTY on the PC. The session is
// recorded on the server (asciicast) and listed under #/sessions.
import {h, clear, debounce} from '../dom.js';
import {t} from '../i18n.js';
import {can} from '../session.js';

/** The console WebSocket for a session: the session cookie goes with it, the CSRF token
 * in the query (a page of another site can send the cookie but not read the token). */
export function sessionSocket(hostId, kind, params = {}) {
  const url = new URL(`/api/v1/hosts/${hostId}/sessions/${kind}`, window.location.origin);
  url.protocol = 'wss:';
  const csrf = sessionStorage.getItem('parc.csrf');
  if (csrf) url.searchParams.set('csrf', csrf);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return url.toString();
}

/** Loads a classic script or a stylesheet of the console once. */
export function loadAsset(tag, href) {
  const attr = tag === 'script' ? 'src' : 'href';
  if (document.querySelector(`${tag}[${attr}="${href}"]`)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const el = tag === 'script' ? h('script', {src: href}) : h('link', {rel: 'stylesheet', href});
    el.addEventListener('load', resolve);
    el.addEventListener('error', () => reject(new Error(`${href} not loaded`)));
    document.head.append(el);
  });
}

export function endText(end) {
  if (!end) return t('rsession.closed');
  if (end.status === 'refused') return t('rsession.refused', {reason: end.reason || ''});
  if (end.status === 'error') return t('rsession.failed', {reason: end.reason || ''});
  if (end.status === 'ended') return t('rsession.endedByAdmin');
  return t('rsession.closed');
}

export async function render(view, {id}) {
  view.append(h('h1', {}, t('rsession.terminalTitle', {id})),
    h('p', {}, h('a', {href: `#/postes/${id}`}, t('rsession.backToHost'))));
  if (!can('hosts.remote_support')) {
    view.append(h('p', {class: 'notice'}, t('remote.noRight')));
    return;
  }
  const status = h('p', {'aria-live': 'polite', 'data-testid': 'terminal-status'}, t('rsession.connecting'));
  const screen = h('div', {class: 'terminal', 'data-testid': 'terminal'});
  view.append(status, screen);
  await loadAsset('link', '/vendor/xterm/xterm.css');
  await loadAsset('script', '/vendor/xterm/xterm.js');
  const term = new window.ParcXterm({cols: 100, rows: 30, cursorBlink: true});
  const decoder = new TextDecoder();
  // What was shown, as text: for people using a screen reader and for the browser tests.
  screen.parcTranscript = '';
  const ws = new WebSocket(sessionSocket(id, 'terminal', {cols: 100, rows: 30}));
  ws.binaryType = 'arraybuffer';
  let end = null;
  ws.addEventListener('message', (ev) => {
    if (typeof ev.data === 'string') {
      const m = JSON.parse(ev.data);
      if (m.type === 'ready') {
        status.textContent = t('rsession.connected', {user: (m.info && m.info.user) || '?'});
        view.dataset.state = 'ready';
        sendSize();  // the size fitted to the page, if it changed before the session opened
        term.focus();
      } else if (m.type === 'end') {
        end = m;
      }
      return;
    }
    const text = decoder.decode(new Uint8Array(ev.data), {stream: true});
    term.write(text);
    screen.parcTranscript = (screen.parcTranscript + text).slice(-65536);
  });
  ws.addEventListener('close', () => {
    status.textContent = endText(end);
    view.dataset.state = 'closed';
  });
  const encoder = new TextEncoder();
  term.on('data', (data) => {
    if (ws.readyState === WebSocket.OPEN) ws.send(encoder.encode(data));
  });
  // The PTY follows the terminal's size: xterm.js fits the box (fit addon), each new size
  // goes to the PC as a resize message (TIOCSWINSZ there). data-size says it for the tests.
  function sendSize() {
    screen.dataset.size = `${term.cols}x${term.rows}`;
    if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({type: 'resize', cols: term.cols, rows: term.rows}));
  }
  term.on('resize', sendSize);
  const fit = () => {
    if (!term.element || screen.clientWidth === 0) return;  // not shown (yet)
    const g = term.proposeGeometry();  // null or Infinity until xterm has measured a cell
    if (g && Number.isFinite(g.cols) && Number.isFinite(g.rows) && g.cols > 1 && g.rows > 1) term.fit();
  };
  const observer = new ResizeObserver(debounce(fit, 100));
  // Leaving the page ends the session.
  window.addEventListener('hashchange', () => {
    observer.disconnect();
    ws.close();
  }, {once: true});
  // xterm measures itself once in the document: open it after the page is shown.
  setTimeout(() => {
    term.open(screen);
    fit();
    observer.observe(screen);
  }, 0);
  clear(screen);
}
