// Host groups of a commune (#/alertes/groupes?commune=3): the groups and their PCs, and
// (hosts.write) create or delete a group, add or remove a PC; the alert-rule settings
// of each group, and (alert_rules.write) a rule switched off or a threshold changed for
// the group. The API: /api/v1/host-groups, PUT /api/v1/hosts/{id}/groups (a PC's whole
// list of groups), PUT /api/v1/alert-rules with scope "group".
import {get, getAll, post, put, del} from '../api.js';
import {h, clear, field, toast} from '../dom.js';
import {t} from '../i18n.js';
import {errorText} from '../nav.js';
import {can} from '../session.js';
import {tenantsById} from '../tenants.js';
import {alertsTabs, ruleLabel, tenantChooser} from './alerts_common.js';

export async function render(view, params, query) {
  view.append(h('h1', {}, t('groups.title')), alertsTabs('/alertes/groupes'));
  const tenants = await tenantsById();
  if (!tenants.size) { view.append(h('p', {class: 'notice'}, t('rules.noTenant'))); return; }
  const chooser = tenantChooser(tenants, query, '/alertes/groupes', 'groups-tenant');
  view.append(chooser.form, h('p', {}, t('groups.intro')));
  const box = h('div', {'data-testid': 'groups'});
  view.append(box);
  const redraw = async () => {
    clear(box);
    try {
      await draw(box, chooser.tenantId, tenants.get(chooser.tenantId), redraw);
    } catch (e) {
      box.append(h('p', {class: 'error', role: 'alert'}, errorText(e)));
    }
  };
  await redraw();
}

async function draw(box, tenantId, tenant, redraw) {
  const [groupsRes, hosts, rules] = await Promise.all([
    get('/api/v1/host-groups', {tenant_id: tenantId}),
    getAll('/api/v1/hosts', {tenant_id: tenantId}),
    get('/api/v1/alert-rules', {tenant_id: tenantId}),
  ]);
  const groups = (groupsRes.items || []).sort((a, b) => a.name.localeCompare(b.name, 'fr'));
  const names = new Map(hosts.map((x) => [x.id, x.hostname || x.uid || `n° ${x.id}`]));
  const err = h('p', {class: 'error', role: 'alert', 'data-testid': 'groups-error'});
  // `conflict`: the French text of a 409 (the server's reason is in English).
  const act = async (work, done, conflict) => {
    err.textContent = '';
    try {
      await work();
      toast(done);
      await redraw();
    } catch (e) { err.textContent = e.status === 409 && conflict ? conflict : errorText(e); }
  };
  // A PC's groups from now on: every group of the commune that lists it, plus or minus one.
  const setGroups = (hostId, groupId, member) => {
    const ids = groups.filter((g) => g.hosts.includes(hostId) && g.id !== groupId).map((g) => g.id);
    if (member) ids.push(groupId);
    return put(`/api/v1/hosts/${hostId}/groups`, {groups: ids});
  };
  if (can('hosts.write')) box.append(createForm(tenantId, tenant, act));
  box.append(err);
  if (!groups.length) {
    box.append(h('p', {class: 'notice', 'data-testid': 'groups-none'}, t('groups.none', {tenant: tenant.name})));
    return;
  }
  const overrides = (rules.overrides || []).filter((o) => o.scope === 'group');
  const ruleIds = (rules.defaults || []).map((r) => r.id);
  for (const g of groups) {
    box.append(groupCard(g, {names, hosts, overrides, ruleIds, act, setGroups}));
  }
}

function createForm(tenantId, tenant, act) {
  const name = h('input', {name: 'name', required: true, maxlength: '100', 'data-testid': 'group-name'});
  return h('form', {class: 'card inline', 'data-testid': 'group-create', onsubmit: (e) => {
    e.preventDefault();
    const value = name.value.trim();
    act(() => post('/api/v1/host-groups', {tenant_id: tenantId, name: value}),
      t('groups.created', {name: value, tenant: tenant.name}), t('groups.exists', {name: value, tenant: tenant.name}));
  }}, field(t('groups.field.name'), name), h('button', {type: 'submit', 'data-testid': 'group-create-submit'}, t('groups.create')));
}

function groupCard(g, {names, hosts, overrides, ruleIds, act, setGroups}) {
  const titleId = `group-${g.id}-title`;
  const members = g.hosts.map((id) => h('li', {'data-host-id': String(id)},
    h('a', {href: `#/postes/${id}`}, names.get(id) || t('rules.scope.host', {id})),
    can('hosts.write') ? h('button', {type: 'button', class: 'secondary small', 'data-testid': 'group-remove-host',
      'aria-label': t('groups.removeOne', {host: names.get(id) || id, group: g.name}),
      onclick: () => act(() => setGroups(id, g.id, false), t('groups.removed', {host: names.get(id) || id, group: g.name}))},
    t('groups.remove')) : null));
  const card = h('section', {class: 'card stack', 'data-group-id': String(g.id), 'aria-labelledby': titleId},
    h('h2', {id: titleId, 'data-testid': 'group-title'}, g.name),
    members.length ? h('ul', {'data-testid': 'group-hosts'}, members)
      : h('p', {class: 'notice', 'data-testid': 'group-empty'}, t('groups.empty')));
  const outside = hosts.filter((x) => !g.hosts.includes(x.id));
  if (can('hosts.write') && outside.length) {
    const select = h('select', {name: 'host', 'data-testid': 'group-add-select'},
      outside.map((x) => h('option', {value: String(x.id)}, names.get(x.id))));
    card.append(h('form', {class: 'inline', onsubmit: (e) => {
      e.preventDefault();
      const id = Number(select.value);
      act(() => setGroups(id, g.id, true), t('groups.added', {host: names.get(id), group: g.name}));
    }}, field(t('groups.field.host'), select), h('button', {type: 'submit', class: 'secondary', 'data-testid': 'group-add-host'}, t('groups.add'))));
  }
  card.append(rulesOf(g, overrides, ruleIds, act));
  if (can('hosts.write')) {
    card.append(h('div', {class: 'toolbar'}, h('button', {type: 'button', class: 'danger', 'data-testid': 'group-delete',
      onclick: () => {
        if (!window.confirm(t('groups.confirmDelete', {group: g.name}))) return;
        act(() => del(`/api/v1/host-groups/${g.id}`), t('groups.deleted', {group: g.name}));
      }}, t('groups.delete'))));
  }
  return card;
}

/** The group's rule settings, and a form to switch a rule off or change its thresholds. */
function rulesOf(g, overrides, ruleIds, act) {
  const mine = overrides.filter((o) => o.scope_id === g.id);
  const list = mine.length ? h('ul', {'data-testid': 'group-rules'}, mine.map((o) => h('li', {'data-rule': o.rule},
    `${ruleLabel(o.rule)} : ${settingsText(o.settings)}`,
    can('alert_rules.write') ? h('button', {type: 'button', class: 'secondary small', 'data-testid': 'group-rule-reset',
      onclick: () => act(() => put('/api/v1/alert-rules', {scope: 'group', scope_id: g.id, rule: o.rule, settings: null}),
        t('groups.ruleReset', {rule: ruleLabel(o.rule), group: g.name}))}, t('groups.ruleResetButton')) : null)))
    : h('p', {class: 'notice', 'data-testid': 'group-rules-none'}, t('groups.rulesNone'));
  const out = h('div', {}, h('h3', {}, t('groups.rules')), list);
  if (!can('alert_rules.write')) return out;
  const rule = h('select', {name: 'rule', 'data-testid': 'group-rule'}, ruleIds.map((id) => h('option', {value: id}, ruleLabel(id))));
  const enabled = h('input', {type: 'checkbox', name: 'enabled', id: `group-${g.id}-enabled`, checked: true, 'data-testid': 'group-rule-enabled'});
  const number = (name, testid) => h('input', {name, type: 'number', step: 'any', min: '0', 'data-testid': testid});
  const warning = number('warning', 'group-rule-warning');
  const critical = number('critical', 'group-rule-critical');
  out.append(h('form', {class: 'inline', 'data-testid': 'group-rule-form', onsubmit: (e) => {
    e.preventDefault();
    const settings = {};
    if (!enabled.checked) settings.enabled = false;
    if (warning.value !== '') settings.warning = Number(warning.value);
    if (critical.value !== '') settings.critical = Number(critical.value);
    if (!Object.keys(settings).length) return;
    act(() => put('/api/v1/alert-rules', {scope: 'group', scope_id: g.id, rule: rule.value, settings}),
      t('groups.ruleSaved', {rule: ruleLabel(rule.value), group: g.name}));
  }}, field(t('groups.field.rule'), rule),
  h('div', {class: 'check'}, enabled, h('label', {for: enabled.id}, t('groups.field.enabled'))),
  field(t('rules.field.warning'), warning), field(t('rules.field.critical'), critical),
  h('button', {type: 'submit', class: 'secondary', 'data-testid': 'group-rule-save'}, t('rules.save'))));
  return out;
}

function settingsText(s) {
  if (!s) return '—';
  const parts = [];
  if (s.enabled === false) parts.push(t('rules.disabled'));
  if (s.warning !== undefined) parts.push(t('groups.warningAt', {value: s.warning}));
  if (s.critical !== undefined) parts.push(t('groups.criticalAt', {value: s.critical}));
  if (s.for_seconds !== undefined) parts.push(t('rules.after', {n: Math.round(s.for_seconds / 60)}));
  return parts.join(', ') || '—';
}
