import type { Queryable } from '../privacy/keyring.js';
import { RequestValidationError } from '../http/problems.js';

type KeyColumn = { name: string; type: string };

/** The table's primary-key columns with their SQL types, in key order (empty when it has none). */
export const primaryKeyOf = async (db: Queryable, table: string): Promise<KeyColumn[]> => {
  const { rows } = await db.query<{ name: string; type: string }>(
    `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type
       FROM pg_index i
       JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord) ON true
       JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
      WHERE i.indrelid = ('public.' || quote_ident($1))::regclass AND i.indisprimary
      ORDER BY k.ord`,
    [table],
  );
  return rows;
};

const badCursor = () => new RequestValidationError([{ field: 'after', message: 'Not a cursor this list gave out; start again without it' }]);

/** The key values of the last row of a page, as text: typed again by the query that reads on. */
const encodeAfter = (values: string[]) => Buffer.from(JSON.stringify(values)).toString('base64url');

const decodeAfter = (after: string, width: number): string[] => {
  try {
    const values = JSON.parse(Buffer.from(after, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(values) && values.length === width && values.every((value) => typeof value === 'string')) return values as string[];
  } catch {
    // the one error below
  }
  throw badCursor();
};

/**
 * One page of a read model table's rows in primary-key order, and the read model's checkpoint,
 * in one statement (so one snapshot): the rows are exactly what the read model held after the
 * event at that position. Rows travel as PostgreSQL's own JSON of them (numbers as numbers).
 * `table` is one the read model declares and `key` its primary key, both checked by the caller,
 * so the names in the SQL are ours, never the client's text.
 */
export const readModelRows = async (db: Queryable, input: { processor: string; table: string; key: KeyColumn[]; after?: string | undefined; limit: number }) => {
  const { key, table } = input;
  const columns = key.map((column) => `t."${column.name}"`).join(', ');
  const after = input.after === undefined ? undefined : decodeAfter(input.after, key.length);
  const bound = after ? `WHERE (${columns}) > (${key.map((column, i) => `$${i + 3}::${column.type}`).join(', ')})` : '';
  let result;
  try {
    result = await db.query<{ checkpoint: string | number | null; rows: (Record<string, unknown> & { __key: string[] })[] }>(
      `SELECT (SELECT position FROM eventshop_checkpoints WHERE processor = $1) AS checkpoint,
              COALESCE((SELECT json_agg(p) FROM (SELECT t.*, ARRAY[${key.map((column) => `t."${column.name}"::text`).join(', ')}] AS __key
                                                   FROM public.${table} t ${bound} ORDER BY ${columns} LIMIT $2) p), '[]'::json) AS rows`,
      [input.processor, input.limit + 1, ...(after ?? [])],
    );
  } catch (error) {
    // A hand-made cursor whose values do not fit the key's types (invalid_text_representation and kin).
    if (String((error as { code?: string }).code ?? '').startsWith('22')) throw badCursor();
    throw error;
  }
  const { checkpoint, rows } = result.rows[0]!;
  const more = rows.length > input.limit;
  const page = more ? rows.slice(0, input.limit) : rows;
  return {
    checkpoint: Number(checkpoint ?? 0),
    items: page.map(({ __key: _key, ...row }) => row),
    nextAfter: more ? encodeAfter(page[page.length - 1]!.__key) : null,
  };
};
