// Remote sessions (#/sessions): running and recent terminal, file and desktop sessions;
// everyone's for administrators, one's own for the others. A running session can be
// ended from here (administrators: any; technicians: their own). Accounts without remote
// support (town-hall staff, read-only) see instead who connected to their commune's PCs
// and when, one table per commune they read (GET /api/v1/tenants/{id}/remote-sessions).
import {get, del} from '../api.js';
import {h, table, toast} from '../dom.js';
import {formatDate} from '../format.js';
import {t} from '../i18n.js';
import {errorText, navigate} from '../nav.js';
import {can} from '../session.js';
import {tenantsById} from '../tenants.js';

async function renderTownHall(view) {
  view.append(h('h1', {}, t('rsession.townHallTitle')), h('p', {}, t('rsession.townHallIntro')));
  const columns = [
    {label: t('rsession.started'), value: (s) => formatDate(s.started_at)},
    {label: t('rsession.user'), value: (s) => s.username},
    {label: t('rsession.host'), value: (s) => h('a', {href: `#/postes/${s.host_id}`}, s.hostname || String(s.host_id))},
    {label: t('rsession.kind'), value: (s) => s.kind},
    {label: t('rsession.duration'), value: (s) => (s.duration_seconds !== undefined ? `${s.duration_seconds} s` : '')},
    {label: t('rsession.result'), value: (s) => (s.active ? t('rsession.active') : s.result)},
    {label: t('rsession.consent'), value: (s) => s.consent},
  ];
  const tenants = await tenantsById();
  for (const tenant of tenants.values()) {
    const list = await get(`/api/v1/tenants/${tenant.id}/remote-sessions`, {limit: 100});
    view.append(h('section', {'data-testid': `tenant-sessions-${tenant.id}`},
      h('h2', {}, tenant.name),
      list.items.length ? table(columns, list.items, {caption: t('rsession.townHallCaption', {name: tenant.name})}) :
        h('p', {}, t('rsession.townHallNone'))));
  }
}

export async function render(view) {
  if (!can('hosts.remote_support')) {
    await renderTownHall(view);
    return;
  }
  view.append(h('h1', {}, t('rsession.listTitle')));
  const list = await get('/api/v1/remote/sessions', {limit: 100});
  const endButton = (s) => h('button', {type: 'button', 'data-testid': `end-${s.id}`, onclick: async () => {
    try {
      await del(`/api/v1/remote/sessions/${s.id}`);
      toast(t('rsession.ended', {id: s.id}));
      navigate('/sessions');
    } catch (e) {
      toast(errorText(e), 'error');
    }
  }}, t('rsession.end'));
  const columns = [
    {label: t('rsession.id'), value: (s) => String(s.id)},
    {label: t('rsession.user'), value: (s) => s.username},
    {label: t('rsession.host'), value: (s) => h('a', {href: `#/postes/${s.host_id}`}, String(s.host_id))},
    {label: t('rsession.kind'), value: (s) => s.kind},
    {label: t('rsession.started'), value: (s) => formatDate(s.started_at)},
    {label: t('rsession.duration'), value: (s) => (s.duration_seconds !== undefined ? `${s.duration_seconds} s` : '')},
    {label: t('rsession.result'), value: (s) => (s.active ? t('rsession.active') : s.result)},
    {label: t('rsession.bytes'), value: (s) => `${s.bytes_to_host} / ${s.bytes_from_host}`},
    {label: t('rsession.consent'), value: (s) => s.consent},
    // A terminal's asciicast file (GET, the session cookie; each download is audited).
    {label: t('rsession.recording'), value: (s) => (s.recording ? h('a', {
      href: `/api/v1/remote/sessions/${s.id}/recording`, download: `session-${s.id}.cast`,
      'data-testid': `recording-${s.id}`}, t('rsession.recordingLink')) : '')},
    {label: '', value: (s) => (s.active ? endButton(s) : '')},
  ];
  view.append(table(columns, list.items, {caption: t('rsession.listTitle')}));
}
