// What the alert pages share: their sub-navigation, the French names of rules and rule
// kinds, severity badges, and the commune chooser of the rules and channels pages.
import {h, field} from '../dom.js';
import {t, has} from '../i18n.js';
import {navigate} from '../nav.js';

const TABS = [['/alertes', 'alerts.tab.list'], ['/alertes/regles', 'alerts.tab.rules'],
  ['/alertes/canaux', 'alerts.tab.channels'], ['/alertes/groupes', 'alerts.tab.groups']];

/** The links between the list, the rules and the channels (current = a path above). */
export function alertsTabs(current) {
  return h('nav', {'aria-label': t('alerts.tabs')}, h('ul', {class: 'toolbar', role: 'list'},
    TABS.map(([path, key]) => h('li', {}, h('a', {href: `#${path}`,
      'aria-current': path === current ? 'page' : undefined}, t(key))))));
}

/** "disk_usage" → "Disque presque plein" (the id itself for a rule this console does not know). */
export function ruleLabel(id) {
  return id && has(`alert.rule.${id}`) ? t(`alert.rule.${id}`) : (id || '—');
}

export function kindLabel(kind) {
  return kind && has(`alert.kind.${kind}`) ? t(`alert.kind.${kind}`) : (kind || '—');
}

export function severityBadge(severity) {
  const s = severity || 'warning';
  return h('span', {class: `badge ${s === 'critical' ? 'bad' : s === 'info' ? 'muted' : 'warn'}`},
    t(`alert.severity.${s}`));
}

/**
 * The commune whose rules or channels are shown: a select that moves to
 * `path?commune=ID`. Returns {control, tenantId} (the first commune when none is asked).
 */
export function tenantChooser(tenants, query, path, testid) {
  const sorted = [...tenants.values()].sort((a, b) => a.name.localeCompare(b.name, 'fr'));
  const asked = Number(query.get('commune'));
  const current = sorted.find((x) => x.id === asked) || sorted[0];
  const select = h('select', {name: 'commune', 'data-testid': testid},
    sorted.map((x) => h('option', {value: String(x.id), selected: current && x.id === current.id}, x.name)));
  const form = h('form', {class: 'inline', onsubmit: (e) => {
    e.preventDefault();
    navigate(path, new URLSearchParams({commune: select.value}));
  }}, field(t('alerts.tenant'), select), h('button', {type: 'submit', class: 'secondary'}, t('alerts.show')));
  select.addEventListener('change', () => form.requestSubmit());
  return {form, select, tenantId: current ? current.id : null};
}
