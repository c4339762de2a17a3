// Prélèvements: the SEPA direct-debit files already generated, and the bank's answer for
// each: collected debits become payments, rejected ones (with the bank's reason code) owe
// again and, when the reason allows it, go into the next file (FRST/RCUR chosen by the
// server).
import {get, post} from '../../../api.js';
import {h, field} from '../../../dom.js';
import {ft, euros, emptyRow, send} from './common.js';
import {download} from './factures.js';

function debitRow(d) {
  const status = d.status === 'rejected' ? ft('debits.rejectedBecause', {code: d.reason_code, label: d.reason_label}) : ft(`debits.${d.status}`);
  return h('tr', {'data-invoice': d.invoice_number},
    h('td', {}, d.invoice_number), h('td', {}, d.end_to_end_id), h('td', {}, d.sequence_type),
    h('td', {class: 'num'}, euros(d.amount)), h('td', {'data-testid': 'fac-debit-status'}, status), h('td', {}, d.settled_on || '—'));
}

// The bank's answer: one choice per debit still awaiting it (collected, or rejected with a code).
function answerForm(file, reasons, ctx) {
  const awaiting = file.debits.filter((d) => d.status === 'presented');
  const choices = awaiting.map((d) => h('select', {name: `debit-${d.invoice_id}`, 'data-invoice': d.invoice_number,
    'data-testid': 'fac-debit-answer', 'aria-label': ft('debits.answerFor', {number: d.invoice_number})},
  h('option', {value: ''}, ft('debits.collected')),
  reasons.map((r) => h('option', {value: r.code}, ft('debits.rejectOption', {code: r.code, label: r.label})))));
  const date = h('input', {type: 'date', name: 'settled_on', required: true, 'data-testid': 'fac-settled-on'});
  const form = h('form', {class: 'card', 'data-testid': 'fac-settlement-form'}, h('h4', {}, ft('debits.answer')),
    field(ft('debits.settledOn'), date),
    awaiting.map((d, k) => field(`${d.invoice_number} — ${euros(d.amount)} €`, choices[k])),
    h('button', {type: 'submit', 'data-testid': 'fac-settlement-save'}, ft('debits.record')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const rejections = awaiting.map((d, k) => ({invoice_id: d.invoice_id, reason_code: choices[k].value}))
      .filter((r) => r.reason_code);
    send(form, () => post(`${ctx.base}/sepa/files/${file.id}/settlement`, {settled_on: date.value, rejections}),
      (done) => ft('debits.recorded', {collected: done.collected, rejected: done.rejected, amount: euros(done.collected_amount)}));
  });
  return form;
}

export async function render(view, ctx) {
  const [files, reasons] = await Promise.all([get(`${ctx.base}/sepa/files`), get(`${ctx.base}/sepa/reject-reasons`)]);
  const regie = ctx.roles.includes('regisseur') || ctx.roles.includes('ordonnateur');
  view.append(h('h2', {}, ft('debits.title')), h('p', {}, ft('debits.help')));
  if (!files.items.length) view.append(h('p', {}, ft('debits.none')));
  for (const f of files.items) {
    view.append(h('section', {class: 'card', 'data-testid': 'fac-sepa-file', 'data-message-id': f.message_id},
      h('h3', {}, ft('debits.file', {id: f.message_id, date: f.collection_date, total: euros(f.total)})),
      regie ? h('button', {type: 'button', class: 'secondary', 'data-testid': 'fac-sepa-again',
        onclick: () => download(`${ctx.base}/sepa/files/${f.id}/pain008`, `prelevements-${f.month}-${f.id}.xml`)},
      ft('debits.download')) : null,
      h('table', {},
        h('thead', {}, h('tr', {}, ['col.number', 'debits.e2e', 'debits.sequence', 'col.amount', 'debits.status', 'debits.settledOn']
          .map((k) => h('th', {scope: 'col'}, ft(k))))),
        h('tbody', {}, f.debits.length ? f.debits.map(debitRow) : emptyRow(6))),
      regie && f.awaiting_answer ? answerForm(f, reasons.items, ctx) : null));
  }
}
