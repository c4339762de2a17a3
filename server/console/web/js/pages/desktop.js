// The remote desktop page (#/postes/12/bureau): noVNC (Debian's novnc, served by the
// console) on a WebSocket the server tunnels to the VNC server on the PC's loopback.
import {h} from '../dom.js';
import {t} from '../i18n.js';
import {can} from '../session.js';
import {sessionSocket} from './terminal.js';

export async function render(view, {id}) {
  view.append(h('h1', {}, t('rsession.desktopTitle', {id})),
    h('p', {}, h('a', {href: `#/postes/${id}`}, t('rsession.backToHost'))));
  if (!can('hosts.remote_support')) {
    view.append(h('p', {class: 'notice'}, t('remote.noRight')));
    return;
  }
  const status = h('p', {'aria-live': 'polite', 'data-testid': 'desktop-status'}, t('rsession.connecting'));
  const screen = h('div', {class: 'desktop', 'data-testid': 'desktop'});
  view.append(status, screen);
  const {default: RFB} = await import('/vendor/novnc/core/rfb.js');
  setTimeout(() => {
    const rfb = new RFB(screen, sessionSocket(id, 'desktop'), {wsProtocols: ['binary']});
    rfb.scaleViewport = true;
    rfb.addEventListener('connect', () => {
      status.textContent = t('rsession.desktopConnected');
      view.dataset.state = 'ready';
    });
    rfb.addEventListener('disconnect', () => {
      status.textContent = t('rsession.closed');
      view.dataset.state = 'closed';
    });
    window.addEventListener('hashchange', () => rfb.disconnect(), {once: true});
  }, 0);
}
