// Every string the console shows comes from a dictionary (i18n/fr.js): another language
// is one more file with the same keys, chosen here.
import fr from './i18n/fr.js';

const dictionaries = {fr};
export const locale = 'fr-FR';
let dict = dictionaries.fr;

/** t('hosts.count', {n: 3}) → the text with {n} replaced; the key itself when unknown. */
export function t(key, params = {}) {
  let text = dict[key];
  if (text === undefined) return key;
  if (typeof text === 'function') return text(params);
  return text.replace(/\{(\w+)\}/g, (m, name) => (name in params ? String(params[name]) : m));
}

export function has(key) {
  return key in dict;
}
