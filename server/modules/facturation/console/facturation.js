// Facturation du mois: the preview (nothing numbered), then the issue by the ordonnateur.
import {get, post} from '../../../api.js';
import {h, field, toast} from '../../../dom.js';
import {errorText, navigate} from '../../../nav.js';
import {ft, euros, monthPicker, emptyRow} from './common.js';

export async function render(view, ctx) {
  const [preview, families] = await Promise.all([
    get(`${ctx.base}/billing/preview`, {month: ctx.month}), get(`${ctx.base}/families`)]);
  const name = (id) => (families.items.find((f) => f.id === id) || {}).payer_name || `#${id}`;
  view.append(h('h2', {}, ft('billing.title')),
    h('div', {class: 'toolbar'}, monthPicker(ctx.month, (m) =>
      navigate(`/modules/facturation/${ctx.tenant}/facturation`, new URLSearchParams({mois: m})))),
    h('h3', {}, ft('billing.preview')));
  const drafts = preview.items.filter((d) => d.lines.length);
  view.append(h('table', {'data-testid': 'fac-preview'},
    h('thead', {}, h('tr', {}, ['col.family', 'col.label', 'col.qty', 'col.price', 'col.amount'].map((k) => h('th', {scope: 'col'}, ft(k))))),
    h('tbody', {}, drafts.length ? drafts.flatMap((d) => [
      ...d.lines.map((l, i) => h('tr', {}, h('td', {}, i === 0 ? name(d.family_id) : ''), h('td', {}, l.label),
        h('td', {}, String(l.quantity).replace('.', ',')), h('td', {}, euros(l.unit_price)), h('td', {class: 'num'}, euros(l.net_amount)))),
      h('tr', {class: 'subtotal', 'data-testid': 'fac-preview-family'}, h('td', {}, ''), h('td', {colspan: 3}, ft('col.total')),
        h('td', {class: 'num'}, euros(d.totals.total)))]) : emptyRow(5))),
  h('p', {'data-testid': 'fac-preview-total'}, ft('billing.total', {total: euros(preview.total)})));
  const problems = preview.items.flatMap((d) => d.problems);
  if (problems.length) {
    view.append(h('div', {class: 'notice', 'data-testid': 'fac-preview-problems'}, h('p', {}, ft('billing.problems')),
      h('ul', {}, problems.map((p) => h('li', {}, p)))));
  }
  if (!drafts.length) { view.append(h('p', {}, ft('billing.nothing'))); return; }
  if (!ctx.roles.includes('ordonnateur')) { view.append(h('p', {class: 'muted'}, ft('billing.notOrdonnateur'))); return; }
  const today = new Date().toISOString().slice(0, 10);
  const date = h('input', {type: 'date', value: today, 'data-testid': 'fac-issue-date'});
  const button = h('button', {type: 'button', 'data-testid': 'fac-issue', disabled: problems.length > 0, onclick: async () => {
    if (!window.confirm(ft('billing.issueConfirm', {n: drafts.length, total: euros(preview.total)}))) return;
    button.disabled = true;
    try {
      const res = await post(`${ctx.base}/billing/runs`, {month: ctx.month, issue_date: date.value});
      toast(ft('billing.issued', {n: res.count, first: res.numbers[0]}));
      navigate(`/modules/facturation/${ctx.tenant}/factures`, new URLSearchParams({mois: ctx.month}));
    } catch (e) {
      button.disabled = false;
      toast(errorText(e), 'bad');
    }
  }}, ft('billing.issue'));
  view.append(h('div', {class: 'toolbar'}, field(ft('billing.issueDate'), date), button));
}
