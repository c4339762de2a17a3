// #/sauvegardes: a commune's backups — each PC's last backup (late ones highlighted),
// the space its snapshots use, and the repository's totals.
import {get} from '../api.js';
import {h, clear, field, table} from '../dom.js';
import {formatBytes, formatDate, formatNumber, formatRelative} from '../format.js';
import {t} from '../i18n.js';
import {errorText, navigate} from '../nav.js';
import {tenantsById} from '../tenants.js';

export async function render(view, params, query) {
  const tenants = [...(await tenantsById()).values()].sort((a, b) => a.name.localeCompare(b.name, 'fr'));
  view.append(h('h1', {}, t('backups.title')));
  if (!tenants.length) {
    view.append(h('p', {class: 'notice'}, t('backups.noTenant')));
    return;
  }
  const wanted = Number(query && query.get('commune'));
  const tenant = tenants.find((x) => x.id === wanted) || tenants[0];
  const out = h('div', {class: 'backups', 'data-testid': 'tenant-backups'});
  if (tenants.length > 1) {
    const select = h('select', {onchange: (e) => navigate('/sauvegardes', new URLSearchParams({commune: e.target.value}))},
      tenants.map((x) => h('option', {value: x.id, selected: x.id === tenant.id}, x.name)));
    view.append(h('div', {class: 'toolbar'}, field(t('backups.tenant'), select)));
  }
  view.append(out);
  let res;
  try {
    res = await get(`/api/v1/tenants/${tenant.id}/backups`);
  } catch (e) {
    out.append(h('p', {class: 'notice'}, e.missing ? t('backups.missing') : errorText(e)));
    return;
  }
  const hosts = res.hosts || [];
  const repo = res.repository;
  const staleHours = Math.round((res.stale_after_seconds || 172800) / 3600);
  clear(out).append(
    h('dl', {class: 'kv', 'data-testid': 'backup-totals'},
      h('dt', {}, t('backups.totalStored')), h('dd', {}, repo ? formatBytes(repo.bytes) : t('backups.noRepository')),
      h('dt', {}, t('backups.totalSnapshots')), h('dd', {}, repo ? formatNumber(repo.snapshots) : '0'),
      h('dt', {}, t('backups.hostCount')), h('dd', {}, formatNumber(hosts.length)),
      h('dt', {}, t('backups.staleCount', {h: staleHours})),
      h('dd', {'data-testid': 'stale-count'}, h('span', {class: `badge ${res.stale_hosts ? 'bad' : 'ok'}`}, formatNumber(res.stale_hosts || 0)))),
    h('p', {class: 'notice'}, t('backups.sharedNote')),
    hosts.length ? table([
      {label: t('backups.host'), value: (x) => h('a', {href: `#/postes/${x.host_id}`}, x.hostname)},
      {label: t('backups.last'), value: (x) => x.last_snapshot_at ?
        h('span', {title: formatDate(x.last_snapshot_at)}, `${formatDate(x.last_snapshot_at)} (${formatRelative(x.last_snapshot_at)})`) : '—'},
      {label: t('backups.state'), value: (x) => h('span', {class: `badge ${x.stale ? 'bad' : 'ok'}`, 'data-stale': String(x.stale)},
        !x.last_snapshot_at ? t('backups.never') : x.stale ? t('backups.late') : t('backups.upToDate'))},
      {label: t('backups.count'), value: (x) => formatNumber(x.snapshots)},
      {label: t('backups.size'), value: (x) => formatBytes(x.size)},
      {label: t('backups.stored'), value: (x) => formatBytes(x.stored_size)},
      {label: t('backups.online'), value: (x) => (x.online ? t('common.yes') : t('common.no'))},
    ], hosts, {caption: t('backups.title')}) : h('p', {class: 'notice'}, t('backups.noHosts')));
  // Late PCs stand out in the table, not only by their badge.
  out.querySelectorAll('tbody tr').forEach((tr, i) => { if (hosts[i] && hosts[i].stale) tr.classList.add('stale'); });
}
