// Alerts: the list with its filters (state on the server; severity and commune in the
// browser, the API having no such parameters), acknowledge, and a link to each alert.
import {get, post} from '../api.js';
import {h, field, toast} from '../dom.js';
import {formatDate} from '../format.js';
import {t} from '../i18n.js';
import {errorText, navigate} from '../nav.js';
import {can} from '../session.js';
import {tenantsById, tenantName} from '../tenants.js';
import {alertsTabs, ruleLabel, severityBadge} from './alerts_common.js';

// URL value → API state ('' = every state).
const STATES = [['ouvertes', 'open', 'alerts.filter.open'], ['en-cours', 'firing', 'alert.state.firing'],
  ['prises', 'acknowledged', 'alert.state.acknowledged'], ['resolues', 'resolved', 'alert.state.resolved'],
  ['toutes', '', 'alerts.filter.all']];
const SEVERITIES = ['critical', 'warning', 'info'];

export async function render(view, params, query) {
  view.append(h('h1', {}, t('alerts.title')), alertsTabs('/alertes'));
  const f = {etat: query.get('etat') || 'ouvertes', gravite: query.get('gravite') || '', commune: query.get('commune') || ''};
  const state = STATES.find(([slug]) => slug === f.etat) || STATES[0];
  let res, tenants;
  try {
    [res, tenants] = await Promise.all([get('/api/v1/alerts', {state: state[1]}), tenantsById()]);
  } catch (e) {
    view.append(h('p', {class: 'notice', 'data-testid': 'alerts-missing'}, e.missing ? t('alerts.missing') : errorText(e)));
    return;
  }
  view.append(filters(f, tenants));
  const items = (res.items || []).filter((a) => (!f.gravite || a.severity === f.gravite) &&
    (!f.commune || String(a.tenant_id) === f.commune));
  if (!items.length) { view.append(h('p', {'data-testid': 'alerts-none'}, t('alerts.none'))); return; }
  view.append(h('p', {'data-testid': 'alerts-count'}, t('alerts.count', {n: items.length})),
    h('table', {'data-testid': 'alerts-table'},
      h('caption', {class: 'visually-hidden'}, t('alerts.caption')),
      h('thead', {}, h('tr', {}, ['alerts.col.severity', 'alerts.col.host', 'alerts.col.tenant', 'alerts.col.title',
        'alerts.col.opened', 'alerts.col.state', can('alerts.write') ? 'alerts.col.action' : null].filter(Boolean)
        .map((k) => h('th', {scope: 'col'}, t(k))))),
      h('tbody', {}, items.map((a) => row(a, tenants)))));
}

function filters(f, tenants) {
  const option = (value, label, current) => h('option', {value, selected: value === current}, label);
  const etat = h('select', {name: 'etat', 'data-testid': 'filter-state'},
    STATES.map(([slug, , key]) => option(slug, t(key), f.etat)));
  const gravite = h('select', {name: 'gravite', 'data-testid': 'filter-severity'},
    option('', t('alerts.filter.allSeverities'), f.gravite), SEVERITIES.map((s) => option(s, t(`alert.severity.${s}`), f.gravite)));
  const commune = h('select', {name: 'commune', 'data-testid': 'filter-tenant'},
    option('', t('hosts.allTenants'), f.commune),
    [...tenants.values()].sort((a, b) => a.name.localeCompare(b.name, 'fr')).map((x) => option(String(x.id), x.name, f.commune)));
  const form = h('form', {class: 'inline card', role: 'search', 'aria-label': t('alerts.filter.label'), onsubmit: (e) => {
    e.preventDefault();
    const q = new URLSearchParams();
    if (etat.value !== 'ouvertes') q.set('etat', etat.value);
    if (gravite.value) q.set('gravite', gravite.value);
    if (commune.value) q.set('commune', commune.value);
    navigate('/alertes', q);
  }}, field(t('alerts.filter.state'), etat), field(t('alerts.filter.severity'), gravite),
  field(t('alerts.filter.tenant'), commune), h('button', {type: 'submit', 'data-testid': 'filter-apply'}, t('alerts.filter.apply')));
  for (const s of [etat, gravite, commune]) s.addEventListener('change', () => form.requestSubmit());
  return form;
}

function row(a, tenants) {
  const state = h('td', {'data-testid': 'alert-state'}, t(`alert.state.${a.state}`),
    a.acknowledged_by ? ` (${a.acknowledged_by})` : '', a.silenced ? ` — ${t('alerts.silenced')}` : '');
  const button = can('alerts.write') && a.state === 'firing' ? h('button', {type: 'button', class: 'secondary',
    'data-testid': 'alert-ack', 'aria-label': t('alerts.acknowledgeOne', {title: a.summary || ruleLabel(a.rule)}),
    onclick: async (e) => {
      e.target.disabled = true;
      try {
        const updated = await post(`/api/v1/alerts/${a.id}/acknowledge`);
        state.textContent = t('alert.state.acknowledged');
        if (updated && updated.acknowledged_by) state.append(` (${updated.acknowledged_by})`);
        e.target.remove();
      } catch (err) { e.target.disabled = false; toast(errorText(err), 'bad'); }
    }}, t('alerts.acknowledge')) : null;
  return h('tr', {'data-alert-id': a.id},
    h('td', {}, severityBadge(a.severity)),
    h('td', {}, a.host_id ? h('a', {href: `#/postes/${a.host_id}`}, a.host_name || `#${a.host_id}`) : '—'),
    h('td', {}, tenantName(tenants, a.tenant_id)),
    h('td', {}, h('a', {href: `#/alertes/${a.id}`, 'data-testid': 'alert-link'}, a.summary || ruleLabel(a.rule)),
      a.subject && !(a.summary || '').includes(a.subject) ? ` (${a.subject})` : ''),
    h('td', {}, formatDate(a.opened_at)), state, can('alerts.write') ? h('td', {}, button) : null);
}
