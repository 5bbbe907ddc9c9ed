import { formatValue, isMoney } from './format-value.js';
import { humanize } from './labels.js';
import type { Presentation } from './presentation.js';
import { defaultColumns, renderTable } from './table.js';

const INDENT = '  ';

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !isMoney(value);

const isListOfObjects = (value: unknown): value is Record<string, unknown>[] =>
  Array.isArray(value) && value.length > 0 && value.every(isPlainObject);

/**
 * One object as labelled lines, `keys` first in that order and the rest after. For people, nested
 * objects indent under their label and lists of objects become a small table; for scripts, each
 * leaf is a `path<TAB>value` line (`user.email	ada@example.com`).
 *
 * `keys` are the contract's table columns. When the object only wraps a list (an address book with
 * its items), they name the list's columns instead.
 */
export const renderKeyValue = (record: Record<string, unknown>, keys: readonly string[], presentation: Presentation): string =>
  presentation.forPeople
    ? forPeople(record, orderedKeys(record, keys), keys, presentation, '')
    : forScripts(record, orderedKeys(record, keys), presentation, '').join('\n');

const orderedKeys = (record: Record<string, unknown>, first: readonly string[]): string[] => [
  ...first.filter((key) => key in record),
  ...Object.keys(record).filter((key) => !first.includes(key)),
];

const columnsFor = (rows: Record<string, unknown>[], preferred: readonly string[]): string[] => {
  const present = preferred.filter((column) => rows.some((row) => column in row));
  return present.length > 0 ? present : defaultColumns(rows);
};

const forPeople = (
  record: Record<string, unknown>,
  keys: string[],
  listColumns: readonly string[],
  presentation: Presentation,
  indent: string,
): string => {
  const { colors } = presentation;
  const labelWidth = Math.max(0, ...keys.map((key) => humanize(key).length + 1));
  return keys
    .map((key) => {
      const value = record[key];
      const title = `${humanize(key)}:`;
      if (isPlainObject(value)) {
        return `${indent}${colors.bold(title)}\n${forPeople(value, Object.keys(value), listColumns, presentation, indent + INDENT)}`;
      }
      if (isListOfObjects(value)) {
        const table = renderTable(value, columnsFor(value, listColumns), presentation);
        return `${indent}${colors.bold(title)}\n${table.replace(/^/gm, indent + INDENT)}`;
      }
      const cell = formatValue(value, key, colors);
      return `${indent}${colors.bold(title.padEnd(labelWidth))}  ${cell.paint(cell.text)}`;
    })
    .join('\n');
};

const forScripts = (record: Record<string, unknown>, keys: string[], presentation: Presentation, prefix: string): string[] =>
  keys.flatMap((key) => {
    const value = record[key];
    if (isPlainObject(value)) return forScripts(value, Object.keys(value), presentation, `${prefix}${key}.`);
    const text = isListOfObjects(value) ? JSON.stringify(value) : formatValue(value, key, presentation.colors, '').text;
    return [`${prefix}${key}\t${text.replace(/[\t\r\n]+/g, ' ')}`];
  });
