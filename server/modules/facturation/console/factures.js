// Factures: the month's invoices and credit notes, their Factur-X XML and PDF, credit
// notes for the ordonnateur, the revenue-titles export and the SEPA direct-debit file.
import {get, post, ApiError} from '../../../api.js';
import {h, field, toast} from '../../../dom.js';
import {errorText, navigate} from '../../../nav.js';
import {render as rerender} from '../../../main.js';
import {ft, euros, monthPicker, emptyRow} from './common.js';

// Documents come through the API (cookie or bearer), then are offered as a download.
export async function download(path, filename) {
  try {
    const res = await fetch(path, {credentials: 'same-origin', cache: 'no-store'});
    if (!res.ok) {  // the server's reason (e.g. "aucun prélèvement à présenter…")
      let message = '';
      try { const data = await res.json(); message = data.message || data.error?.message || ''; } catch { /* not JSON */ }
      throw new ApiError(res.status, '', message);
    }
    const url = URL.createObjectURL(await res.blob());
    const a = h('a', {href: url, download: filename});
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  } catch (e) { toast(errorText(e), 'bad'); }
}

export async function render(view, ctx) {
  const res = await get(`${ctx.base}/invoices`, {month: ctx.month});
  const ordonnateur = ctx.roles.includes('ordonnateur');
  view.append(h('h2', {}, ft('invoices.title')),
    h('div', {class: 'toolbar'}, monthPicker(ctx.month, (m) =>
      navigate(`/modules/facturation/${ctx.tenant}/factures`, new URLSearchParams({mois: m})))));
  view.append(h('table', {'data-testid': 'fac-invoices'},
    h('thead', {}, h('tr', {}, ['col.number', 'col.type', 'col.family', 'col.date', 'col.total', 'col.due', 'col.documents', 'col.actions']
      .map((k) => h('th', {scope: 'col'}, ft(k))))),
    h('tbody', {}, res.items.length ? res.items.map((i) => h('tr', {'data-invoice': i.number},
      h('td', {'data-testid': 'fac-invoice-number'}, i.number), h('td', {}, ft(`type.${i.type_code}`)),
      h('td', {}, i.payer.name), h('td', {}, i.issue_date), h('td', {class: 'num'}, euros(i.total)),
      h('td', {class: 'num'}, euros(i.due)),
      h('td', {}, h('button', {type: 'button', class: 'link', onclick: () => download(`${ctx.base}/invoices/${i.id}.pdf`, `${i.number}.pdf`)}, 'PDF'),
        ' ', h('button', {type: 'button', class: 'link', onclick: () => download(`${ctx.base}/invoices/${i.id}.xml`, `${i.number}.xml`)}, 'XML')),
      h('td', {}, ordonnateur && i.type_code === '380' && i.total !== i.credited ? h('button', {type: 'button', class: 'secondary',
        'data-testid': 'fac-credit', onclick: async () => {
          const reason = window.prompt(ft('invoices.creditReason'));
          if (!reason) return;
          try {
            const note = await post(`${ctx.base}/invoices/${i.id}/credit-notes`, {reason});
            toast(ft('invoices.credited', {number: note.number}));
            await rerender();
          } catch (e) { toast(errorText(e), 'bad'); }
        }}, ft('invoices.credit')) : null))) : emptyRow(8))));
  const collection = h('input', {type: 'date', 'data-testid': 'fac-sepa-date'});
  view.append(h('div', {class: 'toolbar'},
    h('button', {type: 'button', class: 'secondary', 'data-testid': 'fac-export', onclick: () =>
      download(`${ctx.base}/exports/titles.csv?month=${ctx.month}`, `titres-${ctx.month}.csv`)}, ft('invoices.export')),
    ctx.roles.includes('regisseur') || ordonnateur ? [field(ft('invoices.collection'), collection),
      h('button', {type: 'button', class: 'secondary', 'data-testid': 'fac-sepa', onclick: () => {
        if (collection.value) download(`${ctx.base}/sepa/pain008?month=${ctx.month}&collection_date=${collection.value}`, `prelevements-${ctx.month}.xml`);
      }}, ft('invoices.sepa'))] : null));
}
