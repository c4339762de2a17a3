// The facturation module in the console: #/modules/facturation/<commune>/<onglet>.
import {h} from '../../../dom.js';
import {rolesIn} from '../nav.js';
import {ft, apiBase, currentMonth} from './common.js';
import * as familles from './familles.js';
import * as services from './services.js';
import * as presences from './presences.js';
import * as facturation from './facturation.js';
import * as factures from './factures.js';
import * as paiements from './paiements.js';
import * as prelevements from './prelevements.js';
import * as soldes from './soldes.js';

const tabs = {services, familles, presences, facturation, factures, paiements, prelevements, soldes};

export async function render(view, params, query) {
  const tenant = Number(params.tenant);
  const tab = tabs[params.tab] ? params.tab : 'familles';
  const ctx = {
    tenant, base: apiBase(tenant), roles: rolesIn('facturation', tenant), query,
    month: query.get('mois') || currentMonth(),
    href: (t, month) => `#/modules/facturation/${tenant}/${t}${month ? `?mois=${month}` : ''}`,
  };
  view.append(h('h1', {}, ft('title')),
    h('nav', {'aria-label': ft('title')}, h('ul', {class: 'toolbar'}, Object.keys(tabs).map((t) =>
      h('li', {}, h('a', {href: ctx.href(t, query.get('mois')), 'aria-current': t === tab ? 'page' : undefined,
        'data-testid': `fac-tab-${t}`}, ft(`tab.${t}`)))))));
  const body = h('section', {'data-testid': `fac-page-${tab}`});
  view.append(body);
  await tabs[tab].render(body, ctx);
}
