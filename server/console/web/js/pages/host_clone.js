// Cloned PCs on the host page (docs/inventory.md, "Cloned PCs"): when another machine
// presents this host's certificate, a warning banner with the inventories kept aside
// and, for those who may (hosts.write), "Accepter le nouveau matériel" — the server then
// takes the reporting machine's hardware as the host's own and the banner goes.
import {get, post} from '../api.js';
import {h, clear, toast} from '../dom.js';
import {formatDate, formatNumber} from '../format.js';
import {t} from '../i18n.js';
import {errorText} from '../nav.js';
import {can} from '../session.js';

/** The banner, or null when the host is not suspected. `onAccepted` runs after acceptance. */
export function cloneBanner(host, onAccepted) {
  if (!host.clone_suspected) return null;
  const reports = h('div', {'data-testid': 'clone-reports'}, h('p', {class: 'loading'}, t('host.clone.loading')));
  const result = h('p', {role: 'status', 'data-testid': 'clone-result'});
  const banner = h('section', {class: 'banner warn', 'aria-labelledby': 'h-clone', 'data-testid': 'clone-banner'},
    h('h2', {id: 'h-clone'}, t('host.clone.title')),
    h('p', {}, t('host.clone.explain')),
    reports,
    can('hosts.write') ? h('div', {},
      h('p', {class: 'small'}, t('host.clone.acceptHelp')),
      h('button', {type: 'button', 'data-testid': 'clone-accept', onclick: async (e) => {
        if (!window.confirm(t('host.clone.acceptConfirm', {name: host.hostname || host.uid}))) return;
        const button = e.currentTarget;
        button.disabled = true;
        try {
          await post(`/api/v1/hosts/${host.id}/hardware/accept`, {});
          toast(t('host.clone.accepted'));
          banner.remove();
          if (onAccepted) onAccepted();
        } catch (ex) {
          result.className = 'error';
          result.textContent = errorText(ex);
          button.disabled = false;
        }
      }}, t('host.clone.accept'))) : h('p', {class: 'notice'}, t('host.clone.askTechnician')),
    result);
  get(`/api/v1/hosts/${host.id}/clone-reports`, {limit: 10}).then((res) => {
    clear(reports);
    const open = (res.items || []).filter((r) => !r.resolved_at);
    if (!open.length) { reports.append(h('p', {class: 'notice'}, t('host.clone.noReport'))); return; }
    reports.append(h('ul', {}, open.map((r) => h('li', {'data-testid': 'clone-report'},
      h('strong', {}, r.reason || t('host.clone.differs')), h('br'),
      t('host.clone.reported', {n: formatNumber(r.reports || 1), first: formatDate(r.first_at), last: formatDate(r.received_at)}),
      r.source ? ` ${t('host.clone.from', {source: r.source})}` : '', h('br'),
      t('host.clone.recorded'), ' ', fingerprint(r.recorded), h('br'),
      t('host.clone.current'), ' ', fingerprint(r.current)))));
  }).catch((e) => { clear(reports).append(h('p', {class: 'error'}, errorText(e))); });
  return banner;
}

// {"uuid": …, "product_serial": …, "board_serial": …} → "UUID …, n° de série …, carte mère …".
function fingerprint(fp) {
  if (!fp || typeof fp !== 'object') return t('host.clone.unknownHardware');
  const parts = [['uuid', 'host.clone.uuid'], ['product_serial', 'host.clone.serial'], ['board_serial', 'host.clone.board']]
    .filter(([k]) => fp[k]).map(([k, label]) => `${t(label)} ${fp[k]}`);
  return h('span', {class: 'mono'}, parts.length ? parts.join(', ') : t('host.clone.unknownHardware'));
}
