// Notification channels of a commune (#/alertes/canaux?commune=3): e-mail (with the daily
// digest hour), webhook, GLPI ticket. Secrets are write-only: the API answers "********"
// and the page says "••• enregistré", never a value. Create, switch on/off, delete
// (channels.write), and "Tester": one test message now, its outcome shown as text.
import {get, post, put, del} from '../api.js';
import {h, clear, field, toast} from '../dom.js';
import {t} from '../i18n.js';
import {errorText} from '../nav.js';
import {can} from '../session.js';
import {tenantsById} from '../tenants.js';
import {alertsTabs, severityBadge, tenantChooser} from './alerts_common.js';

const KINDS = ['email', 'webhook', 'glpi'];
const MASK = '********';
// Settings shown in the list, per kind, in this order; secrets only as "enregistré".
const SHOWN = {email: ['to', 'from', 'host', 'port', 'tls', 'username', 'password', 'digest_hour'],
  webhook: ['url', 'secret'], glpi: ['url', 'app_token', 'user_token', 'entities_id', 'itilcategories_id']};

export async function render(view, params, query) {
  view.append(h('h1', {}, t('channels.title')), alertsTabs('/alertes/canaux'));
  const tenants = await tenantsById();
  if (!tenants.size) { view.append(h('p', {class: 'notice'}, t('rules.noTenant'))); return; }
  const chooser = tenantChooser(tenants, query, '/alertes/canaux', 'channels-tenant');
  view.append(chooser.form, h('p', {}, t('channels.intro')));
  const list = h('div', {'data-testid': 'channels'});
  const redraw = () => drawList(list, chooser.tenantId);
  if (can('channels.write')) view.append(createForm(chooser.tenantId, tenants, redraw));
  view.append(h('h2', {}, t('channels.listTitle', {tenant: tenants.get(chooser.tenantId).name})), list);
  try {
    await drawList(list, chooser.tenantId);
  } catch (e) {
    list.append(h('p', {class: e.missing ? 'notice' : 'error', role: 'alert'}, e.missing ? t('alerts.missing') : errorText(e)));
  }
}

async function drawList(box, tenantId) {
  const items = ((await get('/api/v1/channels')).items || []).filter((c) => c.tenant_id === tenantId);
  clear(box);
  if (!items.length) { box.append(h('p', {class: 'notice', 'data-testid': 'channels-none'}, t('channels.none'))); return; }
  const write = can('channels.write');
  box.append(h('table', {'data-testid': 'channel-table'},
    h('caption', {class: 'visually-hidden'}, t('channels.caption')),
    h('thead', {}, h('tr', {}, ['channels.col.name', 'channels.col.kind', 'channels.col.severity', 'channels.col.delay',
      'channels.col.settings', 'channels.col.state'].map((k) => h('th', {scope: 'col'}, t(k))),
    write ? h('th', {scope: 'col'}, t('channels.col.action')) : null)),
    h('tbody', {}, items.map((c) => h('tr', {'data-channel-id': c.id},
      h('td', {}, c.name), h('td', {}, t(`channels.kind.${c.kind}`)),
      h('td', {}, t('channels.fromSeverity'), ' ', severityBadge(c.min_severity)),
      h('td', {}, c.delay_seconds ? t('channels.escalation', {n: Math.round(c.delay_seconds / 60)}) : t('channels.immediate')),
      h('td', {}, settingsList(c)),
      h('td', {}, c.enabled ? h('span', {class: 'badge ok'}, t('channels.on')) : h('span', {class: 'badge muted'}, t('channels.off'))),
      write ? h('td', {}, h('div', {class: 'toolbar'},
        testButton(c),
        h('button', {type: 'button', class: 'secondary', 'aria-label': t(c.enabled ? 'channels.disableOne' : 'channels.enableOne', {name: c.name}),
          onclick: async () => {
            try { await put(`/api/v1/channels/${c.id}`, {enabled: !c.enabled}); await drawList(box, tenantId); }
            catch (e) { toast(errorText(e), 'bad'); }
          }}, t(c.enabled ? 'channels.disable' : 'channels.enable')),
        h('button', {type: 'button', class: 'danger', 'data-testid': 'channel-delete', 'aria-label': t('channels.deleteOne', {name: c.name}),
          onclick: async () => {
            if (!window.confirm(t('channels.deleteConfirm', {name: c.name}))) return;
            try { await del(`/api/v1/channels/${c.id}`); toast(t('channels.deleted', {name: c.name})); await drawList(box, tenantId); }
            catch (e) { toast(errorText(e), 'bad'); }
          }}, t('channels.delete'))), testResult(c)) : null)))));
}

// The outcome of "Tester" goes in the row's own status line (text only: the server's
// reason may quote what the receiver answered).
const testResults = new Map();
function testResult(c) {
  const out = h('p', {role: 'status', class: 'small', 'data-testid': 'channel-test-result'});
  testResults.set(c.id, out);
  return out;
}

function testButton(c) {
  return h('button', {type: 'button', class: 'secondary', 'data-testid': 'channel-test',
    'aria-label': t('channels.testOne', {name: c.name}), onclick: async (e) => {
      const out = testResults.get(c.id);
      const button = e.currentTarget;
      button.disabled = true;
      out.className = 'small';
      out.textContent = t('channels.testing');
      try {
        await post(`/api/v1/channels/${c.id}/test`, {});
        out.className = 'small success';
        out.textContent = t(`channels.testSent.${c.kind}`);
      } catch (ex) {
        out.className = 'small error';
        out.textContent = ex.code === 'channel_test_failed' ? t('channels.testFailed', {message: ex.message}) : errorText(ex);
      } finally {
        button.disabled = false;
      }
    }}, t('channels.test'));
}

function settingsList(c) {
  const s = c.settings || {};
  const keys = (SHOWN[c.kind] || Object.keys(s)).filter((k) => s[k] !== undefined && s[k] !== null && s[k] !== '');
  return h('dl', {class: 'kv small', 'data-testid': 'channel-settings'}, keys.map((k) => [
    h('dt', {}, t(`channels.setting.${k}`)),
    h('dd', {}, s[k] === MASK ? h('span', {'data-testid': 'secret-stored'}, t('channels.secretStored')) :
      Array.isArray(s[k]) ? s[k].join(', ') : k === 'digest_hour' ? t('channels.digestAt', {h: s[k]}) :
        k === 'tls' && ['starttls', 'implicit', 'none'].includes(s[k]) ? t(`channels.tls.${s[k]}`) : String(s[k]))]));
}

function createForm(tenantId, tenants, redraw) {
  const input = (name, attrs = {}) => h('input', {name, 'data-testid': `channel-${name}`, ...attrs});
  // Defaults as attributes, so that resetting the form after a creation restores them.
  const withDefault = (el, v) => { el.defaultValue = v; return el; };
  const kind = h('select', {name: 'kind', 'data-testid': 'channel-kind'}, KINDS.map((k) => h('option', {value: k}, t(`channels.kind.${k}`))));
  const name = input('name', {required: true, maxlength: '200'});
  const severity = h('select', {name: 'min_severity', 'data-testid': 'channel-severity'},
    ['warning', 'critical'].map((s) => h('option', {value: s}, t(`alert.severity.${s}`))));
  const delay = withDefault(input('delay', {type: 'number', min: '0', max: '10080'}), '0');
  const f = {
    email: {to: input('to', {placeholder: 'support@exemple.fr, astreinte@exemple.fr'}), from: input('from', {type: 'email'}),
      host: input('host'), port: withDefault(input('port', {type: 'number', min: '1', max: '65535'}), '587'),
      tls: h('select', {name: 'tls', 'data-testid': 'channel-tls'}, ['starttls', 'implicit', 'none'].map((v) =>
        h('option', {value: v}, t(`channels.tls.${v}`)))),
      username: input('username', {autocomplete: 'off'}), password: input('password', {type: 'password', autocomplete: 'new-password'}),
      digest_hour: input('digest_hour', {type: 'number', min: '0', max: '23'})},
    webhook: {url: input('url', {type: 'url', placeholder: 'https://'}),
      secret: input('secret', {type: 'password', autocomplete: 'new-password'})},
    glpi: {url: input('glpi_url', {type: 'url', placeholder: 'https://glpi.exemple.fr/apirest.php'}),
      app_token: input('app_token', {type: 'password', autocomplete: 'off'}),
      user_token: input('user_token', {type: 'password', autocomplete: 'off'}),
      entities_id: input('entities_id', {type: 'number', min: '0'}),
      itilcategories_id: input('itilcategories_id', {type: 'number', min: '0'})},
  };
  const groups = Object.fromEntries(KINDS.map((k) => [k, h('fieldset', {class: 'inline', 'data-kind': k, hidden: k !== 'email'},
    h('legend', {}, t(`channels.settingsOf.${k}`)),
    Object.entries(f[k]).map(([key, control]) => field(t(`channels.field.${key}`), control)))]));
  kind.addEventListener('change', () => KINDS.forEach((k) => { groups[k].hidden = k !== kind.value; }));
  const err = h('p', {class: 'error', role: 'alert', 'data-testid': 'channel-error'});
  const settingsOf = (k) => {
    const out = {};
    for (const [key, control] of Object.entries(f[k])) {
      const v = control.value.trim();
      if (!v) continue;
      if (key === 'to') out.to = v.split(/[,;\s]+/).filter(Boolean);
      else if (['port', 'digest_hour', 'entities_id', 'itilcategories_id'].includes(key)) out[key] = Number(v);
      else out[key] = v;
    }
    return out;
  };
  return h('form', {class: 'card stack', 'data-testid': 'channel-form', 'aria-labelledby': 'channel-new', onsubmit: async (e) => {
    e.preventDefault();
    err.textContent = '';
    try {
      await post('/api/v1/channels', {tenant_id: tenantId, kind: kind.value, name: name.value.trim(),
        min_severity: severity.value, delay_seconds: Math.round(Number(delay.value || 0) * 60), settings: settingsOf(kind.value)});
      toast(t('channels.created', {name: name.value.trim()}));
      // Secrets leave the page as soon as they are sent.
      e.target.reset();
      kind.dispatchEvent(new Event('change'));
      await redraw();
    } catch (ex) { err.textContent = errorText(ex); }
  }}, h('h2', {id: 'channel-new'}, t('channels.new', {tenant: tenants.get(tenantId).name})),
  h('div', {class: 'inline'}, field(t('channels.field.kind'), kind), field(t('channels.field.name'), name),
    field(t('channels.field.min_severity'), severity), field(t('channels.field.delay'), delay)),
  Object.values(groups), h('div', {}, h('button', {type: 'submit', 'data-testid': 'channel-create'}, t('channels.create'))), err);
}
