// French formatting of dates, sizes, durations and numbers (Intl with the fr-FR locale).
import {locale, t} from './i18n.js';

const dateTime = new Intl.DateTimeFormat(locale, {
  day: '2-digit', month: '2-digit', year: 'numeric', hour: '2-digit', minute: '2-digit',
});
const dateOnly = new Intl.DateTimeFormat(locale, {day: '2-digit', month: '2-digit', year: 'numeric'});
const integer = new Intl.NumberFormat(locale, {maximumFractionDigits: 0});
const oneDecimal = new Intl.NumberFormat(locale, {maximumFractionDigits: 1});

/** Seconds since 1970 (or an ISO string) → "29/11/2026 14:03"; "—" when absent. */
export function formatDate(value) {
  const d = toDate(value);
  return d ? dateTime.format(d).replace(',', '') : '—';
}

export function formatDay(value) {
  const d = toDate(value);
  return d ? dateOnly.format(d) : '—';
}

function toDate(value) {
  if (value === null || value === undefined || value === '' || value === 0) return null;
  const d = typeof value === 'number' ? new Date(value * 1000) : new Date(value);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** "il y a 5 min", "dans 3 j", "à l'instant". */
export function formatRelative(value, now = Date.now()) {
  const d = toDate(value);
  if (!d) return '—';
  const s = Math.round((now - d.getTime()) / 1000);
  const abs = Math.abs(s);
  let amount;
  if (abs < 45) return t('time.now');
  if (abs < 3600) amount = t('time.minutes', {n: Math.max(1, Math.round(abs / 60))});
  else if (abs < 86400) amount = t('time.hours', {n: Math.round(abs / 3600)});
  else if (abs < 86400 * 60) amount = t('time.days', {n: Math.round(abs / 86400)});
  else if (abs < 86400 * 730) amount = t('time.months', {n: Math.round(abs / (86400 * 30))});
  else amount = t('time.years', {n: Math.round(abs / (86400 * 365))});
  return s >= 0 ? t('time.ago', {amount}) : t('time.in', {amount});
}

/** A duration in seconds → "3 j 4 h", "12 min". */
export function formatDuration(seconds) {
  if (seconds === null || seconds === undefined) return '—';
  const d = Math.floor(seconds / 86400), hr = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  if (d > 0) return `${d} j ${hr} h`;
  if (hr > 0) return `${hr} h ${m} min`;
  return `${m} min`;
}

/**
 * Bytes → "16 Go". Memory uses binary multiples (as sold: 16 Go = 16 Gio); disks use
 * decimal ones (as sold: a "512 Go" SSD is 512 × 10⁹ bytes).
 */
export function formatBytes(bytes, {binary = false} = {}) {
  if (bytes === null || bytes === undefined || Number.isNaN(Number(bytes))) return '—';
  const base = binary ? 1024 : 1000;
  const units = ['o', 'ko', 'Mo', 'Go', 'To', 'Po'];
  let v = Number(bytes), i = 0;
  while (Math.abs(v) >= base && i < units.length - 1) { v /= base; i++; }
  return `${v >= 100 || i === 0 ? integer.format(v) : oneDecimal.format(v)} ${units[i]}`;
}

export function formatNumber(n) {
  return n === null || n === undefined ? '—' : integer.format(n);
}

export function formatDecimal(n) {
  return n === null || n === undefined ? '—' : oneDecimal.format(n);
}

export function formatPercent(n) {
  return n === null || n === undefined ? '—' : `${integer.format(n)} %`;
}

export function yesNo(v) {
  return v === undefined || v === null ? '—' : v ? t('common.yes') : t('common.no');
}
