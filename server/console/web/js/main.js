// Entry point: the hash router (#/postes/12), the header, and sign-in state.
import {get, post, clearSession} from './api.js';
import {h, clear, toast} from './dom.js';
import {t} from './i18n.js';
import {user, setUser, can, roleLabel} from './session.js';
import {currentLocation, navigate, errorText} from './nav.js';
import {forgetTenants} from './tenants.js';
import * as loginPage from './pages/login.js';
import * as dashboardPage from './pages/dashboard.js';
import * as hostsPage from './pages/hosts.js';
import * as hostPage from './pages/host.js';
import * as alertsPage from './pages/alerts.js';
import * as alertPage from './pages/alert_detail.js';
import * as alertRulesPage from './pages/alert_rules.js';
import * as alertChannelsPage from './pages/alert_channels.js';
import * as hostGroupsPage from './pages/host_groups.js';
import * as adminPage from './pages/admin.js';
import * as accountPage from './pages/account.js';
import * as scriptsPage from './pages/scripts.js';
import * as terminalPage from './pages/terminal.js';
import * as desktopPage from './pages/desktop.js';
import * as sessionsPage from './pages/sessions.js';
import * as backupsPage from './pages/backups.js';
import * as modulePage from './pages/modules/page.js';
import * as modulesAdminPage from './pages/modules/admin.js';
import {loadModules, moduleLinks, forgetModules} from './pages/modules/nav.js';

const routes = [
  {re: /^\/connexion$/, page: loginPage, public: true},
  {re: /^\/$/, page: dashboardPage, nav: 'dashboard'},
  {re: /^\/postes$/, page: hostsPage, nav: 'hosts'},
  {re: /^\/postes\/(\d+)$/, page: hostPage, nav: 'hosts', params: ['id']},
  {re: /^\/alertes$/, page: alertsPage, nav: 'alerts'},
  {re: /^\/alertes\/(\d+)$/, page: alertPage, nav: 'alerts', params: ['id']},
  {re: /^\/alertes\/regles$/, page: alertRulesPage, nav: 'alerts'},
  {re: /^\/alertes\/canaux$/, page: alertChannelsPage, nav: 'alerts'},
  {re: /^\/alertes\/groupes$/, page: hostGroupsPage, nav: 'alerts'},
  {re: /^\/admin(?:\/([a-z-]+))?$/, page: adminPage, nav: 'admin', params: ['tab']},
  {re: /^\/compte$/, page: accountPage, nav: 'account'},
  {re: /^\/scripts$/, page: scriptsPage, nav: 'scripts'},
  {re: /^\/postes\/(\d+)\/terminal$/, page: terminalPage, nav: 'hosts', params: ['id']},
  {re: /^\/postes\/(\d+)\/bureau$/, page: desktopPage, nav: 'hosts', params: ['id']},
  {re: /^\/sessions$/, page: sessionsPage, nav: 'sessions'},
  {re: /^\/sauvegardes$/, page: backupsPage, nav: 'backups'},
  {re: /^\/modules\/administration$/, page: modulesAdminPage, nav: 'module-admin'},
  // Every administrative module (server/modules/modules.cmake): pages/modules/page.js.
  {re: /^\/modules\/([a-z]+)\/(\d+)(?:\/([a-z]+))?$/, page: modulePage, nav: (p) => `module-${p.module}`, params: ['module', 'tenant', 'tab']},
];

let renderToken = 0;

async function render() {
  const token = ++renderToken;
  const main = document.getElementById('main');
  const {path, query} = currentLocation();
  const route = routes.find((r) => r.re.test(path));
  if (!route) {
    clear(main).append(h('h1', {}, t('error.notFoundTitle')), h('p', {}, t('error.notFoundPage')));
    return;
  }
  if (!route.public && !user()) {
    const back = path === '/' ? '' : `${path}${[...query].length ? `?${query}` : ''}`;
    navigate('/connexion', back ? new URLSearchParams({retour: back}) : undefined);
    return;
  }
  if (!route.public) await loadModules(user().username);  // module entries of the header
  const params = {};
  const m = path.match(route.re);
  (route.params || []).forEach((name, i) => { params[name] = m[i + 1]; });
  renderHeader(typeof route.nav === 'function' ? route.nav(params) : route.nav);
  const view = h('div', {});
  try {
    await route.page.render(view, params, query);
  } catch (e) {
    if (e && e.status === 401) return;
    view.append(h('p', {class: 'error', role: 'alert'}, errorText(e)));
  }
  if (token !== renderToken) return;  // the user moved on meanwhile
  clear(main).append(view);
  document.body.dataset.route = window.location.hash;  // what is shown (tests wait on it)
  const title = view.querySelector('h1');
  document.title = title ? `${title.textContent} — Parc` : 'Parc';
}

function renderHeader(active) {
  const top = document.getElementById('top');
  const u = user();
  if (!u) { top.hidden = true; clear(top); return; }
  top.hidden = false;
  const link = (key, href, nav) =>
    h('li', {}, h('a', {href, 'aria-current': active === nav ? 'page' : undefined}, t(key)));
  clear(top).append(
    h('span', {class: 'brand'}, 'Parc'),
    h('nav', {'aria-label': t('nav.label')}, h('ul', {},
      link('nav.dashboard', '#/', 'dashboard'),
      link('nav.hosts', '#/postes', 'hosts'),
      link('nav.alerts', '#/alertes', 'alerts'),
      link('nav.backups', '#/sauvegardes', 'backups'),
      can('hosts.command') ? link('nav.scripts', '#/scripts', 'scripts') : null,
      link(can('hosts.remote_support') ? 'nav.sessions' : 'nav.townHallSessions', '#/sessions', 'sessions'),
      can('tenants.write') || can('tokens.read') || can('audit.read') ?
        link('nav.admin', '#/admin', 'admin') : null,
      moduleLinks(link, can('tenants.write')))),
    h('div', {class: 'who'},
      h('a', {href: '#/compte', 'aria-current': active === 'account' ? 'page' : undefined},
        h('span', {class: 'username', 'data-testid': 'username'}, u.username)),
      h('span', {class: 'role', 'data-testid': 'role'}, roleLabel(u.role)),
      h('button', {type: 'button', class: 'secondary', 'data-testid': 'logout', onclick: logout},
        t('nav.logout'))));
}

export async function logout() {
  try {
    await post('/api/v1/logout');
  } catch (e) {
    if (e.status !== 401) toast(errorText(e), 'bad');
  }
  signedOut();
}

export function signedOut(message) {
  clearSession();
  setUser(null);
  forgetTenants();  // the next user may see fewer communes
  forgetModules();
  navigate('/connexion', message ? new URLSearchParams({motif: message}) : undefined);
  render();
}

export async function start() {
  window.addEventListener('hashchange', render);
  window.addEventListener('parc:unauthorized', () => {
    if (!user()) return;
    setUser(null);
    forgetTenants();
    const {path, query} = currentLocation();
    if (path === '/connexion') return;
    const q = new URLSearchParams({motif: 'expiree'});
    if (path !== '/') q.set('retour', `${path}${[...query].length ? `?${query}` : ''}`);
    navigate('/connexion', q);
  });
  try {
    // A cookie session survives a reload: ask the server who we are.
    setUser(await get('/api/v1/me', {}));
  } catch {
    setUser(null);
  }
  await render();
}

export {render};

start();
