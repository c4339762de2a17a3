// The online/offline badge shared by the list and the host page.
import {h} from '../dom.js';
import {formatRelative, formatDate} from '../format.js';
import {t} from '../i18n.js';

export function statusBadge(x) {
  if (x.revoked) return h('span', {class: 'badge bad'}, t('status.revoked'));
  if (x.online) return h('span', {class: 'badge ok'}, t('status.online'));
  const since = x.offline_since || x.last_seen;
  return h('span', {class: 'badge muted', title: since ? formatDate(since) : undefined},
    since ? t('status.offlineSince', {when: formatRelative(since)}) : t('status.offline'));
}
