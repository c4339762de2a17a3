// Soldes: what each family owes, and the reminder letters of overdue invoices.
import {get} from '../../../api.js';
import {h} from '../../../dom.js';
import {ft, euros, emptyRow} from './common.js';

export async function render(view, ctx) {
  const [balances, reminders] = await Promise.all([get(`${ctx.base}/balances`), get(`${ctx.base}/reminders`)]);
  view.append(h('h2', {}, ft('balances.title')),
    h('table', {'data-testid': 'fac-balances'},
      h('thead', {}, h('tr', {}, ['col.family', 'col.invoiced', 'col.credited', 'col.paid', 'col.refunded', 'col.due']
        .map((k) => h('th', {scope: 'col'}, ft(k))))),
      h('tbody', {}, balances.items.length ? balances.items.map((b) => h('tr', {'data-family-id': b.family_id},
        h('td', {}, b.payer_name), h('td', {class: 'num'}, euros(b.invoiced)), h('td', {class: 'num'}, euros(b.credited)),
        h('td', {class: 'num'}, euros(b.paid)), h('td', {class: 'num'}, euros(b.refunded)),
        h('td', {class: 'num', 'data-testid': 'fac-balance-due'}, euros(b.due)))) : emptyRow(6))),
    h('p', {'data-testid': 'fac-total-due'}, ft('balances.total', {total: euros(balances.total_due)})),
    h('h2', {}, ft('reminders.title')));
  if (!reminders.items.length) { view.append(h('p', {}, ft('reminders.none'))); return; }
  for (const r of reminders.items) {
    view.append(h('details', {'data-testid': 'fac-reminder'}, h('summary', {}, `${r.payer_name} — ${euros(r.total_due)} €`),
      h('pre', {}, r.text)));
  }
}
