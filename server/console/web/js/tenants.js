// Tenants (communes) by id, fetched once per page view and shared by the pages.
import {get} from './api.js';

let cache = null;
let cacheAt = 0;

export async function tenantsById() {
  if (cache && Date.now() - cacheAt < 30000) return cache;
  const res = await get('/api/v1/tenants');
  cache = new Map((res.items || []).map((x) => [x.id, x]));
  cacheAt = Date.now();
  return cache;
}

export function forgetTenants() {
  cache = null;
}

export function tenantName(tenants, id) {
  const x = tenants.get(id);
  return x ? x.name : `#${id}`;
}
