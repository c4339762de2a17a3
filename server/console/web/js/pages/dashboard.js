// The dashboard: hosts online/offline, per commune, open alerts by severity, disks near
// full. Host counts come from the paged list (10,000 hosts = 20 requests of 500).
import {get, getAll} from '../api.js';
import {h} from '../dom.js';
import {formatNumber, formatPercent} from '../format.js';
import {t} from '../i18n.js';
import {errorText} from '../nav.js';
import {tenantsById, tenantName} from '../tenants.js';
import {fullFilesystems} from '../inventory_view.js';

// Above this many hosts, disks near full come from alerts only (one request per host
// would be too many); the server-side alerts cover every host.
const INVENTORY_SCAN_LIMIT = 50;

export async function render(view) {
  const [tenants, hosts] = await Promise.all([tenantsById(), getAll('/api/v1/hosts', {sort: 'hostname'})]);
  const online = hosts.filter((x) => x.online).length;
  const week = Date.now() / 1000 - 7 * 86400;
  const stale = hosts.filter((x) => !x.online && (x.last_seen || 0) < week).length;
  const stat = (value, label, testid, href) => h('a', {class: 'card', href, 'data-testid': testid},
    h('span', {class: 'stat'}, formatNumber(value)), h('span', {class: 'stat-label'}, label));

  const perTenant = new Map();
  for (const x of hosts) {
    const row = perTenant.get(x.tenant_id) || {total: 0, online: 0};
    row.total++;
    if (x.online) row.online++;
    perTenant.set(x.tenant_id, row);
  }
  const tenantRows = [...tenants.values()].map((x) => ({tenant: x, ...(perTenant.get(x.id) || {total: 0, online: 0})}))
    .sort((a, b) => (b.total - b.online) - (a.total - a.online) || a.tenant.name.localeCompare(b.tenant.name, 'fr'));

  view.append(
    h('h1', {}, t('dash.title')),
    h('div', {class: 'cards'},
      stat(hosts.length, t('dash.hosts'), 'dash-total', '#/postes'),
      stat(online, t('dash.online'), 'dash-online', '#/postes?etat=en-ligne'),
      stat(hosts.length - online, t('dash.offline'), 'dash-offline', '#/postes?etat=hors-ligne'),
      stat(stale, t('dash.stale'), 'dash-stale', '#/postes?etat=hors-ligne&tri=last_seen')),
    h('section', {'aria-labelledby': 'd-alerts'}, h('h2', {id: 'd-alerts'}, t('dash.alerts')), alertsSummary()),
    h('section', {'aria-labelledby': 'd-disks'}, h('h2', {id: 'd-disks'}, t('dash.disks')), disksNearFull(hosts, tenants)),
    h('section', {'aria-labelledby': 'd-tenants'}, h('h2', {id: 'd-tenants'}, t('dash.perTenant')),
      h('table', {'data-testid': 'dash-tenants'},
        h('thead', {}, h('tr', {}, h('th', {scope: 'col'}, t('dash.tenant')), h('th', {scope: 'col', class: 'num'}, t('dash.hosts')),
          h('th', {scope: 'col', class: 'num'}, t('dash.online')), h('th', {scope: 'col', class: 'num'}, t('dash.offline')),
          h('th', {scope: 'col', class: 'num'}, t('dash.availability')))),
        h('tbody', {}, tenantRows.map((r) => h('tr', {},
          h('td', {}, h('a', {href: `#/postes?commune=${r.tenant.id}`}, r.tenant.name)),
          h('td', {class: 'num'}, formatNumber(r.total)), h('td', {class: 'num'}, formatNumber(r.online)),
          h('td', {class: 'num'}, formatNumber(r.total - r.online)),
          h('td', {class: 'num'}, r.total ? formatPercent((100 * r.online) / r.total) : '—')))))));
}

function alertsSummary() {
  const box = h('div', {'data-testid': 'dash-alerts'});
  get('/api/v1/alerts', {state: 'open'}).then((res) => {
    const open = (res.items || []).filter((a) => a.state !== 'resolved');
    const by = {};
    for (const a of open) by[a.severity || 'warning'] = (by[a.severity || 'warning'] || 0) + 1;
    box.append(open.length ? h('ul', {}, Object.entries(by).map(([sev, n]) =>
      h('li', {}, h('a', {href: '#/alertes'}, t('dash.alertCount', {n, severity: t(`alert.severity.${sev}`)})))))
      : h('p', {}, t('dash.noAlerts')));
  }).catch((e) => box.append(h('p', {class: 'notice'}, e.missing ? t('alerts.missing') : errorText(e))));
  return box;
}

function disksNearFull(hosts, tenants) {
  const box = h('div', {'data-testid': 'dash-disks'});
  if (hosts.length > INVENTORY_SCAN_LIMIT) {
    box.append(h('p', {class: 'notice'}, t('dash.disksFromAlerts')));
    return box;
  }
  (async () => {
    const rows = [];
    for (const x of hosts) {
      try {
        const d = await get(`/api/v1/hosts/${x.id}`);
        let inv = d.inventory;
        if (inv && inv.inventory) inv = inv.inventory;
        for (const fs of fullFilesystems(inv)) rows.push({host: x, fs});
      } catch (e) {
        if (e.status === 401) return;
      }
    }
    box.append(rows.length ? h('ul', {}, rows.map(({host, fs}) => h('li', {},
      h('a', {href: `#/postes/${host.id}`}, host.hostname || host.uid), ` (${tenantName(tenants, host.tenant_id)}) — `,
      t('dash.diskLine', {mount: fs.mount_point, pct: formatPercent((100 * fs.used_bytes) / fs.total_bytes)}))))
      : h('p', {}, t('dash.noFullDisks')));
  })();
  return box;
}
