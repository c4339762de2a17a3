// The REST API (docs/protocol.md), as parcctl uses it. The session lives in an HttpOnly
// cookie the script never sees; the CSRF token is kept in sessionStorage and sent on
// every state-changing request. Any 401 sends the user back to the sign-in page.

const CSRF_KEY = 'parc.csrf';
// Servers without cookie sessions answer the login with a bearer token only: it is kept
// in this variable (memory), never in storage, so a reload signs the user out.
let bearerToken = null;

export class ApiError extends Error {
  constructor(status, code, message, retryAfter) {
    super(message || code || `HTTP ${status}`);
    this.status = status;
    this.code = code || '';
    this.retryAfter = retryAfter;
  }
  /** The server has no such route yet (an older server): the page shows a notice. */
  get missing() {
    return (this.status === 404 && this.code === 'not_found' && /no such route/.test(this.message)) ||
      this.status === 405 || this.status === 501;
  }
}

export function setSession({csrf_token: csrf, token}) {
  if (csrf) {
    sessionStorage.setItem(CSRF_KEY, csrf);
    bearerToken = null;
  } else {
    bearerToken = token || null;
  }
}

export function clearSession() {
  sessionStorage.removeItem(CSRF_KEY);
  bearerToken = null;
}

export function usesCookieSession() {
  return sessionStorage.getItem(CSRF_KEY) !== null;
}

/** request('GET', '/api/v1/hosts', {query: {q: 'x'}}) → the parsed JSON body. */
export async function request(method, path, {body, query, noRedirect = false} = {}) {
  const url = new URL(path, window.location.origin);
  for (const [k, v] of Object.entries(query || {})) {
    if (v !== undefined && v !== null && v !== '') url.searchParams.set(k, v);
  }
  const headers = {Accept: 'application/json'};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && method !== 'HEAD') {
    const csrf = sessionStorage.getItem(CSRF_KEY);
    if (csrf) headers['X-CSRF-Token'] = csrf;
  }
  if (bearerToken) headers.Authorization = `Bearer ${bearerToken}`;
  let res;
  try {
    res = await fetch(url, {
      method, headers, credentials: 'same-origin', cache: 'no-store',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    throw new ApiError(0, 'network', e.message);
  }
  let data = null;
  const text = await res.text();
  if (text) {
    try { data = JSON.parse(text); } catch { data = null; }
  }
  if (res.ok) return data;
  // Both error shapes: {"error":"code","message":…} and {"error":{"code":…,"message":…}}.
  let code = '', message = '';
  if (data && typeof data.error === 'object' && data.error) {
    code = data.error.code || ''; message = data.error.message || data.message || '';
  } else if (data) {
    code = data.error || ''; message = data.message || '';
  }
  const retry = Number(res.headers.get('Retry-After')) || undefined;
  const error = new ApiError(res.status, code, message, retry);
  if (res.status === 401 && !noRedirect) {
    clearSession();
    window.dispatchEvent(new CustomEvent('parc:unauthorized'));
  }
  throw error;
}

export const get = (path, query) => request('GET', path, {query});
export const post = (path, body = {}) => request('POST', path, {body});
export const put = (path, body = {}) => request('PUT', path, {body});
export const del = (path) => request('DELETE', path);

/**
 * Reads every page of a list route (server paging), or the whole list of an older server
 * that ignores offset/limit. onPage(itemsSoFar, total) reports progress.
 */
export async function getAll(path, query = {}, {pageSize = 500, onPage} = {}) {
  const items = [];
  let offset = 0;
  for (;;) {
    const page = await get(path, {...query, offset, limit: pageSize});
    items.push(...(page.items || []));
    const total = page.total ?? items.length;
    if (onPage) onPage(items, total);
    if (page.total === undefined || items.length >= total || !(page.items || []).length) break;
    offset = items.length;
  }
  return items;
}
