// The script library (#/scripts): what technicians may run, signed, on the PCs.
// Administrators add and remove scripts and switch scripts off per tenant.
import {get, post, put, del} from '../api.js';
import {h, clear, field, toast} from '../dom.js';
import {formatDate} from '../format.js';
import {t} from '../i18n.js';
import {errorText} from '../nav.js';
import {can} from '../session.js';
import {tenantsById, tenantName} from '../tenants.js';

export async function render(view) {
  view.append(h('h1', {}, t('scripts.title')), h('p', {}, t('scripts.intro')));
  const list = h('div', {'data-testid': 'script-list'});
  const tenants = await tenantsById();
  if (can('scripts.write')) view.append(addForm(tenants, () => draw(list, tenants)), policies(tenants));
  view.append(list);
  await draw(list, tenants);
}

async function draw(box, tenants) {
  const items = (await get('/api/v1/scripts')).items || [];
  clear(box);
  if (!items.length) {
    box.append(h('p', {class: 'notice'}, t('scripts.none')));
    return;
  }
  box.append(h('table', {'data-testid': 'script-table'},
    h('thead', {}, h('tr', {}, ['scripts.name', 'scripts.scope', 'scripts.sha256', 'scripts.by', 'scripts.at', '']
      .map((k) => h('th', {scope: 'col'}, k ? t(k) : '')))),
    h('tbody', {}, items.map((s) => h('tr', {},
      h('td', {}, h('details', {ontoggle: async (e) => {
        if (!e.target.open || e.target.dataset.loaded) return;
        e.target.dataset.loaded = '1';
        try {
          e.target.append(h('pre', {class: 'output'}, (await get(`/api/v1/scripts/${s.id}`)).body));
        } catch (err) {
          e.target.append(h('p', {class: 'error'}, errorText(err)));
        }
      }}, h('summary', {}, s.name), s.description ? h('p', {}, s.description) : null)),
      h('td', {}, s.tenant_id ? tenantName(tenants, s.tenant_id) : t('scripts.global')),
      h('td', {class: 'mono', title: s.sha256}, s.sha256.slice(0, 12)),
      h('td', {}, s.created_by), h('td', {}, formatDate(s.created_at)),
      h('td', {}, can('scripts.write') ? h('button', {type: 'button', class: 'danger', onclick: async () => {
        if (!window.confirm(t('scripts.removeConfirm', {name: s.name}))) return;
        try {
          await del(`/api/v1/scripts/${s.id}`);
          toast(t('scripts.removed', {name: s.name}));
          await draw(box, tenants);
        } catch (err) {
          toast(errorText(err), 'bad');
        }
      }}, t('scripts.remove')) : null))))));
}

function addForm(tenants, done) {
  const name = h('input', {name: 'name', required: true, maxlength: '100', 'data-testid': 'script-name'});
  const description = h('input', {name: 'description', maxlength: '1000'});
  const scope = h('select', {name: 'tenant'}, h('option', {value: ''}, t('scripts.global')),
    [...tenants.values()].map((x) => h('option', {value: x.id}, x.name)));
  const body = h('textarea', {name: 'body', required: true, rows: 8, class: 'mono', 'data-testid': 'script-body',
    placeholder: '#!/bin/sh\n'});
  const err = h('p', {class: 'error', 'aria-live': 'polite'});
  return h('form', {class: 'card', onsubmit: async (e) => {
    e.preventDefault();
    err.textContent = '';
    const req = {name: name.value.trim(), body: body.value, language: 'sh', description: description.value.trim()};
    if (scope.value) req.tenant_id = Number(scope.value);
    try {
      await post('/api/v1/scripts', req);
      toast(t('scripts.added', {name: req.name}));
      name.value = ''; body.value = ''; description.value = '';
      await done();
    } catch (ex) {
      err.textContent = ex.status === 409 ? t('scripts.exists') : errorText(ex);
    }
  }}, h('h2', {}, t('scripts.add')), field(t('scripts.name'), name), field(t('scripts.description'), description),
  field(t('scripts.scope'), scope), field(t('scripts.body'), body), h('button', {type: 'submit'}, t('scripts.save')), err);
}

// Per tenant: may scripts run on its PCs at all (each PC may still refuse them).
function policies(tenants) {
  const box = h('div', {class: 'card'}, h('h2', {}, t('scripts.policy')), h('p', {}, t('scripts.policyIntro')));
  for (const x of tenants.values()) {
    const box2 = h('input', {type: 'checkbox', 'data-tenant': x.id, onchange: async (e) => {
      try {
        await put(`/api/v1/tenants/${x.id}/scripts-policy`, {scripts_enabled: e.target.checked});
        toast(t(e.target.checked ? 'scripts.policyOn' : 'scripts.policyOff', {name: x.name}));
      } catch (err) {
        e.target.checked = !e.target.checked;
        toast(errorText(err), 'bad');
      }
    }});
    get(`/api/v1/tenants/${x.id}/scripts-policy`).then((p) => { box2.checked = p.scripts_enabled; }, () => {});
    box.append(h('label', {class: 'check'}, box2, ' ', x.name));
  }
  return box;
}
