// Administration of the modules (#/modules/administration, administrators of every
// tenant): activation per commune, the commune's profile (identifiers, bank details,
// ordonnateur) and the module roles of its staff.
import {get, put} from '../../api.js';
import {h, field, toast} from '../../dom.js';
import {errorText, navigate} from '../../nav.js';
import {forgetModules} from './nav.js';

const profileFields = [
  ['legal_name', 'Nom officiel (ex. Commune de Rodez)'], ['siret', 'SIRET'],
  ['vat_id', 'N° de TVA intracommunautaire'], ['address_line1', 'Adresse'], ['address_line2', "Complément d'adresse"],
  ['postcode', 'Code postal'], ['city', 'Commune'], ['email', 'Courriel'], ['phone', 'Téléphone'],
  ['iban', 'IBAN de la régie ou du comptable'], ['bic', 'BIC'], ['sepa_creditor_id', 'Identifiant créancier SEPA (ICS)'],
  ['ordonnateur_name', "Nom de l'ordonnateur"], ['ordonnateur_title', "Qualité de l'ordonnateur (ex. Maire)"],
  ['payment_days', 'Délai de paiement (jours)'],
];

export async function render(view, params, query) {
  view.append(h('h1', {}, 'Modules administratifs'));
  const [tenants, modules] = await Promise.all([get('/api/v1/tenants'), get('/api/v1/modules')]);
  if (!tenants.items.length) { view.append(h('p', {}, "Aucune commune : créez-en une dans l'administration.")); return; }
  const tenant = Number(query.get('commune')) || tenants.items[0].id;
  view.append(h('div', {class: 'toolbar'}, field('Commune', h('select', {'data-testid': 'mod-tenant',
    onchange: (e) => navigate('/modules/administration', new URLSearchParams({commune: e.target.value}))},
  tenants.items.map((t) => h('option', {value: t.id, selected: t.id === tenant}, t.name))))));

  // Activation.
  const active = await get(`/api/v1/tenants/${tenant}/modules`);
  const boxes = active.items.map((m) => h('label', {}, h('input', {type: 'checkbox', value: m.name, checked: m.active,
    'data-testid': `mod-active-${m.name}`}), ` ${m.title}`));
  view.append(h('h2', {}, 'Modules actifs'), h('div', {class: 'toolbar'}, boxes,
    h('button', {type: 'button', 'data-testid': 'mod-active-save', onclick: async () => {
      try {
        await put(`/api/v1/tenants/${tenant}/modules`,
          {active: boxes.map((b) => b.querySelector('input')).filter((i) => i.checked).map((i) => i.value)});
        forgetModules();
        toast('Modules enregistrés.');
      } catch (e) { toast(errorText(e), 'bad'); }
    }}, 'Enregistrer')));

  // Profile.
  const profile = await get(`/api/v1/tenants/${tenant}/profile`);
  const form = h('form', {class: 'card', 'data-testid': 'mod-profile'},
    h('p', {class: profile.commune_check === 'ok' ? 'muted' : 'notice'},
      `Code INSEE ${profile.insee_code} : ${profile.commune || (profile.commune_check === 'reference unavailable'
        ? 'référentiel des communes indisponible' : 'code inconnu du COG')}`),
    profileFields.map(([k, label]) => field(label, h('input', {name: k, value: String(profile[k] ?? ''),
      'data-testid': `mod-profile-${k}`, type: k === 'payment_days' ? 'number' : 'text'}))),
    h('button', {type: 'submit', 'data-testid': 'mod-profile-save'}, 'Enregistrer le profil'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = Object.fromEntries(new FormData(form));
    body.payment_days = Number(body.payment_days || 30);
    try {
      await put(`/api/v1/tenants/${tenant}/profile`, body);
      toast('Profil de la commune enregistré.');
    } catch (err) { toast(errorText(err), 'bad'); }
  });
  view.append(h('h2', {}, 'Profil de la commune'), form);

  // Module roles of the accounts that see this commune.
  const users = (await get('/api/v1/users')).items.filter((u) => u.tenants === null || u.tenants.includes(tenant));
  const catalogue = modules.modules || [];
  view.append(h('h2', {}, 'Rôles dans les modules'));
  const rows = [];
  for (const u of users) {
    const grants = (await get(`/api/v1/users/${u.id}/module-roles`)).items;
    const has = (m, r) => grants.some((g) => g.tenant_id === tenant && g.module === m && g.role === r);
    const checks = catalogue.flatMap((m) => m.roles.map((r) => h('label', {title: r.label},
      h('input', {type: 'checkbox', 'data-module': m.name, 'data-role': r.name, checked: has(m.name, r.name),
        'data-testid': `mod-role-${u.username}-${r.name}`}), ` ${r.name}`)));
    const save = h('button', {type: 'button', class: 'secondary', 'data-testid': `mod-roles-save-${u.username}`, onclick: async () => {
      const mine = checks.map((c) => c.querySelector('input')).filter((i) => i.checked)
        .map((i) => ({tenant_id: tenant, module: i.dataset.module, role: i.dataset.role}));
      const others = grants.filter((g) => g.tenant_id !== tenant);
      try {
        await put(`/api/v1/users/${u.id}/module-roles`, {roles: [...others, ...mine]});
        toast(`Rôles de ${u.username} enregistrés.`);
      } catch (e) { toast(errorText(e), 'bad'); }
    }}, 'Enregistrer');
    rows.push(h('tr', {}, h('td', {}, u.username), h('td', {}, checks), h('td', {}, save)));
  }
  view.append(h('table', {'data-testid': 'mod-roles'},
    h('thead', {}, h('tr', {}, ['Compte', 'Rôles', ''].map((x) => h('th', {scope: 'col'}, x)))),
    h('tbody', {}, rows.length ? rows : h('tr', {}, h('td', {colspan: 3}, 'Aucun compte pour cette commune.')))));
}
