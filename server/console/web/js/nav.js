// Locations in the hash (#/postes?q=pc) and French messages for API errors.
import {t} from './i18n.js';

/** '#/postes?q=pc' → {path: '/postes', query: URLSearchParams}. */
export function currentLocation() {
  const raw = window.location.hash.replace(/^#/, '') || '/';
  const [path, qs] = raw.split('?');
  return {path: path || '/', query: new URLSearchParams(qs || '')};
}

export function navigate(path, query) {
  const qs = query && [...query].length ? `?${query}` : '';
  window.location.hash = `#${path}${qs}`;
}

/** A French message for an API error. */
export function errorText(e) {
  if (!e) return t('error.unknown');
  if (e.status === 0) return t('error.network');
  if (e.missing) return t('error.missing');
  if (e.status === 403) return t('error.forbidden');
  if (e.status === 404) return t('error.notFound');
  if (e.status === 429) return t('error.throttled', {s: e.retryAfter || 60});
  if (e.status >= 500) return t('error.server');
  return e.message ? t('error.withMessage', {message: e.message}) : t('error.unknown');
}

