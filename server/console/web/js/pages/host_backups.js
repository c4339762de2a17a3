// The host page's "Sauvegardes" section: the PC's snapshots (newest first), "Sauvegarder
// maintenant", a file browser of a snapshot (the PC itself decrypts it: it must be
// online) and the restore of the selected files here, in a folder or onto another PC of
// the commune, with the restores' progress. File names are agent data: text nodes only.
import {get, post} from '../api.js';
import {h, clear, field, table, toast} from '../dom.js';
import {formatBytes, formatDate, formatNumber, formatRelative} from '../format.js';
import {t} from '../i18n.js';
import {errorText} from '../nav.js';
import {can} from '../session.js';

const PAGE = 100;

export function hostBackupsPanel(host) {
  const box = h('div', {'data-testid': 'host-backups'});
  const list = h('div', {'data-testid': 'snapshots'});
  const browser = h('div', {'data-testid': 'backup-browser'});
  const restores = h('div', {'data-testid': 'restores'});
  const tools = h('div', {class: 'toolbar'});
  const out = h('p', {'aria-live': 'polite', 'data-testid': 'backup-result'});
  if (can('hosts.remote_support')) {
    const now = h('button', {type: 'button', class: 'secondary', 'data-testid': 'backup-now', onclick: async () => {
      now.disabled = true;
      out.textContent = t('backups.starting');
      try {
        const reply = await post(`/api/v1/hosts/${host.id}/actions/backup_now`, {});
        out.textContent = reply && reply.status === 'ok' ? t('backups.started') : t('backups.startFailed',
          {reason: (reply && (reply.error || reply.status)) || '—'});
      } catch (e) {
        out.textContent = e.status === 503 || e.status === 409 ? t('backups.offline') : errorText(e);
      } finally {
        now.disabled = false;
      }
    }}, t('backups.now'));
    tools.append(now);
  }
  box.append(tools, out, list, browser);
  const canRestore = can('backups.restore');
  if (canRestore) box.append(h('h3', {}, t('backups.restores')), restores);
  loadSnapshots(host, list, browser, restores, canRestore);
  if (canRestore) loadRestores(host, restores);
  return box;
}

async function loadSnapshots(host, list, browser, restores, canRestore) {
  let res;
  try {
    res = await get(`/api/v1/hosts/${host.id}/backups`);
  } catch (e) {
    list.append(h('p', {class: 'notice'}, e.missing ? t('backups.missing') : errorText(e)));
    return;
  }
  const items = res.items || [];
  if (!items.length) {
    list.append(h('p', {class: 'notice'}, t('backups.none')));
    return;
  }
  const columns = [
    {label: t('backups.date'), value: (s) => h('span', {title: formatRelative(s.created)}, formatDate(s.created))},
    {label: t('backups.size'), value: (s) => formatBytes(s.size)},
    {label: t('backups.stored'), value: (s) => formatBytes(s.stored_size)},
    {label: t('backups.snapshotId'), value: (s) => h('span', {class: 'mono'}, s.id)},
  ];
  if (canRestore) {
    columns.push({label: t('backups.browse'), header: h('span', {class: 'visually-hidden'}, t('backups.browse')),
      value: (s) => h('button', {type: 'button', class: 'secondary', 'data-snapshot': s.id,
        'aria-label': t('backups.browseOne', {date: formatDate(s.created)}),
        onclick: () => openBrowser(host, s, browser, restores)}, t('backups.browse'))});
  }
  list.append(table(columns, items, {caption: t('backups.snapshots')}));
}

// The file browser of one snapshot: breadcrumbs, one folder's page, a selection kept
// while moving between folders, then the restore form.
function openBrowser(host, snapshot, browser, restores) {
  const selected = new Set();
  const crumbs = h('nav', {'aria-label': t('backups.breadcrumbs'), class: 'breadcrumbs', 'data-testid': 'breadcrumbs'});
  const listing = h('div', {'aria-live': 'polite'});
  const count = h('span', {'data-testid': 'selected-count'}, t('backups.selected', {n: 0}));
  const restoreButton = h('button', {type: 'button', disabled: true, 'data-testid': 'restore-open'}, t('backups.restore'));
  const form = h('div', {'data-testid': 'restore-form'});
  const updateCount = () => {
    count.textContent = t('backups.selected', {n: selected.size});
    restoreButton.disabled = selected.size === 0;
  };
  restoreButton.addEventListener('click', () => restoreForm(host, snapshot, [...selected], form, restores));

  const show = async (path, offset) => {
    clear(listing).append(h('p', {class: 'notice'}, t('backups.loading')));
    clear(crumbs);
    const parts = path ? path.split('/') : [];
    crumbs.append(h('button', {type: 'button', class: 'link', onclick: () => show('', 0)}, t('backups.top')));
    parts.forEach((p, i) => {
      const to = parts.slice(0, i + 1).join('/');
      crumbs.append(' / ', i === parts.length - 1 ? h('span', {'aria-current': 'location'}, p) :
        h('button', {type: 'button', class: 'link', onclick: () => show(to, 0)}, p));
    });
    let page;
    try {
      page = await get(`/api/v1/hosts/${host.id}/backups/${snapshot.id}/tree`, {path, offset, limit: PAGE});
    } catch (e) {
      clear(listing).append(h('p', {class: 'error', role: 'alert'}, e.status === 409 ? e.message : errorText(e)));
      return;
    }
    const rows = page.items || [];
    const pick = (e) => h('input', {type: 'checkbox', checked: selected.has(e.path), disabled: e.exact_name === false,
      'aria-label': t('backups.pick', {name: e.name}), 'data-path': e.path,
      onchange: (ev) => { if (ev.target.checked) selected.add(e.path); else selected.delete(e.path); updateCount(); }});
    const name = (e) => e.type === 'directory' ?
      h('button', {type: 'button', class: 'link', 'data-dir': e.path, onclick: () => show(e.path, 0)}, `${e.name}/`) :
      h('span', {'data-file': e.path}, e.name);
    clear(listing).append(rows.length ? table([
      {label: t('backups.pickColumn'), header: h('span', {class: 'visually-hidden'}, t('backups.pickColumn')), value: pick},
      {label: t('backups.name'), value: name},
      {label: t('backups.type'), value: (e) => t(`backups.type.${e.type}`)},
      {label: t('backups.size'), value: (e) => (e.type === 'file' ? formatBytes(e.size) : '')},
      {label: t('backups.modified'), value: (e) => formatDate(e.mtime)},
    ], rows, {caption: t('backups.folderOf', {path: path || '/'})}) : h('p', {class: 'notice'}, t('backups.empty')));
    const total = page.total || 0;
    if (total > PAGE) {
      listing.append(h('div', {class: 'toolbar'},
        h('button', {type: 'button', class: 'secondary', disabled: offset === 0,
          onclick: () => show(path, Math.max(0, offset - PAGE))}, t('backups.previous')),
        h('span', {}, t('backups.range', {from: formatNumber(offset + 1),
          to: formatNumber(Math.min(total, offset + PAGE)), total: formatNumber(total)})),
        h('button', {type: 'button', class: 'secondary', disabled: offset + PAGE >= total,
          onclick: () => show(path, offset + PAGE)}, t('backups.next'))));
    }
  };
  clear(browser).append(h('section', {class: 'card', 'aria-labelledby': 'h-browser'},
    h('h3', {id: 'h-browser'}, t('backups.browserTitle', {date: formatDate(snapshot.created)})),
    crumbs, listing, h('div', {class: 'toolbar'}, count, restoreButton), form));
  show('', 0);
}

async function restoreForm(host, snapshot, paths, form, restores) {
  const where = h('select', {'data-testid': 'restore-where'},
    h('option', {value: 'original'}, t('backups.dest.original')),
    h('option', {value: 'folder'}, t('backups.dest.folder')),
    h('option', {value: 'other'}, t('backups.dest.other')));
  const folder = h('input', {type: 'text', class: 'mono', 'data-testid': 'restore-folder',
    placeholder: t('backups.folderDefault')});
  const target = h('select', {'data-testid': 'restore-target'});
  const otherWhere = h('select', {'data-testid': 'restore-other-where'},
    h('option', {value: 'default'}, t('backups.dest.otherDefault')),
    h('option', {value: 'original'}, t('backups.dest.otherOriginal')));
  const hint = h('p', {class: 'notice', 'data-testid': 'restore-hint'});
  const folderField = field(t('backups.folder'), folder);
  const targetField = h('div', {}, field(t('backups.targetHost'), target), field(t('backups.targetWhere'), otherWhere));
  const result = h('p', {'aria-live': 'polite', 'data-testid': 'restore-result'});
  const sync = () => {
    folderField.hidden = where.value !== 'folder';
    targetField.hidden = where.value !== 'other';
    hint.textContent = where.value === 'original' || (where.value === 'other' && otherWhere.value === 'original') ?
      t('backups.originalHint') : t('backups.folderHint');
  };
  where.addEventListener('change', sync);
  otherWhere.addEventListener('change', sync);
  const submit = h('button', {type: 'button', 'data-testid': 'restore-submit', onclick: async () => {
    const body = {paths};
    if (where.value === 'original') body.destination = 'original';
    else if (where.value === 'folder') body.destination = folder.value.trim() || 'default';
    else {
      if (!target.value) { result.textContent = t('backups.pickTarget'); return; }
      body.target_host_id = Number(target.value);
      body.destination = otherWhere.value;
    }
    submit.disabled = true;
    result.textContent = t('backups.restoreSending');
    try {
      const reply = await post(`/api/v1/hosts/${host.id}/backups/${snapshot.id}/restore`, body);
      const original = body.destination === 'original';
      result.textContent = t('backups.restoreStarted',
        {destination: original ? t('backups.dest.originalShort') : reply.destination || ''});
      toast(t('backups.restoreStartedShort'));
      loadRestores(host, restores);
    } catch (e) {
      result.textContent = e.status === 409 ? e.message : errorText(e);
    } finally {
      submit.disabled = false;
    }
  }}, t('backups.restoreGo', {n: paths.length}));
  clear(form).append(h('fieldset', {},
    h('legend', {}, t('backups.restoreWhat', {n: paths.length})),
    h('ul', {class: 'mono'}, paths.slice(0, 10).map((p) => h('li', {}, `/${p}`)),
      paths.length > 10 ? h('li', {}, t('backups.andMore', {n: paths.length - 10})) : null),
    field(t('backups.where'), where), folderField, targetField, hint, submit, result));
  sync();
  try {
    const res = await get(`/api/v1/tenants/${host.tenant_id}/backups`);
    for (const x of res.hosts || []) {
      if (x.host_id === host.id) continue;
      target.append(h('option', {value: x.host_id}, `${x.hostname}${x.online ? '' : ` (${t('backups.offlineShort')})`}`));
    }
  } catch (e) {
    target.append(h('option', {value: ''}, errorText(e)));
  }
}

let restoreTimer = 0;

export async function loadRestores(host, box) {
  clearTimeout(restoreTimer);
  let res;
  try {
    res = await get(`/api/v1/hosts/${host.id}/restores`);
  } catch (e) {
    clear(box).append(h('p', {class: 'notice'}, e.missing ? t('backups.missing') : errorText(e)));
    return;
  }
  const items = res.items || [];
  if (!items.length) {
    clear(box).append(h('p', {class: 'notice'}, t('backups.noRestores')));
    return;
  }
  const state = (r) => h('span', {class: `badge ${r.state === 'ok' ? 'ok' : r.state === 'running' || r.state === 'sending' ? 'muted' : 'bad'}`,
    'data-state': r.state}, t(`backups.state.${r.state}`));
  const progress = (r) => {
    const p = r.progress || {};
    const parts = [];
    if (p.files_total !== undefined) parts.push(t('backups.files', {done: formatNumber(p.files_done), total: formatNumber(p.files_total)}));
    if (p.bytes_total) parts.push(`${formatBytes(p.bytes_done)} / ${formatBytes(p.bytes_total)}`);
    const renamed = (p.renamed || []).map((x) => h('li', {}, t('backups.kept', {path: `/${x.path}`, as: x.kept_as.split('/').pop()})));
    const warnings = (p.warnings || []).map((w) => h('li', {class: 'error'}, w));
    return h('div', {}, parts.join(' — '), p.error ? h('p', {class: 'error'}, p.error) : null,
      renamed.length || warnings.length ? h('ul', {}, renamed, warnings) : null);
  };
  clear(box).append(table([
    {label: t('backups.requested'), value: (r) => formatDate(r.requested_at)},
    {label: t('backups.state'), value: state},
    {label: t('backups.paths'), value: (r) => h('span', {class: 'mono'}, (r.paths || []).slice(0, 3).map((p) => `/${p}`).join(', ') +
      ((r.paths || []).length > 3 ? ' …' : ''))},
    {label: t('backups.destination'), value: (r) => `${r.target_host_id === host.id ? '' : `${t('backups.onHost', {id: r.target_host_id})} — `}${
      r.destination === 'original' ? t('backups.dest.original') : (r.progress && r.progress.destination) || r.destination}`},
    {label: t('backups.progress'), value: progress},
    {label: t('backups.by'), value: (r) => r.requested_by},
  ], items, {caption: t('backups.restores')}));
  // While a restore runs, its progress is asked again; stops once the section is gone.
  if (items.some((r) => r.state === 'running' || r.state === 'sending')) {
    restoreTimer = setTimeout(() => { if (box.isConnected) loadRestores(host, box); }, 3000);
  }
}
