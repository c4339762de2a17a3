// Paiements: what the régisseur cashed (cash, cheque, card, direct debit, transfer), and
// refunds of what a family paid beyond what it owed.
import {get, post} from '../../../api.js';
import {h, field} from '../../../dom.js';
import {ft, euros, emptyRow, send} from './common.js';

const methods = ['cash', 'cheque', 'card', 'sepa_direct_debit', 'transfer'];

export async function render(view, ctx) {
  const [payments, families, invoices] = await Promise.all([
    get(`${ctx.base}/payments`), get(`${ctx.base}/families`), get(`${ctx.base}/invoices`)]);
  const name = (id) => (families.items.find((f) => f.id === id) || {}).payer_name || `#${id}`;
  const number = (id) => (invoices.items.find((i) => i.id === id) || {}).number || '—';
  view.append(h('h2', {}, ft('payments.title')),
    h('table', {'data-testid': 'fac-payments'},
      h('thead', {}, h('tr', {}, ['col.date', 'col.family', 'payments.invoice', 'col.method', 'col.amount', 'col.reference']
        .map((k) => h('th', {scope: 'col'}, ft(k))))),
      h('tbody', {}, payments.items.length ? payments.items.map((p) => h('tr', {},
        h('td', {}, p.paid_on), h('td', {}, name(p.family_id)), h('td', {}, number(p.invoice_id)),
        h('td', {}, ft(`method.${p.method}`)), h('td', {class: 'num'}, euros(p.amount)), h('td', {}, p.reference))) : emptyRow(6))));
  if (!ctx.roles.includes('regisseur') && !ctx.roles.includes('ordonnateur')) return;
  const open = invoices.items.filter((i) => i.type_code === '380' && i.due !== '0.00');
  const invoiceSelect = h('select', {name: 'invoice_id', 'data-testid': 'fac-pay-invoice', required: true},
    open.map((i) => h('option', {value: i.id}, `${i.number} — ${i.payer.name} — ${euros(i.due)} €`)));
  const form = h('form', {class: 'card', 'data-testid': 'fac-payment-form'}, h('h3', {}, ft('payments.add')),
    field(ft('payments.invoice'), invoiceSelect),
    field(ft('payments.amount'), h('input', {name: 'amount', required: true, inputmode: 'decimal', 'data-testid': 'fac-pay-amount'})),
    field(ft('payments.method'), h('select', {name: 'method', 'data-testid': 'fac-pay-method'},
      methods.map((m) => h('option', {value: m}, ft(`method.${m}`))))),
    field(ft('col.reference'), h('input', {name: 'reference', maxlength: 140})),
    h('button', {type: 'submit', 'data-testid': 'fac-pay-save'}, ft('save')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const d = Object.fromEntries(new FormData(form));
    const inv = open.find((i) => i.id === Number(d.invoice_id));
    send(form, () => post(`${ctx.base}/payments`, {family_id: inv.family_id, invoice_id: inv.id,
      amount: d.amount.replace(',', '.'), method: d.method, reference: d.reference}), () => ft('payments.recorded'));
  });
  if (open.length) view.append(form);
  await renderRefunds(view, ctx, name);
}

// Refunds: listed for everyone with a role; the form offers the families in credit only.
async function renderRefunds(view, ctx, name) {
  const [refunds, balances] = await Promise.all([get(`${ctx.base}/refunds`), get(`${ctx.base}/balances`)]);
  view.append(h('h2', {}, ft('refunds.title')),
    h('table', {'data-testid': 'fac-refunds'},
      h('thead', {}, h('tr', {}, ['col.date', 'col.family', 'col.method', 'col.amount', 'refunds.reason']
        .map((k) => h('th', {scope: 'col'}, ft(k))))),
      h('tbody', {}, refunds.items.length ? refunds.items.map((r) => h('tr', {},
        h('td', {}, r.refunded_on), h('td', {}, name(r.family_id)), h('td', {}, ft(`method.refund.${r.method}`)),
        h('td', {class: 'num'}, euros(r.amount)), h('td', {}, r.reason))) : emptyRow(5))));
  const inCredit = balances.items.filter((b) => b.due.startsWith('-'));
  if (!inCredit.length || (!ctx.roles.includes('regisseur') && !ctx.roles.includes('ordonnateur'))) return;
  const family = h('select', {name: 'family_id', 'data-testid': 'fac-refund-family', required: true},
    inCredit.map((b) => h('option', {value: b.family_id}, `${b.payer_name} — ${euros(b.due.slice(1))} €`)));
  const form = h('form', {class: 'card', 'data-testid': 'fac-refund-form'}, h('h3', {}, ft('refunds.add')),
    field(ft('refunds.family'), family),
    field(ft('payments.amount'), h('input', {name: 'amount', required: true, inputmode: 'decimal', 'data-testid': 'fac-refund-amount'})),
    field(ft('payments.method'), h('select', {name: 'method'}, ['transfer', 'cheque', 'cash'].map((m) => h('option', {value: m}, ft(`method.refund.${m}`))))),
    field(ft('refunds.reason'), h('input', {name: 'reason', required: true, maxlength: 500, 'data-testid': 'fac-refund-reason'})),
    h('button', {type: 'submit', 'data-testid': 'fac-refund-save'}, ft('save')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const d = Object.fromEntries(new FormData(form));
    send(form, () => post(`${ctx.base}/refunds`, {family_id: Number(d.family_id), amount: d.amount.replace(',', '.'),
      method: d.method, reason: d.reason}), () => ft('refunds.recorded'));
  });
  view.append(form);
}
