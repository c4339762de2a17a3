// The host list: server-side search, filters, sorting and paging (fast with 10,000
// hosts), saved filters in localStorage, CSV export of the current filter.
import {get, getAll} from '../api.js';
import {h, append, field, clear, debounce, toast} from '../dom.js';
import {formatDate, formatRelative, formatNumber} from '../format.js';
import {t} from '../i18n.js';
import {navigate, errorText} from '../nav.js';
import {tenantsById, tenantName} from '../tenants.js';
import {statusBadge} from './host_status.js';

const PAGE_SIZE = 50;
const SAVED_KEY = 'parc.savedHostFilters';
const SORTS = ['hostname', 'tenant', 'os', 'serial', 'last_seen'];

/** The filter in the URL (#/postes?q=…&commune=…&etat=…&tri=…&ordre=…&page=…). */
function readFilter(query) {
  const sort = SORTS.includes(query.get('tri')) ? query.get('tri') : 'hostname';
  return {
    q: query.get('q') || '',
    tenant: query.get('commune') || '',
    state: ['en-ligne', 'hors-ligne'].includes(query.get('etat')) ? query.get('etat') : '',
    sort,
    order: query.get('ordre') === 'desc' ? 'desc' : 'asc',
    page: Math.max(1, parseInt(query.get('page'), 10) || 1),
  };
}

function writeFilter(f) {
  const q = new URLSearchParams();
  if (f.q) q.set('q', f.q);
  if (f.tenant) q.set('commune', f.tenant);
  if (f.state) q.set('etat', f.state);
  if (f.sort !== 'hostname') q.set('tri', f.sort);
  if (f.order !== 'asc') q.set('ordre', f.order);
  if (f.page > 1) q.set('page', f.page);
  navigate('/postes', q);
}

function apiQuery(f) {
  return {
    q: f.q || undefined,
    tenant_id: f.tenant || undefined,
    online: f.state === 'en-ligne' ? 'true' : f.state === 'hors-ligne' ? 'false' : undefined,
    sort: f.sort,
    order: f.order,
  };
}

// Servers without paging return every host and no `total`: filter, sort and page here.
function localPage(all, f, tenants) {
  const needle = f.q.toLowerCase();
  let items = all.filter((x) =>
    (!needle || [x.hostname, x.serial, x.os, x.hardware, x.uid, tenantName(tenants, x.tenant_id)]
      .some((v) => String(v || '').toLowerCase().includes(needle))) &&
    (!f.tenant || String(x.tenant_id) === f.tenant) &&
    (!f.state || x.online === (f.state === 'en-ligne')));
  const key = (x) => f.sort === 'tenant' ? tenantName(tenants, x.tenant_id) :
    f.sort === 'last_seen' ? (x.last_seen || 0) : String(x[f.sort] || '').toLowerCase();
  items.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0) * (f.order === 'desc' ? -1 : 1));
  return {items, total: items.length};
}

export async function fetchHosts(f, tenants, {offset, limit}) {
  const res = await get('/api/v1/hosts', {...apiQuery(f), offset, limit});
  if (res.total !== undefined) return {...res, serverPaging: true};
  const all = localPage(res.items || [], f, tenants);
  return {items: all.items.slice(offset, offset + limit), total: all.total, serverPaging: false,
    allItems: all.items};
}

export async function render(view, params, query) {
  const f = readFilter(query);
  const tenants = await tenantsById();
  const started = performance.now();
  const page = await fetchHosts(f, tenants, {offset: (f.page - 1) * PAGE_SIZE, limit: PAGE_SIZE});
  const elapsed = Math.round(performance.now() - started);

  const search = h('input', {type: 'search', name: 'q', value: f.q, 'data-testid': 'host-search',
    placeholder: t('hosts.searchPlaceholder')});
  search.addEventListener('input', debounce(() => writeFilter({...f, q: search.value.trim(), page: 1}), 300));
  const tenantSelect = h('select', {name: 'commune', 'data-testid': 'host-tenant'},
    h('option', {value: ''}, t('hosts.allTenants')),
    [...tenants.values()].sort((a, b) => a.name.localeCompare(b.name, 'fr'))
      .map((x) => h('option', {value: String(x.id), selected: String(x.id) === f.tenant}, x.name)));
  tenantSelect.addEventListener('change', () => writeFilter({...f, tenant: tenantSelect.value, page: 1}));
  const stateSelect = h('select', {name: 'etat', 'data-testid': 'host-state'},
    h('option', {value: ''}, t('hosts.allStates')),
    h('option', {value: 'en-ligne', selected: f.state === 'en-ligne'}, t('status.online')),
    h('option', {value: 'hors-ligne', selected: f.state === 'hors-ligne'}, t('status.offline')));
  stateSelect.addEventListener('change', () => writeFilter({...f, state: stateSelect.value, page: 1}));
  const exportButton = h('button', {type: 'button', class: 'secondary', 'data-testid': 'host-export'},
    t('hosts.export'));
  exportButton.addEventListener('click', () => exportCsv(f, tenants, exportButton));

  const sortHeader = (key, label) => {
    const active = f.sort === key;
    const next = active && f.order === 'asc' ? 'desc' : 'asc';
    return h('th', {scope: 'col', 'aria-sort': active ? (f.order === 'asc' ? 'ascending' : 'descending') : undefined},
      h('button', {type: 'button', class: 'sort', 'data-sort': key,
        onclick: () => writeFilter({...f, sort: key, order: next, page: 1})},
      label, active ? (f.order === 'asc' ? ' ▲' : ' ▼') : ''));
  };
  const rows = page.items.map((x) => h('tr', {class: 'clickable', 'data-host-id': x.id},
    h('td', {}, h('a', {href: `#/postes/${x.id}`}, x.hostname || x.uid), x.clone_suspected ?
      h('span', {class: 'badge clone', title: t('hosts.cloneTitle'), 'data-testid': 'clone-marker'}, t('hosts.clone')) : null),
    h('td', {}, tenantName(tenants, x.tenant_id)),
    h('td', {}, x.os || '—'),
    h('td', {}, x.hardware || '—'),
    h('td', {class: 'mono'}, x.serial || '—'),
    h('td', {title: formatDate(x.last_seen)}, formatRelative(x.last_seen)),
    h('td', {}, statusBadge(x))));
  const tableEl = h('table', {'data-testid': 'host-table'},
    h('caption', {class: 'visually-hidden'}, t('hosts.caption')),
    h('thead', {}, h('tr', {}, sortHeader('hostname', t('hosts.col.name')),
      sortHeader('tenant', t('hosts.col.tenant')), sortHeader('os', t('hosts.col.os')),
      h('th', {scope: 'col'}, t('hosts.col.hardware')), sortHeader('serial', t('hosts.col.serial')),
      sortHeader('last_seen', t('hosts.col.lastSeen')), h('th', {scope: 'col'}, t('hosts.col.state')))),
    h('tbody', {}, rows));
  tableEl.addEventListener('click', (e) => {
    const tr = e.target.closest('tr[data-host-id]');
    if (tr && !e.target.closest('a,button')) navigate(`/postes/${tr.dataset.hostId}`);
  });

  const first = page.total ? (f.page - 1) * PAGE_SIZE + 1 : 0;
  const last = Math.min(page.total, f.page * PAGE_SIZE);
  const pages = Math.max(1, Math.ceil(page.total / PAGE_SIZE));
  const pager = h('nav', {class: 'pager', 'aria-label': t('hosts.paging')},
    h('button', {type: 'button', class: 'secondary', disabled: f.page <= 1, 'data-testid': 'page-prev',
      onclick: () => writeFilter({...f, page: f.page - 1})}, t('hosts.prev')),
    h('span', {'data-testid': 'host-range', 'aria-live': 'polite'},
      t('hosts.range', {first: formatNumber(first), last: formatNumber(last), total: formatNumber(page.total)})),
    h('button', {type: 'button', class: 'secondary', disabled: f.page >= pages, 'data-testid': 'page-next',
      onclick: () => writeFilter({...f, page: f.page + 1})}, t('hosts.next')));

  append(view, [
    h('h1', {}, t('hosts.title')),
    h('form', {class: 'toolbar', role: 'search', onsubmit: (e) => {
      e.preventDefault(); writeFilter({...f, q: search.value.trim(), page: 1});
    }}, field(t('hosts.search'), search), field(t('hosts.tenant'), tenantSelect),
    field(t('hosts.state'), stateSelect), exportButton),
    savedFilters(f),
    page.serverPaging ? null : h('p', {class: 'notice'}, t('hosts.localPaging')),
    pager, page.items.length ? tableEl : h('p', {'data-testid': 'host-empty'}, t('hosts.none')),
    h('p', {class: 'notice', 'data-testid': 'host-timing'}, t('hosts.timing', {ms: elapsed}))]);
  if (f.q) setTimeout(() => {
    // Keep typing where the user was after the list re-renders.
    if (document.activeElement === document.body) { search.focus(); search.setSelectionRange(f.q.length, f.q.length); }
  }, 0);
}

function loadSaved() {
  try {
    const v = JSON.parse(localStorage.getItem(SAVED_KEY) || '[]');
    return Array.isArray(v) ? v.filter((x) => x && typeof x.name === 'string') : [];
  } catch {
    return [];
  }
}

function savedFilters(f) {
  const box = h('div', {class: 'saved', 'data-testid': 'saved-filters'});
  const draw = () => {
    clear(box);
    const saved = loadSaved();
    box.append(h('span', {}, t('hosts.saved')));
    if (!saved.length) box.append(h('span', {class: 'notice'}, t('hosts.savedNone')));
    for (const s of saved) {
      box.append(
        h('button', {type: 'button', class: 'secondary', 'data-saved': s.name,
          onclick: () => writeFilter({q: s.q || '', tenant: s.tenant || '', state: s.state || '',
            sort: s.sort || 'hostname', order: s.order || 'asc', page: 1})}, s.name),
        h('button', {type: 'button', class: 'secondary', 'aria-label': t('hosts.savedDelete', {name: s.name}),
          onclick: () => {
            localStorage.setItem(SAVED_KEY, JSON.stringify(loadSaved().filter((x) => x.name !== s.name)));
            draw();
          }}, '×'));
    }
    const name = h('input', {name: 'filter-name', maxlength: '60', 'data-testid': 'saved-name',
      placeholder: t('hosts.savedNamePlaceholder')});
    box.append(h('form', {class: 'inline', onsubmit: (e) => {
      e.preventDefault();
      const n = name.value.trim();
      if (!n) return;
      const rest = loadSaved().filter((x) => x.name !== n);
      rest.push({name: n, q: f.q, tenant: f.tenant, state: f.state, sort: f.sort, order: f.order});
      localStorage.setItem(SAVED_KEY, JSON.stringify(rest));
      toast(t('hosts.savedDone', {name: n}));
      draw();
    }}, field(t('hosts.savedName'), name), h('button', {type: 'submit', class: 'secondary'}, t('hosts.savedAdd'))));
  };
  draw();
  return box;
}

// Spreadsheets run cells starting with = + - @ as formulas: agent data must not.
function csvCell(v) {
  let s = v === null || v === undefined ? '' : String(v);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[";\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

async function exportCsv(f, tenants, button) {
  button.disabled = true;
  const label = button.textContent;
  try {
    const res = await fetchHosts(f, tenants, {offset: 0, limit: 500});
    const items = res.serverPaging ?
      await getAll('/api/v1/hosts', apiQuery(f), {onPage: (got, total) => {
        button.textContent = t('hosts.exporting', {n: formatNumber(got.length), total: formatNumber(total)});
      }}) : res.allItems;
    const header = ['id', 'nom', 'commune', 'systeme', 'materiel', 'numero_de_serie', 'version_agent',
      'enrole_le', 'dernier_contact', 'etat'];
    const lines = [header.join(';')].concat(items.map((x) => [x.id, x.hostname,
      tenantName(tenants, x.tenant_id), x.os, x.hardware, x.serial, x.agent_version,
      formatDate(x.enrolled_at), formatDate(x.last_seen),
      x.online ? t('status.online') : t('status.offline')].map(csvCell).join(';')));
    // A BOM so that spreadsheet software reads the accents as UTF-8.
    const blob = new Blob(['\ufeff', lines.join('\r\n'), '\r\n'], {type: 'text/csv;charset=utf-8'});
    const a = h('a', {href: URL.createObjectURL(blob), download: 'postes.csv', 'data-testid': 'csv-link'});
    document.body.append(a);
    a.click();
    setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
    toast(t('hosts.exported', {n: formatNumber(items.length)}));
  } catch (e) {
    toast(errorText(e), 'bad');
  } finally {
    button.disabled = false;
    button.textContent = label;
  }
}
