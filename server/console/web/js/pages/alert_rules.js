// Alert rules of a commune (#/alertes/regles?commune=3): the shipped defaults, what the
// commune changed, the host-group and host settings, and (alert_rules.write) a form to
// change a threshold, a duration or switch a rule off for the commune.
import {get, put} from '../api.js';
import {h, clear, field, toast} from '../dom.js';
import {formatDecimal} from '../format.js';
import {t} from '../i18n.js';
import {errorText} from '../nav.js';
import {can} from '../session.js';
import {tenantsById} from '../tenants.js';
import {alertsTabs, ruleLabel, kindLabel, tenantChooser} from './alerts_common.js';

const UNITS = {'disk.used_pct': '%', 'cpu.usage_pct': '%', 'mem.used_pct': '%', 'temp.celsius': '°C',
  'battery.health_pct': '%'};
// The parameter a technician tunes, per kind (others stay as shipped).
const PARAM = {absence: ['silent_minutes', 'alert.param.silent_minutes'], prediction: ['days', 'alert.param.days'],
  backup_stale: ['hours', 'alert.param.hours']};

export async function render(view, params, query) {
  view.append(h('h1', {}, t('rules.title')), alertsTabs('/alertes/regles'));
  const tenants = await tenantsById();
  if (!tenants.size) { view.append(h('p', {class: 'notice'}, t('rules.noTenant'))); return; }
  const chooser = tenantChooser(tenants, query, '/alertes/regles', 'rules-tenant');
  view.append(chooser.form, h('p', {}, t('rules.intro')));
  const box = h('div', {'data-testid': 'rules'});
  view.append(box);
  try {
    await draw(box, chooser.tenantId, tenants);
  } catch (e) {
    box.append(h('p', {class: e.missing ? 'notice' : 'error', role: 'alert'}, e.missing ? t('alerts.missing') : errorText(e)));
  }
}

async function draw(box, tenantId, tenants) {
  const res = await get('/api/v1/alert-rules', {tenant_id: tenantId});
  const defaults = new Map((res.defaults || []).map((r) => [r.id, r]));
  const overrides = res.overrides || [];
  const mine = new Map(overrides.filter((o) => o.scope === 'tenant' && o.scope_id === tenantId).map((o) => [o.rule, o.settings]));
  const editor = h('div', {'data-testid': 'rule-editor'});
  const redraw = async () => { clear(box); await draw(box, tenantId, tenants); };
  const rows = (res.effective || res.defaults || []).map((rule) => {
    const def = defaults.get(rule.id) || rule;
    const changed = mine.has(rule.id);
    return h('tr', {'data-rule': rule.id},
      h('th', {scope: 'row'}, ruleLabel(rule.id), h('br'), h('span', {class: 'mono small'}, rule.id)),
      h('td', {}, kindLabel(rule.kind)),
      h('td', {}, describe(def)),
      h('td', {'data-testid': 'rule-effective'}, describe(rule)),
      h('td', {}, rule.enabled ? h('span', {class: 'badge ok'}, t('rules.enabled')) : h('span', {class: 'badge muted'}, t('rules.disabled')),
        changed ? h('span', {class: 'badge warn', 'data-testid': 'rule-changed'}, t('rules.changed')) : null),
      can('alert_rules.write') ? h('td', {}, h('button', {type: 'button', class: 'secondary', 'data-testid': 'rule-edit',
        'aria-label': t('rules.editOne', {rule: ruleLabel(rule.id)}),
        onclick: () => edit(editor, tenantId, def, rule, mine.get(rule.id) || {}, tenants, redraw)}, t('rules.edit'))) : null);
  });
  box.append(editor, h('table', {'data-testid': 'rules-table'},
    h('caption', {class: 'visually-hidden'}, t('rules.caption')),
    h('thead', {}, h('tr', {}, ['rules.col.rule', 'rules.col.kind', 'rules.col.default', 'rules.col.effective', 'rules.col.state']
      .map((k) => h('th', {scope: 'col'}, t(k))), can('alert_rules.write') ? h('th', {scope: 'col'}, t('rules.col.action')) : null)),
    h('tbody', {}, rows)));
  // Settings of host groups and hosts, narrower than the commune's.
  const narrower = overrides.filter((o) => o.scope !== 'tenant');
  box.append(h('h2', {}, t('rules.narrower')), narrower.length ? h('table', {'data-testid': 'rules-narrower'},
    h('thead', {}, h('tr', {}, ['rules.col.scope', 'rules.col.rule', 'rules.col.settings'].map((k) => h('th', {scope: 'col'}, t(k))))),
    h('tbody', {}, narrower.map((o) => h('tr', {},
      h('td', {}, o.scope === 'host' ? h('a', {href: `#/postes/${o.scope_id}`}, t('rules.scope.host', {id: o.scope_id}))
        : t('rules.scope.group', {id: o.scope_id})),
      h('td', {}, ruleLabel(o.rule)), h('td', {}, settingsText(o.settings, defaults.get(o.rule)))))))
    : h('p', {class: 'notice'}, t('rules.narrowerNone')));
}

/** A rule's settings in French: "avertissement au-dessus de 90 %, critique au-dessus de 98 %, après 15 min". */
function describe(r) {
  const unit = UNITS[r.metric] || '';
  const level = (key, v) => (v === undefined || v === null ? null :
    t(r.above === false ? 'rules.levelBelow' : 'rules.levelAbove', {level: t(`alert.severity.${key}`), value: `${formatDecimal(v)} ${unit}`.trim()}));
  const parts = r.kind === 'threshold' ? [level('warning', r.warning), level('critical', r.critical)]
    : [t(`alert.severity.${r.severity || 'warning'}`)];
  const p = PARAM[r.kind];
  if (p && r.params && r.params[p[0]] !== undefined) parts.push(t(`${p[1]}.text`, {n: formatDecimal(r.params[p[0]])}));
  if (r.for_seconds) parts.push(t('rules.after', {n: formatDecimal(r.for_seconds / 60)}));
  return parts.filter(Boolean).join(', ');
}

function settingsText(settings, def) {
  if (!settings) return '—';
  return describe({...(def || {}), ...settings, params: {...((def && def.params) || {}), ...(settings.params || {})}}) +
    (settings.enabled === false ? ` — ${t('rules.disabled')}` : '');
}

/** The commune's settings of one rule; a value equal to the default is not stored. */
function edit(box, tenantId, def, rule, current, tenants, redraw) {
  clear(box);
  const number = (name, value, testid, attrs = {}) => h('input', {name, type: 'number', step: 'any', value: value ?? '',
    'data-testid': testid, ...attrs});
  const enabled = h('input', {type: 'checkbox', name: 'enabled', id: `rule-enabled-${def.id}`, checked: rule.enabled,
    'data-testid': 'rule-enabled'});
  const fields = [];
  const warning = def.warning !== undefined ? number('warning', rule.warning, 'rule-warning') : null;
  const critical = def.critical !== undefined ? number('critical', rule.critical, 'rule-critical') : null;
  const unit = UNITS[def.metric] ? ` (${UNITS[def.metric]})` : '';
  if (warning) fields.push(field(t('rules.field.warning') + unit, warning));
  if (critical) fields.push(field(t('rules.field.critical') + unit, critical));
  const p = PARAM[def.kind];
  const param = p ? number(p[0], rule.params ? rule.params[p[0]] : '', 'rule-param', {min: '0'}) : null;
  if (param) fields.push(field(t(p[1]), param));
  const forMinutes = number('for_minutes', rule.for_seconds / 60, 'rule-for', {min: '0', max: '10080'});
  fields.push(field(t('rules.field.for'), forMinutes));
  const err = h('p', {class: 'error', role: 'alert'});
  const send = async (settings) => {
    err.textContent = '';
    try {
      await put('/api/v1/alert-rules', {scope: 'tenant', scope_id: tenantId, rule: def.id, settings});
      toast(t('rules.saved', {rule: ruleLabel(def.id), tenant: tenants.get(tenantId).name}));
      await redraw();
    } catch (e) { err.textContent = errorText(e); }
  };
  const heading = h('h2', {id: 'rule-edit-title', tabindex: '-1'}, t('rules.editTitle', {rule: ruleLabel(def.id), tenant: tenants.get(tenantId).name}));
  box.append(h('form', {class: 'card stack', 'aria-labelledby': 'rule-edit-title', 'data-testid': 'rule-form', onsubmit: (e) => {
    e.preventDefault();
    const s = {...current};
    const keep = (key, value, base) => { if (value === base) delete s[key]; else s[key] = value; };
    keep('enabled', enabled.checked, def.enabled);
    const num = (input) => (input.value === '' ? null : Number(input.value));
    if (warning) keep('warning', num(warning), def.warning ?? null);
    if (critical) keep('critical', num(critical), def.critical ?? null);
    keep('for_seconds', Math.round(Number(forMinutes.value || 0) * 60), def.for_seconds);
    if (param) {
      const params = {...(s.params || {})};
      const v = Number(param.value);
      if (param.value === '' || v === def.params[p[0]]) delete params[p[0]]; else params[p[0]] = v;
      if (Object.keys(params).length) s.params = params; else delete s.params;
    }
    send(Object.keys(s).length ? s : null);
  }}, heading,
  h('div', {class: 'check'}, enabled, h('label', {for: enabled.id}, t('rules.field.enabled'))),
  h('div', {class: 'inline'}, fields),
  h('div', {class: 'toolbar'}, h('button', {type: 'submit', 'data-testid': 'rule-save'}, t('rules.save')),
    Object.keys(current).length ? h('button', {type: 'button', class: 'secondary', 'data-testid': 'rule-reset',
      onclick: () => send(null)}, t('rules.reset')) : null,
    h('button', {type: 'button', class: 'secondary', onclick: () => clear(box)}, t('rules.cancel'))), err));
  heading.focus();
}
