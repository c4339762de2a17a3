// Services et tarifs: what the commune bills (unit, VAT category, absence rule) and the
// price grid by quotient-familial bracket and period. Editing a service changes future
// runs only: issued invoices are frozen.
import {get, post, put} from '../../../api.js';
import {h, field} from '../../../dom.js';
import {ft, euros, emptyRow, input, send, FormError} from './common.js';

const units = ['C62', 'HUR', 'DAY', 'MIN'];
const categories = ['E', 'O', 'S', 'Z'];

/** "5,5" → 550 (hundredths of a percent), or a FormError in French. */
function rateOf(text) {
  const m = /^(\d{1,3})(?:[.,](\d{1,2}))?$/.exec(text.trim());
  if (!m) throw new FormError(ft('services.rateInvalid'));
  const rate = Number(m[1]) * 100 + Number((m[2] || '0').padEnd(2, '0'));
  if (rate <= 0 || rate > 10000) throw new FormError(ft('services.rateInvalid'));
  return rate;
}

const rateText = (r) => (r ? `${(r / 100).toString().replace('.', ',')} %` : '—');

function serviceForm(ctx, service) {
  const s = service || {code: '', name: '', unit_code: 'C62', vat_category: 'E', vat_rate: 0, bill_unjustified_absence: true};
  const category = h('select', {name: 'vat_category', 'data-testid': 'fac-vat_category'},
    categories.map((c) => h('option', {value: c, selected: c === s.vat_category}, ft(`vat.${c}`))));
  const rate = input('vat_rate', {inputmode: 'decimal', placeholder: '5,5', value: s.vat_rate ? String(s.vat_rate / 100).replace('.', ',') : ''});
  const rateField = field(ft('services.rate'), rate);
  const showRate = () => { rateField.hidden = category.value !== 'S'; };
  category.addEventListener('change', showRate);
  showRate();
  const absence = h('input', {type: 'checkbox', name: 'bill_unjustified_absence', 'data-testid': 'fac-bill_unjustified_absence',
    checked: s.bill_unjustified_absence});
  const form = h('form', {class: 'card', 'data-testid': service ? 'fac-service-edit' : 'fac-service-form'},
    h('h3', {}, service ? ft('services.edit', {name: s.name}) : ft('services.add')),
    field(ft('services.code'), input('code', {required: true, pattern: '[a-z_]+', maxlength: 40, placeholder: 'cantine', value: s.code})),
    field(ft('services.name'), input('name', {required: true, maxlength: 200, placeholder: 'Restauration scolaire', value: s.name})),
    field(ft('services.unit'), h('select', {name: 'unit_code', 'data-testid': 'fac-unit_code'},
      units.map((u) => h('option', {value: u, selected: u === s.unit_code}, ft(`unit.${u}`))))),
    field(ft('services.vat'), category), rateField,
    h('p', {class: 'hint'}, ft('services.vatHelp')),
    h('div', {class: 'field'}, h('label', {}, absence, ' ', ft('services.absence'))),
    h('button', {type: 'submit', 'data-testid': service ? 'fac-service-update' : 'fac-service-save'}, ft('save')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const d = Object.fromEntries(new FormData(form));
    send(form, () => {
      if (!/^[a-z_]+$/.test(d.code)) throw new FormError(ft('services.codeInvalid'));
      const body = {code: d.code, name: d.name.trim(), unit_code: d.unit_code, vat_category: d.vat_category,
        vat_rate: d.vat_category === 'S' ? rateOf(d.vat_rate || '') : 0, bill_unjustified_absence: absence.checked};
      if (!body.name) throw new FormError(ft('services.nameMissing'));
      return service ? put(`${ctx.base}/services/${service.id}`, body) : post(`${ctx.base}/services`, body);
    }, (r) => ft(service ? 'services.updated' : 'services.created', {name: r.name}));
  });
  return form;
}

function priceForm(ctx, services) {
  const form = h('form', {class: 'card', 'data-testid': 'fac-price-form'},
    h('h3', {}, ft('prices.add')),
    field(ft('prices.service'), h('select', {name: 'service_id', 'data-testid': 'fac-price-service'},
      services.map((s) => h('option', {value: s.id}, s.name)))),
    field(ft('prices.from'), input('valid_from', {type: 'date', required: true})),
    field(ft('prices.to'), input('valid_to', {type: 'date'})),
    field(ft('prices.qfMin'), input('qf_min', {type: 'number', min: 0, value: 0})),
    field(ft('prices.qfMax'), input('qf_max', {type: 'number', min: 0})),
    field(ft('prices.price'), input('unit_price', {required: true, inputmode: 'decimal', placeholder: '2,90'})),
    h('button', {type: 'submit', 'data-testid': 'fac-price-save'}, ft('save')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const d = Object.fromEntries(new FormData(form));
    send(form, () => {
      const price = d.unit_price.trim().replace(',', '.');
      if (!/^\d+(\.\d{1,4})?$/.test(price)) throw new FormError(ft('prices.priceInvalid'));
      if (d.qf_max && Number(d.qf_max) < Number(d.qf_min || 0)) throw new FormError(ft('prices.bracketInvalid'));
      if (d.valid_to && d.valid_to < d.valid_from) throw new FormError(ft('prices.periodInvalid'));
      const body = {service_id: Number(d.service_id), valid_from: d.valid_from, qf_min: Number(d.qf_min || 0), unit_price: price};
      if (d.qf_max) body.qf_max = Number(d.qf_max);
      if (d.valid_to) body.valid_to = d.valid_to;
      return post(`${ctx.base}/prices`, body);
    }, () => ft('prices.created'));
  });
  return form;
}

export async function render(view, ctx) {
  const [services, prices] = await Promise.all([get(`${ctx.base}/services`), get(`${ctx.base}/prices`)]);
  const secretary = ctx.roles.includes('secretaire') || ctx.roles.includes('ordonnateur');
  const editing = h('div', {'data-testid': 'fac-service-editor'});
  view.append(h('h2', {}, ft('services.title')));
  if (!services.items.length) view.append(h('p', {class: 'notice'}, ft('services.none')));
  view.append(h('table', {'data-testid': 'fac-services'},
      h('thead', {}, h('tr', {}, ['services.code', 'services.name', 'services.unit', 'services.vat', 'services.rate', 'services.absenceShort', 'col.actions']
        .map((k) => h('th', {scope: 'col'}, ft(k))))),
      h('tbody', {}, services.items.length ? services.items.map((s) => h('tr', {'data-service': s.code},
        h('td', {}, s.code), h('td', {}, s.name), h('td', {}, ft(`unit.${s.unit_code}`)), h('td', {}, ft(`vat.${s.vat_category}`)),
        h('td', {}, rateText(s.vat_rate)), h('td', {}, ft(s.bill_unjustified_absence ? 'yes' : 'no')),
        h('td', {}, secretary ? h('button', {type: 'button', class: 'secondary', 'data-testid': 'fac-service-modify',
          onclick: () => { editing.replaceChildren(serviceForm(ctx, s)); editing.scrollIntoView(); }}, ft('modify')) : null))) : emptyRow(7))),
    editing);
  const serviceName = (id) => (services.items.find((s) => s.id === id) || {}).name || `#${id}`;
  view.append(h('h3', {}, ft('prices.title')),
    h('table', {'data-testid': 'fac-prices'},
      h('thead', {}, h('tr', {}, ['prices.service', 'prices.from', 'prices.to', 'prices.qfMin', 'prices.qfMax', 'prices.price']
        .map((k) => h('th', {scope: 'col'}, ft(k))))),
      h('tbody', {}, prices.items.length ? prices.items.map((p) => h('tr', {},
        h('td', {}, serviceName(p.service_id)), h('td', {}, p.valid_from), h('td', {}, p.valid_to || '—'),
        h('td', {}, String(p.qf_min)), h('td', {}, p.qf_max === null ? '—' : String(p.qf_max)),
        h('td', {class: 'num'}, euros(p.unit_price)))) : emptyRow(6))));
  if (secretary) view.append(h('div', {class: 'grid2'}, serviceForm(ctx, null), services.items.length ? priceForm(ctx, services.items) : null));
}
