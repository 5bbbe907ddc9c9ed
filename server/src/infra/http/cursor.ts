import { RequestValidationError } from './problems.js';

/** Cursors are opaque to clients: base64url JSON of the last row's sort key. */
export const encodeCursor = (key: unknown[]): string => Buffer.from(JSON.stringify(key)).toString('base64url');

type CursorKind = 'string' | 'number' | 'uuid' | 'timestamp';

/**
 * The sort key a cursor carries, checked against `shape`. A `timestamp` decodes to a Date: the
 * cursor is ours, but a client could still hand-craft one, and PostgreSQL must never see a
 * non-time (or an out-of-range one) there.
 */
export const decodeCursor = (cursor: string, shape: CursorKind[]): unknown[] => {
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(key) && key.length === shape.length) {
      const values = key.map((value, i) => decodeValue(value, shape[i]!));
      if (values.every((value) => value !== undefined)) return values;
    }
  } catch {
    // fall through to the one error below
  }
  throw new RequestValidationError([{ field: 'cursor', message: 'Not a cursor this list gave out; start again without it' }]);
};

export const DEFAULT_PAGE_SIZE = 20;

export type Page<T> = { items: T[]; nextCursor: string | null };

/** Fetches one row more than asked, to know whether another page exists without counting. */
export const toPage = <Row, Item>(rows: Row[], limit: number, map: (row: Row) => Item, cursorOf: (row: Row) => unknown[]): Page<Item> => {
  const hasMore = rows.length > limit;
  const pageRows = hasMore ? rows.slice(0, limit) : rows;
  return { items: pageRows.map(map), nextCursor: hasMore ? encodeCursor(cursorOf(pageRows[pageRows.length - 1]!)) : null };
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Year 10000, the first instant toISOString no longer writes with four digits. */
const END_OF_ISO_YEARS_MS = 253_402_300_800_000;

/**
 * An instant as a list wrote it into its cursors: toISOString() text or epoch milliseconds. Both
 * spellings are in cursors already given out, and both decode to the same range of instants.
 */
const instantOf = (value: unknown): Date | undefined => {
  const ms =
    typeof value === 'string' && ISO_TIME.test(value)
      ? Date.parse(value)
      : Number.isSafeInteger(value) && (value as number) >= 0 && (value as number) < END_OF_ISO_YEARS_MS
        ? (value as number)
        : Number.NaN;
  return Number.isNaN(ms) ? undefined : new Date(ms);
};

/** The value as the query needs it, or undefined when it is not of that kind (JSON has no undefined). */
const decodeValue = (value: unknown, kind: CursorKind): unknown => {
  if (kind === 'timestamp') return instantOf(value);
  if (kind === 'uuid') return typeof value === 'string' && UUID.test(value) ? value : undefined;
  return typeof value === kind ? value : undefined;
};
