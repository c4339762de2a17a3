// What the facturation pages share: texts, the API base of the commune, money and months.
import {h} from '../../../dom.js';
import fr from './fr.js';

export function ft(key, params = {}) {
  const text = fr[key];
  if (text === undefined) return key;
  if (typeof text === 'function') return text(params);
  return text.replace(/\{(\w+)\}/g, (m, name) => (name in params ? String(params[name]) : m));
}

export const apiBase = (tenant) => `/api/v1/modules/facturation/tenants/${tenant}`;

/** "12.30" → "12,30" (amounts come from the server as exact decimal strings). */
export const euros = (s) => String(s ?? '').replace('.', ',');

export function currentMonth() {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}`;
}

export function monthPicker(value, onchange) {
  return h('input', {type: 'month', value, 'data-testid': 'fac-month', 'aria-label': ft('month'),
    onchange: (e) => { if (e.target.value) onchange(e.target.value); }});
}

export function emptyRow(cols) {
  return h('tr', {}, h('td', {colspan: cols}, ft('none')));
}
