// Familles: payers, their quotient familial, SEPA mandate, children; services and price grid.
import {get, post} from '../../../api.js';
import {h, field, toast} from '../../../dom.js';
import {errorText} from '../../../nav.js';
import {render as rerender} from '../../../main.js';
import {ft, euros, emptyRow} from './common.js';

function input(name, attrs = {}) {
  return h('input', {name, 'data-testid': `fac-${name}`, ...attrs});
}

async function submit(e, path, body, message) {
  e.preventDefault();
  try {
    const res = await post(path, body);
    toast(message(res));
    await rerender();
  } catch (err) {
    toast(errorText(err), 'bad');
  }
}

export async function render(view, ctx) {
  const [families, children, services, prices] = await Promise.all([
    get(`${ctx.base}/families`), get(`${ctx.base}/children`), get(`${ctx.base}/services`), get(`${ctx.base}/prices`)]);
  const kids = (id) => children.items.filter((c) => c.family_id === id).map((c) => `${c.first_name} ${c.last_name}`).join(', ');
  const qf = (f) => (f.quotients.length ? f.quotients[f.quotients.length - 1].quotient : '—');
  view.append(h('h2', {}, ft('families.title')),
    h('table', {'data-testid': 'fac-families'},
      h('thead', {}, h('tr', {}, ['families.payer', 'families.address', 'families.qf', 'families.children', 'families.mandate']
        .map((k) => h('th', {scope: 'col'}, ft(k))))),
      h('tbody', {}, families.items.length ? families.items.map((f) => h('tr', {'data-family-id': f.id},
        h('td', {}, f.payer_name), h('td', {}, [f.address_line1, f.postcode, f.city].filter(Boolean).join(' ')),
        h('td', {}, String(qf(f))), h('td', {}, kids(f.id)), h('td', {}, f.mandate_reference || '—'))) : emptyRow(5))));

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
    h('button', {type: 'submit', 'data-testid': 'fac-family-save'}, ft('save')));
  fam.addEventListener('submit', (e) => {
    const d = Object.fromEntries(new FormData(fam));
    const body = {...d, quotient: Number(d.quotient)};
    for (const k of ['iban', 'mandate_reference', 'mandate_date', 'email']) if (!body[k]) delete body[k];
    submit(e, `${ctx.base}/families`, body, (r) => ft('families.created', {name: r.payer_name}));
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
    submit(e, `${ctx.base}/children`, {...d, family_id: Number(d.family_id)},
      (r) => ft('children.created', {name: `${r.first_name} ${r.last_name}`}));
  });
  view.append(h('div', {class: 'grid2'}, fam, families.items.length ? child : null));

  // Services and the price grid.
  const serviceName = (id) => (services.items.find((s) => s.id === id) || {}).name || `#${id}`;
  view.append(h('h2', {}, ft('services.title')),
    services.items.length ? null : h('p', {class: 'notice'}, ft('services.none')),
    h('table', {'data-testid': 'fac-prices'},
      h('thead', {}, h('tr', {}, ['prices.service', 'prices.from', 'prices.to', 'prices.qfMin', 'prices.qfMax', 'prices.price']
        .map((k) => h('th', {scope: 'col'}, ft(k))))),
      h('tbody', {}, prices.items.length ? prices.items.map((p) => h('tr', {},
        h('td', {}, serviceName(p.service_id)), h('td', {}, p.valid_from), h('td', {}, p.valid_to || '—'),
        h('td', {}, String(p.qf_min)), h('td', {}, p.qf_max === null ? '—' : String(p.qf_max)),
        h('td', {}, euros(p.unit_price)))) : emptyRow(6))));
  const svc = h('form', {class: 'card', 'data-testid': 'fac-service-form'},
    h('h3', {}, ft('services.add')),
    field(ft('services.code'), input('code', {required: true, pattern: '[a-z_]+', placeholder: 'cantine'})),
    field(ft('services.name'), input('name', {required: true, placeholder: 'Restauration scolaire'})),
    h('button', {type: 'submit', 'data-testid': 'fac-service-save'}, ft('save')));
  svc.addEventListener('submit', (e) => submit(e, `${ctx.base}/services`, Object.fromEntries(new FormData(svc)), (r) => r.name));
  const price = h('form', {class: 'card', 'data-testid': 'fac-price-form'},
    h('h3', {}, ft('prices.add')),
    field(ft('prices.service'), h('select', {name: 'service_id', 'data-testid': 'fac-price-service'},
      services.items.map((s) => h('option', {value: s.id}, s.name)))),
    field(ft('prices.from'), input('valid_from', {type: 'date', required: true})),
    field(ft('prices.qfMin'), input('qf_min', {type: 'number', min: 0, value: 0})),
    field(ft('prices.qfMax'), input('qf_max', {type: 'number', min: 0})),
    field(ft('prices.price'), input('unit_price', {required: true, inputmode: 'decimal', placeholder: '2,90'})),
    h('button', {type: 'submit', 'data-testid': 'fac-price-save'}, ft('save')));
  price.addEventListener('submit', (e) => {
    const d = Object.fromEntries(new FormData(price));
    const body = {service_id: Number(d.service_id), valid_from: d.valid_from, qf_min: Number(d.qf_min || 0),
      unit_price: d.unit_price};
    if (d.qf_max) body.qf_max = Number(d.qf_max);
    submit(e, `${ctx.base}/prices`, body, () => ft('prices.add'));
  });
  view.append(h('div', {class: 'grid2'}, svc, services.items.length ? price : null));
}
