// Administrative modules in the console's navigation: one entry per (commune, module)
// the signed-in user holds a role in, and only where the module is active.
import {get} from '../../api.js';
import {h} from '../../dom.js';

let cache = null;  // {user, items}

/** Loads (once per user) what GET /api/v1/modules says the user may open. */
export async function loadModules(username) {
  if (!username) { cache = null; return []; }
  if (cache && cache.user === username) return cache.items;
  try {
    const res = await get('/api/v1/modules');
    cache = {user: username, items: res.items || []};
  } catch {
    cache = {user: username, items: []};  // an older server: no modules
  }
  return cache.items;
}

export function forgetModules() {
  cache = null;
}

/** <li> links for the header, built with the header's own link() helper; `admin`: the
 * modules' administration page too. */
export function moduleLinks(link, admin = false) {
  if (!cache) return [];
  const adminLink = admin ? link('nav.module.admin', '#/modules/administration', 'module-admin') : null;
  if (adminLink) {
    adminLink.querySelector('a').textContent = 'Modules';
    adminLink.dataset.testid = 'nav-modules-admin';
  }
  const many = new Set(cache.items.map((m) => m.tenant_id)).size > 1;
  return cache.items.map((m) => {
    const li = link(`nav.module.${m.module}`, `#/modules/${m.module}/${m.tenant_id}`, `module-${m.module}`);
    const a = li.querySelector('a');
    a.textContent = m.nav_label || m.title;  // the module's own French label (module.cpp)
    if (many) a.append(h('span', {class: 'muted'}, ` (${m.tenant_name})`));
    li.dataset.testid = `nav-module-${m.module}`;
    return li;
  }).concat(adminLink ? [adminLink] : []);
}

/** Whether the user may open a module for a tenant (active there, with a role). */
export function opens(module, tenantId) {
  return Boolean(cache && cache.items.some((x) => x.module === module && x.tenant_id === Number(tenantId)));
}

/** The caller's roles in a module for a tenant (empty when none). */
export function rolesIn(module, tenantId) {
  const m = cache && cache.items.find((x) => x.module === module && x.tenant_id === Number(tenantId));
  return m ? m.roles : [];
}
