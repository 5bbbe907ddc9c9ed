export type Row = Record<string, unknown>;

export type ChangedRow = { key: Row; columns: Record<string, { live: unknown; whatIf: unknown }> };

export type TableDifference = {
  table: string;
  key: string[];
  liveRows: number;
  whatIfRows: number;
  added: number;
  removed: number;
  changed: number;
  /** Up to `sample` of each kind, in key order. */
  samples: { added: Row[]; removed: Row[]; changed: ChangedRow[] };
};

/**
 * One value as the comparison sees it: the live rows come as PostgreSQL's JSON (numbers as
 * numbers, timestamps as text with an offset), a script's rows as it built them (a bigint, a
 * Date, a number held as text). Equal meaning gives equal text.
 */
const canonical = (value: unknown): string => {
  if (value === undefined || value === null) return 'null';
  if (value instanceof Date) return `t:${value.toISOString()}`;
  if (typeof value === 'bigint') return `n:${value}`;
  if (typeof value === 'number') return `n:${value}`;
  if (typeof value === 'string') {
    if (/^-?\d+(\.\d+)?$/.test(value)) return `n:${Number(value)}`;
    const time = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/.test(value) ? Date.parse(value) : Number.NaN;
    if (!Number.isNaN(time)) return `t:${new Date(time).toISOString()}`;
    return `s:${value}`;
  }
  if (typeof value === 'boolean') return `b:${value}`;
  return `j:${JSON.stringify(value)}`;
};

const keyOf = (row: Row, key: readonly string[]) => JSON.stringify(key.map((column) => canonical(row[column])));

/**
 * Where a changed projection's rows differ from the live ones, matched by the table's primary
 * key: rows only it produced (added), rows only the live read model has (removed), and rows in
 * both whose columns differ (changed, with each differing column's two values).
 */
export const compareRows = (table: string, key: readonly string[], live: readonly Row[], whatIf: readonly Row[], sample: number): TableDifference => {
  const liveByKey = new Map(live.map((row) => [keyOf(row, key), row]));
  const whatIfByKey = new Map(whatIf.map((row) => [keyOf(row, key), row]));
  const added: Row[] = [];
  const removed: Row[] = [];
  const changed: ChangedRow[] = [];
  for (const [id, row] of whatIfByKey) {
    const was = liveByKey.get(id);
    if (!was) {
      added.push(row);
      continue;
    }
    const columns: ChangedRow['columns'] = {};
    for (const column of new Set([...Object.keys(was), ...Object.keys(row)])) {
      if (canonical(was[column]) !== canonical(row[column])) columns[column] = { live: was[column] ?? null, whatIf: row[column] ?? null };
    }
    if (Object.keys(columns).length > 0) changed.push({ key: Object.fromEntries(key.map((column) => [column, row[column]])), columns });
  }
  for (const [id, row] of liveByKey) if (!whatIfByKey.has(id)) removed.push(row);
  return {
    table,
    key: [...key],
    liveRows: liveByKey.size,
    whatIfRows: whatIfByKey.size,
    added: added.length,
    removed: removed.length,
    changed: changed.length,
    samples: { added: added.slice(0, sample), removed: removed.slice(0, sample), changed: changed.slice(0, sample) },
  };
};
