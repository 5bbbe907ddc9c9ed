import type { Colors } from './colors.js';
import { terminalSafe } from './terminal-safe.js';

export type Money = { amount: number; currency: string };

/** A value ready to print: the plain text (to measure and cut) and how to colour it. */
export type Cell = { text: string; paint: (text: string) => string };

export const isMoney = (value: unknown): value is Money =>
  typeof value === 'object' &&
  value !== null &&
  Object.keys(value).length === 2 &&
  typeof (value as Money).amount === 'number' &&
  typeof (value as Money).currency === 'string';

const minorUnitDigits = (currency: string): number => {
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    // Not an ISO currency Intl knows: cents are the safest guess.
    return 2;
  }
};

/** Minor units to a decimal amount with its currency: `{ amount: 1299, currency: 'USD' }` → `12.99 USD`, 500 JPY → `500 JPY`. */
export const formatMoney = ({ amount, currency }: Money): string => {
  const digits = minorUnitDigits(currency);
  return `${(amount / 10 ** digits).toFixed(digits)} ${currency}`;
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const STATUS_KEYS = new Set(['status', 'state', 'ok']);
const GOOD_STATUSES = new Set(['active', 'ok', 'ready', 'healthy', 'true', 'paid', 'completed', 'succeeded']);
const BAD_STATUSES = new Set(['discontinued', 'not_ready', 'false', 'failed', 'error', 'disabled', 'suspended', 'cancelled', 'canceled']);

const plain = (text: string) => text;

/**
 * One value as people read it: money as `12.99 USD`, lists joined, nested objects as compact JSON,
 * a missing value as `empty`. Colour only marks meaning: ids recede, statuses say good or bad.
 */
export const formatValue = (value: unknown, key: string, colors: Colors, empty = '-'): Cell => {
  const cell = formatRawValue(value, key, colors, empty);
  // A value is one cell or one line: a tab or line break inside it would split the row (for `cut` too).
  return { ...cell, text: terminalSafe(cell.text.replace(/[\t\r\n]+/g, ' ')) };
};

const formatRawValue = (value: unknown, key: string, colors: Colors, empty: string): Cell => {
  if (value === null || value === undefined || value === '') return { text: empty, paint: colors.dim };
  if (isMoney(value)) return { text: formatMoney(value), paint: plain };
  if (Array.isArray(value)) {
    const scalars = value.every((item) => typeof item !== 'object' || item === null || isMoney(item));
    const text = scalars ? value.map((item) => formatRawValue(item, key, colors, empty).text).join(', ') : JSON.stringify(value);
    return { text, paint: plain };
  }
  if (typeof value === 'object') return { text: JSON.stringify(value), paint: plain };
  const text = String(value);
  if (STATUS_KEYS.has(key)) {
    if (GOOD_STATUSES.has(text)) return { text, paint: colors.green };
    if (BAD_STATUSES.has(text)) return { text, paint: colors.red };
  }
  if (typeof value === 'string' && UUID.test(value)) return { text, paint: colors.dim };
  return { text, paint: plain };
};
