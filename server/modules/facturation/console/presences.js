// Grille de présence du mois: one service at a time, a row per child, a cell per day.
import {get, put, post} from '../../../api.js';
import {h, field, toast} from '../../../dom.js';
import {errorText, navigate} from '../../../nav.js';
import {render as rerender} from '../../../main.js';
import {ft, monthPicker} from './common.js';

const cycle = [null, 'present', 'absent_justified', 'absent_unjustified'];

export async function render(view, ctx) {
  const [children, services, days] = await Promise.all([
    get(`${ctx.base}/children`), get(`${ctx.base}/services`), get(`${ctx.base}/attendance`, {month: ctx.month})]);
  const serviceId = Number(ctx.query.get('service')) || (services.items[0] || {}).id;
  const [year, month] = ctx.month.split('-').map(Number);
  const last = new Date(year, month, 0).getDate();
  const date = (d) => `${ctx.month}-${String(d).padStart(2, '0')}`;
  const state = new Map();  // "child|date" → presence
  for (const a of days.items) if (a.service_id === serviceId) state.set(`${a.child_id}|${a.date}`, a.presence);
  const changed = new Map();

  const go = (month, service) => navigate(`/modules/facturation/${ctx.tenant}/presences`,
    new URLSearchParams({mois: month, service: service || ''}));
  view.append(h('h2', {}, ft('attendance.title')),
    h('div', {class: 'toolbar'}, monthPicker(ctx.month, (m) => go(m, serviceId)),
      h('select', {'data-testid': 'fac-attendance-service', 'aria-label': ft('attendance.service'),
        onchange: (e) => go(ctx.month, e.target.value)},
      services.items.map((s) => h('option', {value: s.id, selected: s.id === serviceId}, s.name)))),
    h('p', {class: 'muted'}, ft('attendance.legend')));

  const cell = (childId, d) => {
    const key = `${childId}|${date(d)}`;
    const b = h('button', {type: 'button', class: 'cell', 'data-testid': `fac-cell-${childId}-${d}`,
      'aria-label': date(d)}, state.get(key) ? ft(`presence.${state.get(key)}`) : '');
    b.addEventListener('click', () => {
      const next = cycle[(cycle.indexOf(state.get(key) || null) + 1) % cycle.length];
      if (next) state.set(key, next); else state.delete(key);
      changed.set(key, next);
      b.textContent = next ? ft(`presence.${next}`) : '';
    });
    return h('td', {}, b);
  };
  view.append(h('div', {class: 'scroll'}, h('table', {class: 'grid', 'data-testid': 'fac-attendance-grid'},
    h('thead', {}, h('tr', {}, h('th', {scope: 'col'}, ft('attendance.child')),
      Array.from({length: last}, (_, i) => h('th', {scope: 'col'}, String(i + 1))))),
    h('tbody', {}, children.items.map((c) => h('tr', {},
      h('th', {scope: 'row'}, `${c.first_name} ${c.last_name}`),
      Array.from({length: last}, (_, i) => cell(c.id, i + 1))))))));
  view.append(h('button', {type: 'button', 'data-testid': 'fac-attendance-save', onclick: async () => {
    const entries = [...changed].map(([key, presence]) => {
      const [child, d] = key.split('|');
      return {child_id: Number(child), service_id: serviceId, date: d, presence};
    });
    try {
      const res = await put(`${ctx.base}/attendance`, {entries});
      toast(ft('attendance.saved', {n: res.written}));
      changed.clear();
    } catch (e) { toast(errorText(e), 'bad'); }
  }}, ft('save')));

  // CSV import: all or nothing, with the refused lines listed.
  const area = h('textarea', {rows: 5, 'data-testid': 'fac-import-text', 'aria-label': ft('attendance.import'),
    placeholder: '2026-03-02;12;cantine;present'});
  const report = h('div', {'data-testid': 'fac-import-report', role: 'status'});
  const fileInput = h('input', {type: 'file', accept: '.csv,text/csv', onchange: async (e) => {
    const f = e.target.files[0];
    if (f) area.value = await f.text();
  }});
  view.append(h('h2', {}, ft('attendance.import')), h('p', {class: 'muted'}, ft('attendance.importHelp')),
    field(ft('attendance.import'), fileInput), area, h('button', {type: 'button', 'data-testid': 'fac-import', onclick: async () => {
      report.replaceChildren();
      try {
        const res = await post(`${ctx.base}/attendance/import`, {csv: area.value});
        toast(ft('attendance.importDone', {n: res.written}));
        await rerender();
      } catch (e) {
        // The server lists the refused lines in its message: "…: line 2: …; line 5: …".
        report.append(h('p', {class: 'error'}, ft('attendance.importErrors')));
        const m = /^[^:]*: (line \d+: .*)$/.exec(e.message || '');
        const lines = m ? m[1].split(/; (?=line \d+: )/) : [errorText(e)];
        report.append(h('ul', {}, lines.map((x) => h('li', {}, x.replace(/^line (\d+): /, (all, n) => `ligne ${n} : `)))));
      }
    }}, ft('attendance.import')), report);
}
