// One alert (#/alertes/12): what, where, since when, its timeline (opened, acknowledged,
// silences, comments, resolved), and the actions: acknowledge, silence for a chosen time
// with a comment, lift the silence, comment.
import {get, post} from '../api.js';
import {h, clear, field, toast} from '../dom.js';
import {formatDate, formatDecimal} from '../format.js';
import {t} from '../i18n.js';
import {errorText} from '../nav.js';
import {can} from '../session.js';
import {tenantsById, tenantName} from '../tenants.js';
import {alertsTabs, ruleLabel, severityBadge} from './alerts_common.js';

// Silence durations offered, in minutes (the API takes 1 to 10,080).
const DURATIONS = [30, 60, 120, 240, 480, 1440, 4320, 10080];

export async function render(view, params) {
  const id = Number(params.id);
  const [alert, tenants, silences] = await Promise.all([get(`/api/v1/alerts/${id}`), tenantsById(),
    get('/api/v1/silences').then((r) => r.items || []).catch(() => [])]);
  // The alert's own silences: all of them from its detail (a newer server), else the active ones.
  const now = Date.now() / 1000;
  const history = Array.isArray(alert.silences) ? alert.silences : silences.filter((s) => s.alert_id === id);
  const own = history.filter((s) => s.ends_at > now && s.starts_at <= now);
  // Maintenance windows that match this alert (tenant, host, rule) mute it too.
  const windows = silences.filter((s) => !s.alert_id && s.tenant_id === alert.tenant_id &&
    (!s.host_id || s.host_id === alert.host_id) && (!s.rule || s.rule === alert.rule));
  const title = alert.summary || ruleLabel(alert.rule);

  view.append(h('p', {}, h('a', {href: '#/alertes'}, t('alert.back'))),
    h('h1', {'data-testid': 'alert-title'}, title), alertsTabs(''),
    h('div', {class: 'grid2'},
      h('section', {class: 'card', 'aria-labelledby': 'a-facts'}, h('h2', {id: 'a-facts'}, t('alert.facts')),
        facts(alert, tenants, own, windows)),
      h('section', {class: 'card', 'aria-labelledby': 'a-actions'}, h('h2', {id: 'a-actions'}, t('alert.actions')),
        actions(alert, own, view))),
    h('section', {'aria-labelledby': 'a-timeline'}, h('h2', {id: 'a-timeline'}, t('alert.timeline')),
      timeline(alert, history, now)),
    h('section', {'aria-labelledby': 'a-comments'}, h('h2', {id: 'a-comments'}, t('alert.comments')),
      comments(alert, view)));
}

function facts(a, tenants, own, windows) {
  const silencedUntil = Math.max(0, ...own.map((s) => s.ends_at));
  const notifications = own.length ? t('alert.silencedUntil', {when: formatDate(silencedUntil)}) :
    windows.length ? t('alert.inWindow', {when: formatDate(Math.max(...windows.map((s) => s.ends_at)))}) :
      a.silenced ? t('alert.silencedKnown') : a.suppressed_by ? t('alert.suppressed') : t('alert.notifying');
  const rows = [
    [t('alert.host'), a.host_id ? h('a', {href: `#/postes/${a.host_id}`, 'data-testid': 'alert-host'},
      a.host_name || `#${a.host_id}`) : t('alert.wholeSite')],
    [t('alert.tenant'), tenantName(tenants, a.tenant_id)],
    [t('alert.rule'), h('span', {'data-testid': 'alert-rule'}, ruleLabel(a.rule), ' ', h('span', {class: 'mono'}, `(${a.rule})`))],
    [t('alert.subject'), a.subject || '—'],
    [t('alert.severity'), h('span', {'data-testid': 'alert-severity'}, severityBadge(a.severity))],
    [t('alert.state'), h('span', {'data-testid': 'alert-detail-state'}, t(`alert.state.${a.state}`),
      a.acknowledged_by ? ` (${a.acknowledged_by})` : '')],
    [t('alert.value'), formatDecimal(a.value)],
    [t('alert.openedAt'), formatDate(a.opened_at)],
    [t('alert.updatedAt'), formatDate(a.updated_at)],
    a.resolved_at ? [t('alert.resolvedAt'), formatDate(a.resolved_at)] : null,
    a.flaps ? [t('alert.flaps'), String(a.flaps)] : null,
    [t('alert.notifications'), h('span', {'data-testid': 'alert-silence'}, notifications)],
  ].filter(Boolean);
  return h('dl', {class: 'kv', 'data-testid': 'alert-facts'}, rows.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}

function actions(a, own, view) {
  if (!can('alerts.write')) return h('p', {class: 'notice', 'data-testid': 'alert-readonly'}, t('alert.readOnly'));
  if (a.state === 'resolved') return h('p', {class: 'notice'}, t('alert.resolvedNoAction'));
  const reload = () => { clear(view); return render(view, {id: String(a.id)}); };
  const out = h('p', {class: 'error', role: 'alert'});
  const ack = a.state === 'firing' ? h('button', {type: 'button', 'data-testid': 'alert-ack', onclick: async (e) => {
    e.target.disabled = true;
    try { await post(`/api/v1/alerts/${a.id}/acknowledge`); toast(t('alert.acknowledged')); await reload(); }
    catch (err) { e.target.disabled = false; out.textContent = errorText(err); }
  }}, t('alerts.acknowledge')) : null;
  const duration = h('select', {name: 'minutes', 'data-testid': 'silence-minutes'},
    DURATIONS.map((m) => h('option', {value: String(m), selected: m === 120}, t(`alert.duration.${m}`))));
  const why = h('textarea', {name: 'comment', rows: '2', maxlength: '2000', 'data-testid': 'silence-comment'});
  const silence = h('form', {class: 'stack', 'data-testid': 'silence-form', onsubmit: async (e) => {
    e.preventDefault();
    out.textContent = '';
    try {
      await post(`/api/v1/alerts/${a.id}/silence`, {minutes: Number(duration.value), comment: why.value.trim() || undefined});
      toast(t('alert.silencedDone'));
      await reload();
    } catch (err) { out.textContent = errorText(err); }
  }}, h('h3', {}, t('alert.silenceTitle')), field(t('alert.silenceFor'), duration),
  field(t('alert.silenceWhy'), why), h('div', {}, h('button', {type: 'submit', class: 'secondary', 'data-testid': 'silence-submit'},
    t('alert.silence'))));
  const lift = own.length || a.silenced ? h('button', {type: 'button', class: 'secondary', 'data-testid': 'unsilence',
    onclick: async (e) => {
      e.target.disabled = true;
      try { await post(`/api/v1/alerts/${a.id}/unsilence`); toast(t('alert.unsilencedDone')); await reload(); }
      catch (err) { e.target.disabled = false; out.textContent = errorText(err); }
    }}, t('alert.unsilence')) : null;
  return h('div', {}, h('div', {class: 'toolbar'}, ack, lift), silence, out);
}

function timeline(a, silences, now) {
  const events = [{at: a.opened_at, text: t('alert.event.opened', {severity: t(`alert.severity.${a.severity}`)})}];
  if (a.acknowledged_at) events.push({at: a.acknowledged_at, text: t('alert.event.acknowledged', {who: a.acknowledged_by || '—'})});
  for (const s of silences) {
    const ended = s.ends_at <= now;  // lifted or over: its planned end is no longer known
    events.push({at: s.starts_at, text: t(ended ? 'alert.event.silenced' : 'alert.event.silencedUntil',
      {who: s.created_by || '—', until: formatDate(s.ends_at)}) + (s.comment ? ` : « ${s.comment} »` : '')});
    if (ended) events.push({at: s.ends_at, text: t('alert.event.silenceEnded')});
  }
  for (const c of a.comments || []) events.push({at: c.at, text: t('alert.event.comment', {who: c.author || '—'})});
  if (a.resolved_at) events.push({at: a.resolved_at, text: t('alert.event.resolved')});
  events.sort((x, y) => x.at - y.at);
  return h('ol', {class: 'timeline', 'data-testid': 'alert-timeline'},
    events.map((e) => h('li', {}, h('time', {}, formatDate(e.at)), ' — ', e.text)));
}

function comments(a, view) {
  const list = a.comments || [];
  const box = h('div', {'data-testid': 'alert-comments'},
    list.length ? h('ul', {class: 'comments'}, list.map((c) => h('li', {},
      h('p', {class: 'meta'}, h('strong', {}, c.author || '—'), ' — ', h('time', {}, formatDate(c.at))),
      h('p', {class: 'comment-text'}, c.text))))
      : h('p', {class: 'notice'}, t('alert.noComments')));
  if (!can('alerts.write')) return box;
  const text = h('textarea', {name: 'text', rows: '3', maxlength: '4000', required: true, 'data-testid': 'comment-text'});
  const err = h('p', {class: 'error', role: 'alert'});
  box.append(h('form', {class: 'stack card', 'data-testid': 'comment-form', onsubmit: async (e) => {
    e.preventDefault();
    err.textContent = '';
    if (!text.value.trim()) { err.textContent = t('alert.commentEmpty'); return; }
    try {
      await post(`/api/v1/alerts/${a.id}/comment`, {text: text.value.trim()});
      toast(t('alert.commented'));
      clear(view);
      await render(view, {id: String(a.id)});
    } catch (ex) { err.textContent = errorText(ex); }
  }}, field(t('alert.addComment'), text), h('div', {}, h('button', {type: 'submit', 'data-testid': 'comment-submit'},
    t('alert.commentSubmit'))), err));
  return box;
}
