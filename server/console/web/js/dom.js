// Building the page without ever parsing HTML: every string becomes a text node or an
// attribute value, so an agent-supplied "<script>" is shown, never run.

/**
 * h('a', {href: '#/postes/3', class: 'x', onclick: fn}, 'texte', child, [more])
 * Children: strings/numbers (text), nodes, arrays, null/undefined/false (skipped).
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') {
      el.addEventListener(key.slice(2), value);
    } else if (key === 'class') {
      el.className = value;
    } else if (key === 'value') {
      el.value = value;
    } else if (key === 'checked' || key === 'disabled' || key === 'selected') {
      el[key] = Boolean(value);
    } else {
      el.setAttribute(key, value === true ? '' : String(value));
    }
  }
  append(el, children);
  return el;
}

export function append(parent, children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    parent.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return parent;
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

/** An SVG element (charts); attribute values only, never markup. */
export function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  for (const c of children.flat()) {
    if (c) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** A labelled form field: <div class="field"><label for=id>…</label><input id=id …></div>. */
let fieldCounter = 0;
export function field(labelText, control) {
  if (!control.id) control.id = `f${++fieldCounter}`;
  return h('div', {class: 'field'}, h('label', {for: control.id}, labelText), control);
}

/** A table from column definitions {label, value(row) → node|string, class?, sort?}. */
export function table(columns, rows, {caption, onRow, rowHref} = {}) {
  const head = h('tr', {}, columns.map((c) => h('th', {scope: 'col', class: c.class}, c.header || c.label)));
  const body = h('tbody', {}, rows.map((r) => {
    const tr = h('tr', {class: onRow ? 'clickable' : undefined},
      columns.map((c) => h('td', {class: c.class}, c.value(r))));
    if (onRow) tr.addEventListener('click', (e) => { if (!e.target.closest('a,button')) onRow(r); });
    return tr;
  }));
  return h('table', {}, caption ? h('caption', {class: 'visually-hidden'}, caption) : null,
    h('thead', {}, head), body);
}

let toastTimer = 0;
export function toast(message, kind = '') {
  const box = document.getElementById('toast');
  const item = h('div', {class: kind}, message);
  box.append(item);
  clearTimeout(toastTimer);
  setTimeout(() => item.remove(), kind === 'bad' ? 8000 : 4000);
}

export function debounce(fn, ms) {
  let timer = 0;
  return (...args) => { clearTimeout(timer); timer = setTimeout(() => fn(...args), ms); };
}

/** Copies text to the clipboard, with a message either way. */
export async function copyText(text, doneMessage, failMessage) {
  try {
    await navigator.clipboard.writeText(text);
    toast(doneMessage);
  } catch {
    toast(failMessage, 'bad');
  }
}
