// What the facturation pages share: texts, the API base of the commune, money and months.
import {h, toast} from '../../../dom.js';
import {errorText} from '../../../nav.js';
import {render as rerender} from '../../../main.js';
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

/** A form input whose test id is its name. */
export function input(name, attrs = {}) {
  return h('input', {name, 'data-testid': `fac-${name}`, ...attrs});
}

/** A mistake the console catches before asking the server (shown like the server's). */
export class FormError extends Error {}

/**
 * Runs a form's request: success → toast and re-render; a refusal (ours or the server's)
 * is written in the form's alert line, in French, and nothing changes.
 */
export async function send(form, request, success) {
  let alert = form.querySelector('p.error[role=alert]');
  if (!alert) {
    alert = h('p', {class: 'error', role: 'alert', 'data-testid': 'fac-form-error'});
    form.append(alert);
  }
  alert.textContent = '';
  try {
    const res = await request();
    toast(success(res));
    await rerender();
  } catch (err) {
    alert.textContent = err instanceof FormError ? err.message : errorText(err);
    toast(alert.textContent, 'bad');
  }
}
