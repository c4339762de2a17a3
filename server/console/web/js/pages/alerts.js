// Alerts: open and past, acknowledge (the alerts API arrives with its own issue).
import {get, post} from '../api.js';
import {h, toast} from '../dom.js';
import {formatDate} from '../format.js';
import {t} from '../i18n.js';
import {errorText} from '../nav.js';
import {can} from '../session.js';

export async function render(view) {
  view.append(h('h1', {}, t('alerts.title')));
  let res;
  try {
    res = await get('/api/v1/alerts');
  } catch (e) {
    view.append(h('p', {class: 'notice', 'data-testid': 'alerts-missing'}, e.missing ? t('alerts.missing') : errorText(e)));
    return;
  }
  const items = res.items || [];
  if (!items.length) { view.append(h('p', {}, t('alerts.none'))); return; }
  view.append(h('table', {'data-testid': 'alerts-table'},
    h('thead', {}, h('tr', {}, ['alerts.col.severity', 'alerts.col.host', 'alerts.col.title', 'alerts.col.opened',
      'alerts.col.state', 'alerts.col.action'].map((k) => h('th', {scope: 'col'}, t(k))))),
    h('tbody', {}, items.map((a) => {
      const state = h('td', {'data-testid': 'alert-state'}, t(`alert.state.${a.state}`),
        a.acknowledged_by ? ` (${a.acknowledged_by})` : '', a.silenced ? ` — ${t('alerts.silenced')}` : '');
      const button = can('alerts.write') && a.state === 'firing' ? h('button', {type: 'button', class: 'secondary',
        'data-testid': 'alert-ack', onclick: async (e) => {
          e.target.disabled = true;
          try {
            const updated = await post(`/api/v1/alerts/${a.id}/acknowledge`);
            state.textContent = t('alert.state.acknowledged');
            if (updated && updated.acknowledged_by) state.append(` (${updated.acknowledged_by})`);
            e.target.remove();
          } catch (err) { e.target.disabled = false; toast(errorText(err), 'bad'); }
        }}, t('alerts.acknowledge')) : null;
      return h('tr', {'data-alert-id': a.id},
        h('td', {}, h('span', {class: `badge ${a.severity === 'critical' ? 'bad' : 'warn'}`}, t(`alert.severity.${a.severity || 'warning'}`))),
        h('td', {}, a.host_id ? h('a', {href: `#/postes/${a.host_id}`}, a.host_name || `#${a.host_id}`) : '—'),
        h('td', {}, a.summary || a.rule || '', a.subject ? ` (${a.subject})` : ''), h('td', {}, formatDate(a.opened_at)), state,
        h('td', {}, button));
    }))));
}
