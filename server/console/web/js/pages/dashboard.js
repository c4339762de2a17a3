// The dashboard: hosts online/offline, per commune, open alerts by severity, disks near
// full, failing disks, stale backups — one request (GET /api/v1/fleet/summary) whatever
// the size of the fleet.
import {get} from '../api.js';
import {h} from '../dom.js';
import {formatDate, formatNumber, formatPercent} from '../format.js';
import {t} from '../i18n.js';

export async function render(view) {
  const s = await get('/api/v1/fleet/summary');
  const stat = (value, label, testid, href) => h('a', {class: 'card', href, 'data-testid': testid},
    h('span', {class: 'stat'}, formatNumber(value)), h('span', {class: 'stat-label'}, label));
  const tenantRows = [...s.tenants]
    .sort((a, b) => (b.hosts - b.online) - (a.hosts - a.online) || a.name.localeCompare(b.name, 'fr'));
  const names = new Map(s.tenants.map((x) => [x.tenant_id, x.name]));

  view.append(
    h('h1', {}, t('dash.title')),
    h('div', {class: 'cards'},
      stat(s.hosts, t('dash.hosts'), 'dash-total', '#/postes'),
      stat(s.online, t('dash.online'), 'dash-online', '#/postes?etat=en-ligne'),
      stat(s.offline, t('dash.offline'), 'dash-offline', '#/postes?etat=hors-ligne'),
      stat(s.stale, t('dash.stale'), 'dash-stale', '#/postes?etat=hors-ligne&tri=last_seen')),
    h('section', {'aria-labelledby': 'd-alerts'}, h('h2', {id: 'd-alerts'}, t('dash.alerts')), alertsSummary(s.open_alerts)),
    h('section', {'aria-labelledby': 'd-disks'}, h('h2', {id: 'd-disks'}, t('dash.disks')), disksNearFull(s.disks_near_full, names)),
    h('section', {'aria-labelledby': 'd-failing'}, h('h2', {id: 'd-failing'}, t('dash.failingDisks')),
      hostList(s.failing_disks || [], names, 'dash-failing-disks', 'dash.noFailingDisks',
        (a) => (a.subject ? t('dash.failingLine', {subject: a.subject, when: formatDate(a.since)}) : ''))),
    h('section', {'aria-labelledby': 'd-backups'}, h('h2', {id: 'd-backups'}, t('dash.staleBackups')),
      hostList(s.stale_backups || [], names, 'dash-stale-backups', 'dash.noStaleBackups',
        (a) => (a.since ? t('dash.staleSince', {when: formatDate(a.since)}) : ''))),
    h('section', {'aria-labelledby': 'd-tenants'}, h('h2', {id: 'd-tenants'}, t('dash.perTenant')),
      h('table', {'data-testid': 'dash-tenants'},
        h('thead', {}, h('tr', {}, h('th', {scope: 'col'}, t('dash.tenant')), h('th', {scope: 'col', class: 'num'}, t('dash.hosts')),
          h('th', {scope: 'col', class: 'num'}, t('dash.online')), h('th', {scope: 'col', class: 'num'}, t('dash.offline')),
          h('th', {scope: 'col', class: 'num'}, t('dash.availability')))),
        h('tbody', {}, tenantRows.map((r) => h('tr', {},
          h('td', {}, h('a', {href: `#/postes?commune=${r.tenant_id}`}, r.name)),
          h('td', {class: 'num'}, formatNumber(r.hosts)), h('td', {class: 'num'}, formatNumber(r.online)),
          h('td', {class: 'num'}, formatNumber(r.hosts - r.online)),
          h('td', {class: 'num'}, r.hosts ? formatPercent((100 * r.online) / r.hosts) : '—')))))));
}

const SEVERITY_ORDER = ['critical', 'warning', 'info'];

function alertsSummary(counts) {
  const entries = Object.entries(counts || {})
    .sort(([a], [b]) => SEVERITY_ORDER.indexOf(a) - SEVERITY_ORDER.indexOf(b));
  return h('div', {'data-testid': 'dash-alerts'}, entries.length
    ? h('ul', {}, entries.map(([sev, n]) =>
      h('li', {}, h('a', {href: '#/alertes'}, t('dash.alertCount', {n, severity: t(`alert.severity.${sev}`)})))))
    : h('p', {}, t('dash.noAlerts')));
}

function disksNearFull(disks, names) {
  return h('div', {'data-testid': 'dash-disks'}, disks.length
    ? h('ul', {}, disks.map((d) => h('li', {},
      h('a', {href: `#/postes/${d.host_id}`}, d.hostname || `#${d.host_id}`), ` (${names.get(d.tenant_id) || ''}) — `,
      t('dash.diskLine', {mount: d.mount, pct: formatPercent(d.used_pct)}))))
    : h('p', {}, t('dash.noFullDisks')));
}

// Hosts with an open alert of one kind (failing disk, stale backup), each linking to its page.
function hostList(rows, names, testid, emptyKey, detail) {
  return h('div', {'data-testid': testid}, rows.length
    ? h('ul', {}, rows.map((r) => h('li', {'data-host-id': r.host_id},
      h('a', {href: `#/postes/${r.host_id}`}, r.hostname || `#${r.host_id}`), ` (${names.get(r.tenant_id) || ''})`,
      detail(r) ? ` — ${detail(r)}` : '')))
    : h('p', {}, t(emptyKey)));
}
