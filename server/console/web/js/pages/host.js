// One host: identity and status, actions, every inventory section in French, the
// change history, health charts and alerts (when the server provides them).
import {get, post} from '../api.js';
import {h, clear, toast, svg} from '../dom.js';
import {formatDate, formatRelative, formatDecimal} from '../format.js';
import {t} from '../i18n.js';
import {errorText} from '../nav.js';
import {can} from '../session.js';
import {tenantsById, tenantName} from '../tenants.js';
import {renderInventory, memorySummary, cpuSummary} from '../inventory_view.js';
import {statusBadge} from './host_status.js';
import {remoteActionsPanel} from './host_actions.js';
import {hostFilesPanel} from './host_files.js';
import {hostBackupsPanel} from './host_backups.js';
import {cloneBanner} from './host_clone.js';

export async function render(view, params) {
  const id = params.id;
  const [host, tenants] = await Promise.all([get(`/api/v1/hosts/${id}`), tenantsById()]);
  let inv = host.inventory;
  if (inv && inv.inventory && typeof inv.inventory === 'object') inv = inv.inventory;
  const title = host.hostname || host.uid;

  const identity = h('dl', {class: 'kv', 'data-testid': 'host-identity'},
    [[t('host.tenant'), tenantName(tenants, host.tenant_id)],
      [t('host.state'), statusBadge(host)],
      [t('host.serial'), h('span', {class: 'mono'}, host.serial || '—')],
      [t('host.hardware'), host.hardware || '—'],
      [t('host.os'), host.os || '—'],
      [t('host.cpu'), cpuSummary(inv && inv.cpu) || '—'],
      [t('host.memory'), h('span', {'data-testid': 'memory-summary'}, memorySummary(inv && inv.memory) || '—')],
      [t('host.lastSeen'), h('span', {'data-testid': 'last-seen', title: formatDate(host.last_seen)},
        `${formatDate(host.last_seen)} (${formatRelative(host.last_seen)})`)],
      [t('host.inventoryAt'), h('span', {'data-testid': 'inventory-at'}, formatDate(host.inventory_at))],
      [t('host.enrolledAt'), formatDate(host.enrolled_at)],
      [t('host.agentVersion'), host.agent_version || '—'],
      [t('host.certificate'), formatDate(host.certificate_not_after)],
      [t('host.uid'), h('span', {class: 'mono'}, host.uid)]]
      .map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));

  view.append(
    h('p', {}, h('a', {href: '#/postes'}, t('host.back'))),
    h('h1', {'data-testid': 'host-title'}, title),
    h('div', {'data-testid': 'clone-slot'}, cloneBanner(host)),
    h('div', {class: 'grid2'},
      h('section', {class: 'card', 'aria-labelledby': 'h-identity'},
        h('h2', {id: 'h-identity'}, t('host.identity')), identity),
      h('section', {class: 'card', 'aria-labelledby': 'h-actions'},
        h('h2', {id: 'h-actions'}, t('host.actions')), actions(host))),
    h('section', {class: 'card', 'aria-labelledby': 'h-remote'},
      h('h2', {id: 'h-remote'}, t('host.remoteActions')), remoteActionsPanel(host)),
    h('section', {class: 'card', 'aria-labelledby': 'h-files'},
      h('h2', {id: 'h-files'}, t('host.files')), hostFilesPanel(host)),
    h('section', {class: 'card backups', 'aria-labelledby': 'h-backups'},
      h('h2', {id: 'h-backups'}, t('host.backups')), hostBackupsPanel(host)),
    h('section', {'aria-labelledby': 'h-health'}, h('h2', {id: 'h-health'}, t('host.health')), health(id)),
    h('section', {'aria-labelledby': 'h-alerts'}, h('h2', {id: 'h-alerts'}, t('host.alerts')), hostAlerts(id)),
    h('section', {'aria-labelledby': 'h-inventory', 'data-testid': 'inventory'},
      h('h2', {id: 'h-inventory'}, t('host.inventory')), renderInventory(inv)),
    h('section', {'aria-labelledby': 'h-history'}, h('h2', {id: 'h-history'}, t('host.history')), history(id)));
}

function actions(host) {
  if (!can('hosts.command')) return h('p', {class: 'notice'}, t('host.noActions'));
  const out = h('p', {'aria-live': 'polite', 'data-testid': 'action-result'});
  const run = (command, label) => h('button', {type: 'button', class: 'secondary', 'data-command': command,
    onclick: async (e) => {
      e.target.disabled = true;
      out.textContent = t('host.running', {label});
      try {
        const reply = await post(`/api/v1/hosts/${host.id}/commands`, {command, payload: {}});
        out.textContent = t('host.commandDone', {label, status: reply && reply.status ? reply.status : 'ok'});
      } catch (err) {
        out.textContent = err.status === 503 ? t('host.offlineCommand') : errorText(err);
      } finally {
        e.target.disabled = false;
      }
    }}, label);
  const revoke = h('button', {type: 'button', class: 'danger', disabled: host.revoked, 'data-testid': 'revoke',
    onclick: async () => {
      if (!window.confirm(t('host.revokeConfirm', {name: host.hostname || host.uid}))) return;
      try {
        await post(`/api/v1/hosts/${host.id}/revoke`);
        toast(t('host.revoked'));
        out.textContent = t('host.revoked');
        revoke.disabled = true;
      } catch (err) {
        out.textContent = errorText(err);
      }
    }}, t('host.revoke'));
  return h('div', {}, h('div', {class: 'toolbar'}, run('ping', t('host.ping')),
    run('inventory_now', t('host.inventoryNow')), revoke), out);
}

function history(id) {
  const box = h('div', {'data-testid': 'history'});
  const listEl = h('ul', {});
  const more = h('button', {type: 'button', class: 'secondary'}, t('host.historyMore'));
  let before;
  const load = async () => {
    more.disabled = true;
    try {
      const res = await get(`/api/v1/hosts/${id}/history`, {limit: 50, before});
      const items = res.items || [];
      if (!items.length && !before) box.prepend(h('p', {class: 'notice'}, t('host.historyNone')));
      for (const c of items) {
        listEl.append(h('li', {}, h('time', {}, formatDate(c.at)), ' — ',
          c.summary || `${c.section} ${c.kind} ${c.item} ${c.field}`));
      }
      before = items.length ? items[items.length - 1].id : before;
      more.hidden = items.length < 50;
    } catch (e) {
      box.append(h('p', {class: 'error'}, errorText(e)));
      more.hidden = true;
    } finally {
      more.disabled = false;
    }
  };
  more.addEventListener('click', load);
  box.append(listEl, more);
  load();
  return box;
}

const RANGES = {'1h': 3600, '24h': 86400, '30j': 30 * 86400};
const METRICS = [['cpu.usage_pct', 'host.metric.cpu', '%'], ['mem.used_pct', 'host.metric.memory', '%'],
  ['disk.used_pct', 'host.metric.disk', '%'], ['temp.celsius', 'host.metric.temperature', '°C']];

function health(id) {
  const box = h('div', {'data-testid': 'health'});
  const charts = h('div', {class: 'grid2'});
  const buttons = Object.keys(RANGES).map((r) => h('button', {type: 'button', class: 'secondary',
    'aria-pressed': r === '24h' ? 'true' : 'false', onclick: (e) => {
      buttons.forEach((b) => b.setAttribute('aria-pressed', b === e.target ? 'true' : 'false'));
      draw(r);
    }}, t(`host.range.${r}`)));
  const draw = async (range) => {
    clear(charts);
    const to = Math.floor(Date.now() / 1000), from = to - RANGES[range];
    const step = Math.max(60, Math.floor(RANGES[range] / 240));
    for (const [name, label, unit] of METRICS) {
      const card = h('div', {class: 'card', 'data-metric': name}, h('h3', {}, t(label)));
      charts.append(card);
      try {
        const res = await get(`/api/v1/hosts/${id}/metrics`, {name, from, to, step});
        card.append(chart(res.series || [], unit, from, to, t(label)));
      } catch (e) {
        card.append(h('p', {class: 'notice'}, e.missing ? t('host.metricsMissing') : errorText(e)));
        if (e.missing) { clear(charts).append(h('p', {class: 'notice'}, t('host.metricsMissing'))); return; }
      }
    }
  };
  box.append(h('div', {class: 'toolbar', role: 'group', 'aria-label': t('host.range')}, buttons), charts);
  draw('24h');
  return box;
}

/** A line chart as SVG elements (no library, no markup strings): one line per subject
 * (a disk, a sensor), points [t, avg, min, max]. */
function chart(series, unit, from, to, label) {
  const lines = series.map((sr) => ({subject: sr.subject,
    values: (sr.points || []).filter((p) => Array.isArray(p) && typeof p[1] === 'number').map((p) => ({at: p[0], v: p[1]}))}))
    .filter((l) => l.values.length);
  if (!lines.length) return h('p', {class: 'notice'}, t('host.metricsEmpty'));
  const max = Math.max(unit === '%' ? 100 : 1, ...lines.flatMap((l) => l.values.map((p) => p.v)));
  const W = 400, H = 120;
  const polylines = lines.map((l) => svg('polyline', {points: l.values.map((p) =>
    `${(((p.at - from) / (to - from)) * W).toFixed(1)},${(H - (p.v / max) * H).toFixed(1)}`).join(' ')}));
  const captions = lines.map((l) => {
    const last = l.values[l.values.length - 1];
    return h('li', {}, l.subject ? `${l.subject} : ` : '',
      t('host.metricLast', {value: `${formatDecimal(last.v)} ${unit}`, when: formatDate(last.at)}));
  });
  const first = lines[0].values[lines[0].values.length - 1];
  return h('figure', {},
    svg('svg', {class: 'chart', viewBox: `0 0 ${W} ${H}`, preserveAspectRatio: 'none', role: 'img',
      'aria-label': `${label} : ${formatDecimal(first.v)} ${unit}`}, polylines),
    h('figcaption', {}, h('ul', {}, captions)));
}

function hostAlerts(id) {
  const box = h('div', {'data-testid': 'host-alerts'});
  get('/api/v1/alerts', {host_id: id}).then((res) => {
    const items = res.items || [];
    box.append(items.length ? h('ul', {}, items.map((a) => h('li', {},
      h('span', {class: `badge ${a.severity === 'critical' ? 'bad' : 'warn'}`}, t(`alert.severity.${a.severity}`)), ' ',
      h('a', {href: `#/alertes/${a.id}`}, a.summary || a.rule || `#${a.id}`), ' — ', formatDate(a.opened_at), ` (${t(`alert.state.${a.state}`)})`)))
      : h('p', {class: 'notice'}, t('host.alertsNone')));
  }).catch((e) => box.append(h('p', {class: 'notice'}, e.missing ? t('alerts.missing') : errorText(e))));
  return box;
}
