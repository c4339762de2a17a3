// Familles: payers, their quotient familial (with its history), SEPA mandate, children.
// Services and the price grid are on their own tab (services.js).
import {get, post, put} from '../../../api.js';
import {h, field} from '../../../dom.js';
import {ft, emptyRow, input, send, FormError} from './common.js';

async function submit(e, form, request, message) {
  e.preventDefault();
  send(form, request, message);
}

// A public body paying (another commune, an intercommunality): its SIRET makes the invoice
// a B2G one for Chorus Pro, with its service code and commitment number.
function publicBody(f = {}) {
  return h('fieldset', {}, h('legend', {}, ft('families.public')),
    h('p', {class: 'hint'}, ft('families.publicHelp')),
    field(ft('families.siret'), input('siret', {inputmode: 'numeric', pattern: '[0-9]{14}', maxlength: 14, value: f.siret || ''})),
    field(ft('families.serviceCode'), input('service_code', {maxlength: 100, value: f.service_code || ''})),
    field(ft('families.engagement'), input('engagement', {maxlength: 50, value: f.engagement || ''})));
}

// Edits a family: address, e-mail, mandate; a new quotient takes effect from a date (the
// earlier ones stay for the months they covered).
function editForm(ctx, f) {
  const form = h('form', {class: 'card', 'data-testid': 'fac-family-edit'},
    h('h3', {}, ft('families.edit', {name: f.payer_name})),
    field(ft('families.payer'), input('payer_name', {required: true, maxlength: 200, value: f.payer_name})),
    field(ft('families.address'), input('address_line1', {value: f.address_line1})),
    field(ft('families.postcode'), input('postcode', {maxlength: 10, value: f.postcode})),
    field(ft('families.city'), input('city', {value: f.city})),
    field(ft('families.email'), input('email', {type: 'email', value: f.email})),
    field(ft('families.iban'), input('iban', {value: f.iban})),
    field(ft('families.mandate'), input('mandate_reference', {maxlength: 35, value: f.mandate_reference})),
    field(ft('families.mandateDate'), input('mandate_date', {type: 'date', value: f.mandate_date})),
    publicBody(f),
    h('fieldset', {}, h('legend', {}, ft('families.newQf')),
      h('p', {class: 'hint'}, ft('families.qfHistory', {list: f.quotients.map((q) => `${q.quotient} (${ft('families.since')} ${q.valid_from})`).join(', ') || '—'})),
      field(ft('families.qf'), input('quotient', {type: 'number', min: 0, max: 99999})),
      field(ft('families.qfFrom'), input('quotient_from', {type: 'date'}))),
    h('button', {type: 'submit', 'data-testid': 'fac-family-update'}, ft('save')));
  form.addEventListener('submit', (e) => {
    const d = Object.fromEntries(new FormData(form));
    submit(e, form, () => {
      const body = {...d};
      delete body.quotient;
      delete body.quotient_from;
      if (d.quotient !== '' || d.quotient_from !== '') {
        if (d.quotient === '' || d.quotient_from === '') throw new FormError(ft('families.qfBoth'));
        body.quotient = Number(d.quotient);
        body.quotient_from = d.quotient_from;
      }
      return put(`${ctx.base}/families/${f.id}`, body);
    }, (r) => ft('families.updated', {name: r.payer_name}));
  });
  return form;
}

export async function render(view, ctx) {
  const [families, children] = await Promise.all([get(`${ctx.base}/families`), get(`${ctx.base}/children`)]);
  const kids = (id) => children.items.filter((c) => c.family_id === id).map((c) => `${c.first_name} ${c.last_name}`).join(', ');
  const qf = (f) => (f.quotients.length ? f.quotients[f.quotients.length - 1].quotient : '—');
  const secretary = ctx.roles.includes('secretaire') || ctx.roles.includes('ordonnateur');
  const editing = h('div', {'data-testid': 'fac-family-editor'});
  view.append(h('h2', {}, ft('families.title')),
    h('table', {'data-testid': 'fac-families'},
      h('thead', {}, h('tr', {}, ['families.payer', 'families.address', 'families.qf', 'families.children', 'families.mandate', 'col.actions']
        .map((k) => h('th', {scope: 'col'}, ft(k))))),
      h('tbody', {}, families.items.length ? families.items.map((f) => h('tr', {'data-family-id': f.id},
        h('td', {}, f.payer_name), h('td', {}, [f.address_line1, f.postcode, f.city].filter(Boolean).join(' ')),
        h('td', {'data-testid': 'fac-family-qf'}, String(qf(f))), h('td', {}, kids(f.id)), h('td', {}, f.mandate_reference || '—'),
        h('td', {}, secretary ? h('button', {type: 'button', class: 'secondary', 'data-testid': 'fac-family-modify',
          onclick: () => { editing.replaceChildren(editForm(ctx, f)); editing.scrollIntoView(); }}, ft('modify')) : null))) : emptyRow(6))),
    editing);
  if (!secretary) return;

  const fam = h('form', {class: 'card', 'data-testid': 'fac-family-form'},
    h('h3', {}, ft('families.add')),
    field(ft('families.payer'), input('payer_name', {required: true, maxlength: 200})),
    field(ft('families.address'), input('address_line1')),
    field(ft('families.postcode'), input('postcode', {maxlength: 10})),
    field(ft('families.city'), input('city')),
    field(ft('families.email'), input('email', {type: 'email'})),
    field(ft('families.qf'), input('quotient', {type: 'number', min: 0, required: true})),
    field(ft('families.iban'), input('iban')),
    field(ft('families.mandate'), input('mandate_reference', {maxlength: 35})),
    field(ft('families.mandateDate'), input('mandate_date', {type: 'date'})),
    publicBody(),
    h('button', {type: 'submit', 'data-testid': 'fac-family-save'}, ft('save')));
  fam.addEventListener('submit', (e) => {
    const d = Object.fromEntries(new FormData(fam));
    const body = {...d, quotient: Number(d.quotient)};
    for (const k of ['iban', 'mandate_reference', 'mandate_date', 'email', 'siret', 'service_code', 'engagement']) if (!body[k]) delete body[k];
    submit(e, fam, () => post(`${ctx.base}/families`, body), (r) => ft('families.created', {name: r.payer_name}));
  });

  const familySelect = h('select', {name: 'family_id', 'data-testid': 'fac-child-family', required: true},
    families.items.map((f) => h('option', {value: f.id}, f.payer_name)));
  const child = h('form', {class: 'card', 'data-testid': 'fac-child-form'},
    h('h3', {}, ft('children.add')),
    field(ft('children.family'), familySelect),
    field(ft('children.first'), input('first_name', {required: true})),
    field(ft('children.last'), input('last_name', {required: true})),
    h('button', {type: 'submit', 'data-testid': 'fac-child-save'}, ft('save')));
  child.addEventListener('submit', (e) => {
    const d = Object.fromEntries(new FormData(child));
    submit(e, child, () => post(`${ctx.base}/children`, {...d, family_id: Number(d.family_id)}),
      (r) => ft('children.created', {name: `${r.first_name} ${r.last_name}`}));
  });
  view.append(h('div', {class: 'grid2'}, fam, families.items.length ? child : null));
}
