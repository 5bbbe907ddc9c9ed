import { createColors } from './colors.js';
import { formatValue, type Cell } from './format-value.js';
import { humanize } from './labels.js';
import type { Presentation } from './presentation.js';

/** Long text (descriptions) is cut in tables for people; scripts always get every character. */
export const MAX_CELL_WIDTH = 60;
const COLUMN_GAP = '  ';

const truncate = (text: string): string => (text.length > MAX_CELL_WIDTH ? `${text.slice(0, MAX_CELL_WIDTH - 1)}…` : text);

/** Rows as an aligned table with a header for people, or as tab-separated lines without one for scripts. */
export const renderTable = (rows: readonly Record<string, unknown>[], columns: readonly string[], { colors, forPeople }: Presentation): string => {
  if (!forPeople) {
    return rows.map((row) => columns.map((column) => formatValue(row[column], column, colors, '').text).join('\t')).join('\n');
  }
  const header: Cell[] = columns.map((column) => ({ text: humanize(column).toUpperCase(), paint: colors.bold }));
  const body: Cell[][] = rows.map((row) =>
    columns.map((column) => {
      const cell = formatValue(row[column], column, colors);
      return { ...cell, text: truncate(cell.text) };
    }),
  );
  const widths = columns.map((_, index) => Math.max(...[header, ...body].map((line) => line[index]!.text.length)));
  return [header, ...body]
    .map((line) =>
      line
        .map((cell, index) => {
          const isLast = index === line.length - 1;
          // No trailing spaces after the last column; padding is measured on the uncoloured text.
          return cell.paint(cell.text) + (isLast ? '' : ' '.repeat(widths[index]! - cell.text.length));
        })
        .join(COLUMN_GAP),
    )
    .join('\n');
};

/**
 * Table columns when the contract names none: every field any row has (a field only some rows
 * carry, like a check's `detail`, still gets its column), except nested values too big for a cell.
 */
export const defaultColumns = (rows: readonly Record<string, unknown>[]): string[] => {
  const keys = [...new Set(rows.flatMap((row) => Object.keys(row)))];
  return keys.filter((key) =>
    rows.every((row) => {
      const value = row[key];
      return typeof value !== 'object' || value === null || formatValue(value, key, NO_PAINT).text.length <= MAX_CELL_WIDTH;
    }),
  );
};

const NO_PAINT = createColors(false);
