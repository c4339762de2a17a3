// Administration: communes (tenants), enrolment tokens with the install command, users
// and roles, API tokens, the audit log with filters.
import {get, post, put} from '../api.js';
import {h, field, clear, toast, copyText} from '../dom.js';
import {formatDate, formatNumber} from '../format.js';
import {t} from '../i18n.js';
import {errorText, navigate} from '../nav.js';
import {can, roleLabel} from '../session.js';
import {tenantsById, tenantName, forgetTenants} from '../tenants.js';

const TABS = [
  ['communes', 'admin.tab.tenants', () => can('tenants.read'), tenantsTab],
  ['jetons', 'admin.tab.tokens', () => can('tokens.read'), tokensTab],
  ['utilisateurs', 'admin.tab.users', () => can('users.admin'), usersTab],
  ['jetons-api', 'admin.tab.apiTokens', () => can('users.admin'), apiTokensTab],
  ['journal', 'admin.tab.audit', () => can('audit.read'), auditTab],
];
const ROLES = ['administrator', 'technician', 'helpdesk', 'read_only', 'town_hall_staff'];

export async function render(view, params, query) {
  const tabs = TABS.filter(([, , allowed]) => allowed());
  const current = tabs.find(([slug]) => slug === params.tab) || tabs[0];
  view.append(h('h1', {}, t('admin.title')),
    h('nav', {'aria-label': t('admin.tabs')}, h('ul', {class: 'toolbar', role: 'list'}, tabs.map(([slug, key]) =>
      h('li', {}, h('a', {href: `#/admin/${slug}`, 'aria-current': slug === current[0] ? 'page' : undefined}, t(key)))))));
  const body = h('section', {'data-testid': `admin-${current[0]}`});
  view.append(body);
  try {
    await current[3](body, query);
  } catch (e) {
    body.append(h('p', {class: e.missing ? 'notice' : 'error', role: 'alert'}, errorText(e)));
  }
}

function errorLine() {
  return h('p', {class: 'error', role: 'alert'});
}

async function tenantsTab(box) {
  const res = await get('/api/v1/tenants');
  const rows = (res.items || []).slice().sort((a, b) => a.name.localeCompare(b.name, 'fr'));
  box.append(h('h2', {}, t('admin.tenants.title')));
  if (can('tenants.write')) {
    const name = h('input', {name: 'name', required: true, maxlength: '200', 'data-testid': 'tenant-name'});
    const insee = h('input', {name: 'insee_code', required: true, maxlength: '5', pattern: '[0-9]{5}|2[ABab][0-9]{3}',
      'data-testid': 'tenant-insee'});
    const err = errorLine();
    box.append(h('form', {class: 'inline card', onsubmit: async (e) => {
      e.preventDefault();
      err.textContent = '';
      try {
        await post('/api/v1/tenants', {name: name.value.trim(), insee_code: insee.value.trim().toUpperCase()});
        forgetTenants();
        toast(t('admin.tenants.created', {name: name.value.trim()}));
        clear(box);
        await tenantsTab(box);
      } catch (ex) {
        err.textContent = ex.status === 409 ? t('admin.tenants.exists') : errorText(ex);
      }
    }}, field(t('admin.tenants.name'), name), field(t('admin.tenants.insee'), insee),
    h('button', {type: 'submit'}, t('admin.tenants.create')), err));
  }
  box.append(rows.length ? h('table', {'data-testid': 'tenant-table'},
    h('thead', {}, h('tr', {}, ['admin.tenants.name', 'admin.tenants.insee', 'admin.tenants.createdAt', 'admin.tenants.hosts']
      .map((k) => h('th', {scope: 'col'}, t(k))))),
    h('tbody', {}, rows.map((x) => h('tr', {}, h('td', {}, x.name), h('td', {}, x.insee_code),
      h('td', {}, formatDate(x.created_at)), h('td', {}, h('a', {href: `#/postes?commune=${x.id}`}, t('admin.tenants.seeHosts')))))))
    : h('p', {}, t('admin.tenants.none')));
}

export function installCommands(agentUrl, fingerprint, token) {
  return {
    deb: `PARC_SERVER=${agentUrl} PARC_CA_FINGERPRINT=${fingerprint} PARC_TOKEN=${token} apt install ./parc-agent_*.deb`,
    enroll: `parc-agent enroll --server ${agentUrl} --ca-fingerprint ${fingerprint} --token ${token}`,
  };
}

async function tokensTab(box) {
  const [res, tenants, health] = await Promise.all([get('/api/v1/tokens'), tenantsById(),
    get('/api/v1/health').catch(() => ({}))]);
  box.append(h('h2', {}, t('admin.tokens.title')));
  const result = h('div', {'data-testid': 'token-result'});
  if (can('tokens.write')) {
    const tenant = h('select', {name: 'tenant_id', required: true, 'data-testid': 'token-tenant'},
      [...tenants.values()].sort((a, b) => a.name.localeCompare(b.name, 'fr'))
        .map((x) => h('option', {value: String(x.id)}, `${x.name} (${x.insee_code})`)));
    const description = h('input', {name: 'description', maxlength: '200', 'data-testid': 'token-description'});
    const hours = h('input', {name: 'expires_in_hours', type: 'number', min: '1', max: '8760', value: '168'});
    const uses = h('input', {name: 'max_uses', type: 'number', min: '1', max: '100000', value: '1'});
    const err = errorLine();
    box.append(h('form', {class: 'inline card', 'data-testid': 'token-form', onsubmit: async (e) => {
      e.preventDefault();
      err.textContent = '';
      if (!tenant.value) { err.textContent = t('admin.tokens.needTenant'); return; }
      try {
        const created = await post('/api/v1/tokens', {tenant_id: Number(tenant.value), description: description.value.trim(),
          expires_in_hours: Number(hours.value), max_uses: Number(uses.value)});
        showToken(result, created, health);
        reloadList();
      } catch (ex) {
        err.textContent = errorText(ex);
      }
    }}, field(t('admin.tokens.tenant'), tenant), field(t('admin.tokens.description'), description),
    field(t('admin.tokens.hours'), hours), field(t('admin.tokens.uses'), uses),
    h('button', {type: 'submit', 'data-testid': 'token-create'}, t('admin.tokens.create')), err));
  }
  const listBox = h('div', {});
  const drawList = (items) => {
    clear(listBox).append(items.length ? h('table', {'data-testid': 'token-table'},
      h('thead', {}, h('tr', {}, ['admin.tokens.prefix', 'admin.tokens.tenant', 'admin.tokens.description',
        'admin.tokens.expires', 'admin.tokens.used', 'admin.tokens.state', 'admin.tokens.action'].map((k) => h('th', {scope: 'col'}, t(k))))),
      h('tbody', {}, items.slice().reverse().map((x) => h('tr', {},
        h('td', {class: 'mono'}, `${x.prefix}…`), h('td', {}, tenantName(tenants, x.tenant_id)), h('td', {}, x.description || '—'),
        h('td', {}, formatDate(x.expires_at)), h('td', {}, `${formatNumber(x.uses)} / ${formatNumber(x.max_uses)}`),
        h('td', {}, x.revoked ? h('span', {class: 'badge bad'}, t('admin.tokens.revoked')) :
          x.expires_at * 1000 < Date.now() ? h('span', {class: 'badge muted'}, t('admin.tokens.expired')) :
            x.uses >= x.max_uses ? h('span', {class: 'badge muted'}, t('admin.tokens.usedUp')) :
              h('span', {class: 'badge ok'}, t('admin.tokens.valid'))),
        h('td', {}, !x.revoked && can('tokens.write') ? h('button', {type: 'button', class: 'secondary', onclick: async () => {
          try { await post(`/api/v1/tokens/${x.id}/revoke`); toast(t('admin.tokens.revokedDone')); reloadList(); }
          catch (ex) { toast(errorText(ex), 'bad'); }
        }}, t('admin.tokens.revoke')) : null)))))
      : h('p', {}, t('admin.tokens.none')));
  };
  const reloadList = async () => drawList((await get('/api/v1/tokens')).items || []);
  box.append(result, listBox);
  drawList(res.items || []);
}

function showToken(box, created, health) {
  const agentUrl = health.agent_url || t('admin.tokens.agentUrlUnknown');
  const fingerprint = created.ca_fingerprint || health.ca_fingerprint;
  const cmds = installCommands(agentUrl, fingerprint, created.token);
  const block = (label, text, testid) => h('div', {},
    h('h3', {}, label), h('pre', {class: 'command', 'data-testid': testid}, text),
    h('button', {type: 'button', class: 'secondary',
      onclick: () => copyText(text, t('common.copied'), t('common.copyFailed'))}, t('common.copy')));
  clear(box).append(h('div', {class: 'secret', role: 'status'},
    h('p', {}, h('strong', {}, t('admin.tokens.once'))),
    h('p', {}, t('admin.tokens.secret'), ' ', h('span', {class: 'mono', 'data-testid': 'token-secret'}, created.token)),
    health.agent_url ? null : h('p', {class: 'notice'}, t('admin.tokens.agentUrlHelp')),
    block(t('admin.tokens.cmdDeb'), cmds.deb, 'cmd-deb'),
    block(t('admin.tokens.cmdEnroll'), cmds.enroll, 'cmd-enroll')));
}

async function usersTab(box) {
  box.append(h('h2', {}, t('admin.users.title')));
  const [res, tenants] = await Promise.all([get('/api/v1/users'), tenantsById()]);
  const username = h('input', {name: 'username', required: true, maxlength: '128', autocomplete: 'off'});
  const password = h('input', {name: 'password', type: 'password', required: true, autocomplete: 'new-password'});
  const role = h('select', {name: 'role'}, ROLES.map((r) => h('option', {value: r, selected: r === 'technician'}, roleLabel(r))));
  const scope = h('select', {name: 'tenants', multiple: true, size: '4'},
    [...tenants.values()].map((x) => h('option', {value: String(x.id)}, x.name)));
  const err = errorLine();
  box.append(h('form', {class: 'inline card', onsubmit: async (e) => {
    e.preventDefault();
    err.textContent = '';
    const ids = [...scope.selectedOptions].map((o) => Number(o.value));
    try {
      await post('/api/v1/users', {username: username.value.trim(), password: password.value, role: role.value,
        tenants: ids.length ? ids : null});
      toast(t('admin.users.created', {name: username.value.trim()}));
      clear(box);
      await usersTab(box);
    } catch (ex) { err.textContent = errorText(ex); }
  }}, field(t('admin.users.username'), username), field(t('admin.users.password'), password),
  field(t('admin.users.role'), role), field(t('admin.users.scope'), scope),
  h('button', {type: 'submit'}, t('admin.users.create')), err));
  const users = res.items || [];
  box.append(h('table', {'data-testid': 'user-table'},
    h('thead', {}, h('tr', {}, ['admin.users.username', 'admin.users.role', 'admin.users.scope', 'admin.users.totp',
      'admin.users.state', 'admin.users.action'].map((k) => h('th', {scope: 'col'}, t(k))))),
    h('tbody', {}, users.map((u) => {
      const sel = h('select', {'aria-label': t('admin.users.roleOf', {name: u.username})},
        ROLES.map((r) => h('option', {value: r, selected: r === u.role}, roleLabel(r))));
      sel.addEventListener('change', async () => {
        try { await put(`/api/v1/users/${u.id}`, {role: sel.value}); toast(t('admin.users.updated')); }
        catch (ex) { toast(errorText(ex), 'bad'); sel.value = u.role; }
      });
      const toggle = h('button', {type: 'button', class: 'secondary', onclick: async () => {
        try {
          await put(`/api/v1/users/${u.id}`, {disabled: !u.disabled});
          clear(box); await usersTab(box);
        } catch (ex) { toast(errorText(ex), 'bad'); }
      }}, u.disabled ? t('admin.users.enable') : t('admin.users.disable'));
      return h('tr', {}, h('td', {}, u.username), h('td', {}, sel),
        h('td', {}, Array.isArray(u.tenants) ? u.tenants.map((id) => tenantName(tenants, id)).join(', ') : t('admin.users.allTenants')),
        h('td', {}, u.totp_enabled ? t('common.yes') : t('common.no')),
        h('td', {}, u.disabled ? h('span', {class: 'badge bad'}, t('admin.users.disabled')) : h('span', {class: 'badge ok'}, t('admin.users.active'))),
        h('td', {}, toggle));
    }))));
}

export async function apiTokensTab(box) {
  box.append(h('h2', {}, t('admin.api.title')));
  const res = await get('/api/v1/api-tokens');
  const name = h('input', {name: 'name', required: true, maxlength: '100'});
  const days = h('input', {name: 'expires_in_days', type: 'number', min: '1', max: '365', value: '90'});
  const role = h('select', {name: 'role'}, h('option', {value: ''}, t('admin.api.sameRole')),
    ROLES.map((r) => h('option', {value: r}, roleLabel(r))));
  const err = errorLine();
  const result = h('div', {});
  box.append(h('form', {class: 'inline card', onsubmit: async (e) => {
    e.preventDefault();
    err.textContent = '';
    try {
      const created = await post('/api/v1/api-tokens', {name: name.value.trim(), expires_in_days: Number(days.value),
        role: role.value || undefined});
      clear(box);
      await apiTokensTab(box);
      box.prepend(h('div', {class: 'secret', role: 'status'}, h('p', {}, h('strong', {}, t('admin.tokens.once'))),
        h('p', {class: 'mono'}, created.token || '')));
    } catch (ex) { err.textContent = errorText(ex); }
  }}, field(t('admin.api.name'), name), field(t('admin.api.days'), days), field(t('admin.api.role'), role),
  h('button', {type: 'submit'}, t('admin.api.create')), err), result);
  const items = res.items || [];
  box.append(items.length ? h('table', {},
    h('thead', {}, h('tr', {}, ['admin.api.name', 'admin.api.owner', 'admin.api.role', 'admin.api.expires', 'admin.api.lastUsed',
      'admin.tokens.state', 'admin.tokens.action'].map((k) => h('th', {scope: 'col'}, t(k))))),
    h('tbody', {}, items.map((x) => h('tr', {}, h('td', {}, x.name), h('td', {}, x.username || (x.user_id ? `#${x.user_id}` : '—')),
      h('td', {}, x.role ? roleLabel(x.role) : '—'), h('td', {}, formatDate(x.expires_at)), h('td', {}, formatDate(x.last_used_at)),
      h('td', {}, x.revoked ? t('admin.tokens.revoked') : t('admin.tokens.valid')),
      h('td', {}, x.revoked ? null : h('button', {type: 'button', class: 'secondary', onclick: async () => {
        try { await post(`/api/v1/api-tokens/${x.id}/revoke`); clear(box); await apiTokensTab(box); }
        catch (ex) { toast(errorText(ex), 'bad'); }
      }}, t('admin.tokens.revoke')))))))
    : h('p', {}, t('admin.api.none')));
}

// Dates typed as "2026-11-29" (local midnight) → seconds since 1970.
const toEpoch = (v, endOfDay) => (v ? Math.floor(new Date(`${v}T${endOfDay ? '23:59:59' : '00:00:00'}`).getTime() / 1000) : undefined);

async function auditTab(box, query) {
  const f = {actor: query.get('acteur') || '', action: query.get('action') || '', since: query.get('du') || '', until: query.get('au') || ''};
  const actor = h('input', {name: 'actor', value: f.actor, 'data-testid': 'audit-actor'});
  const action = h('input', {name: 'action', value: f.action, 'data-testid': 'audit-action'});
  const since = h('input', {name: 'since', type: 'date', value: f.since});
  const until = h('input', {name: 'until', type: 'date', value: f.until});
  const verify = h('p', {'aria-live': 'polite', 'data-testid': 'audit-verify'});
  box.append(h('h2', {}, t('admin.audit.title')),
    h('form', {class: 'inline card', role: 'search', onsubmit: (e) => {
      e.preventDefault();
      const q = new URLSearchParams();
      if (actor.value.trim()) q.set('acteur', actor.value.trim());
      if (action.value.trim()) q.set('action', action.value.trim());
      if (since.value) q.set('du', since.value);
      if (until.value) q.set('au', until.value);
      navigate('/admin/journal', q);
    }}, field(t('admin.audit.actor'), actor), field(t('admin.audit.action'), action),
    field(t('admin.audit.since'), since), field(t('admin.audit.until'), until),
    h('button', {type: 'submit', 'data-testid': 'audit-filter'}, t('admin.audit.filter')),
    h('button', {type: 'button', class: 'secondary', onclick: async () => {
      verify.textContent = t('admin.audit.verifying');
      try {
        const r = await get('/api/v1/audit/verify');
        verify.textContent = r.ok === false ? t('admin.audit.broken', {id: r.first_bad_id ?? '?', reason: r.reason || ''})
          : t('admin.audit.intact', {n: formatNumber(r.records ?? 0)});
      } catch (ex) { verify.textContent = errorText(ex); }
    }}, t('admin.audit.verify'))), verify);
  const tbody = h('tbody', {});
  const more = h('button', {type: 'button', class: 'secondary'}, t('admin.audit.more'));
  const notice = h('p', {class: 'notice'});
  let before;
  const apiQuery = {actor: f.actor, action: f.action, since: toEpoch(f.since), until: toEpoch(f.until, true), limit: 100};
  const load = async () => {
    const res = await get('/api/v1/audit', {...apiQuery, before});
    const items = res.items || [];
    if (!items.length && !before) notice.textContent = t('admin.audit.none');
    for (const x of items) {
      tbody.append(h('tr', {}, h('td', {}, formatDate(x.at)), h('td', {}, x.actor), h('td', {}, x.action),
        h('td', {}, x.target || '—'), h('td', {}, x.source || '—'), h('td', {}, x.result)));
    }
    before = items.length ? items[items.length - 1].id : before;
    more.hidden = (res.items || []).length < 100;
  };
  more.addEventListener('click', () => load().catch((e) => toast(errorText(e), 'bad')));
  box.append(notice, h('table', {'data-testid': 'audit-table'},
    h('thead', {}, h('tr', {}, ['admin.audit.at', 'admin.audit.actor', 'admin.audit.action', 'admin.audit.target',
      'admin.audit.source', 'admin.audit.result'].map((k) => h('th', {scope: 'col'}, t(k))))), tbody), more);
  await load();
}
