import { LONG_STATEMENT_MS, withDeadline } from '../database/pool.js';
import { inTransaction } from '../database/transaction.js';
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { cursorOf, logReader, type LogCursor, type StoredLogEvent } from '../log/log-reader.js';
import type { Queryable } from '../privacy/keyring.js';
import type { Checkpoint } from './checkpoints.js';
import type { ProcessorDeclaration, ReadModelProcessor } from './declaration.js';
import { errorText, type RunnerOptions } from './runner.js';

/**
 * Rebuilds without downtime. The copy is built beside the live tables, in a schema of its own
 * holding empty tables of the same names and indexes; the read model's own handler writes to it
 * unchanged because each replay transaction puts that schema first on `search_path` (this is
 * why handlers name their tables unqualified, and why the copy is a schema rather than
 * `<table>__rebuild` names the handler would have to know about). The leader replays a batch
 * before each live batch, never past the live checkpoint, so new events keep flowing to the live
 * tables. When the copy has caught up, one transaction, holding the checkpoint row, compares the
 * two row for row, moves the live tables out and the copy in, and drops the old ones: readers
 * see the old tables or the new ones, never neither. The replay cursor commits with each batch,
 * so a rebuild interrupted by a crash resumes where it stopped.
 */

const REPLAY_BATCH = 2000;

export const scratchSchema = (processor: string, purpose: 'rebuild' | 'check' = 'rebuild') => `eventshop_${purpose}_${processor}`.slice(0, 63);

const isAfter = (a: LogCursor, b: LogCursor) => {
  const [ta, tb] = [BigInt(a.transactionId), BigInt(b.transactionId)];
  return ta > tb || (ta === tb && a.position > b.position);
};

/** Empty tables shaped like the live ones (columns, defaults, generated columns, keys and indexes, same names) in `schema`. */
export const createScratchCopy = async (db: Queryable, tables: readonly string[], schema: string) => {
  await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await db.query(`CREATE SCHEMA ${schema}`);
  for (const table of tables) {
    await db.query(`CREATE TABLE ${schema}.${table} (LIKE public.${table} INCLUDING ALL EXCLUDING INDEXES)`);
    // Indexes re-created under their own names, so after the switch the migrations' IF NOT EXISTS still recognise them.
    const { rows } = await db.query<{ definition: string; constraint_name: string | null; constraint_def: string | null }>(
      `SELECT i.indexdef AS definition, c.conname AS constraint_name, pg_get_constraintdef(c.oid) AS constraint_def
         FROM pg_indexes i
         LEFT JOIN pg_constraint c ON c.conindid = (quote_ident(i.schemaname) || '.' || quote_ident(i.indexname))::regclass
        WHERE i.schemaname = 'public' AND i.tablename = $1`,
      [table],
    );
    for (const row of rows) {
      if (row.constraint_name) await db.query(`ALTER TABLE ${schema}.${table} ADD CONSTRAINT ${row.constraint_name} ${row.constraint_def}`);
      else await db.query(row.definition.replace(` ON public.${table} `, ` ON ${schema}.${table} `));
    }
  }
};

/** Runs the read model's own handler with its tables resolved in `schema`. */
export const replayBatch = async (tx: Queryable, processor: ReadModelProcessor, schema: string, events: readonly StoredLogEvent[]) => {
  await tx.query(`SET LOCAL search_path TO ${schema}, public`);
  await processor.handle(events, { tx, mode: 'replay', processor: processor.name });
  await tx.query(`SET LOCAL search_path TO public`);
};

export type TableComparison = { table: string; liveRows: number; rebuiltRows: number; onlyLive: number; onlyRebuilt: number };

/**
 * Row for row, duplicates counted (EXCEPT ALL both ways). Run inside a transaction: over a large
 * read model it takes longer than the pool's statement limits (5 s; a 1,000,000-event rebuild
 * failed on them at its very end), so the transaction lifts them for its remaining statements.
 */
export const compareTables = async (db: pg.PoolClient, tables: readonly string[], schema: string) => {
  await db.query(`SET LOCAL statement_timeout = ${LONG_STATEMENT_MS}`);
  const result: TableComparison[] = [];
  for (const table of tables) {
    const { rows } = await db.query<{ live: string; rebuilt: string; only_live: string; only_rebuilt: string }>(
      withDeadline(
      `SELECT (SELECT count(*) FROM public.${table}) AS live, (SELECT count(*) FROM ${schema}.${table}) AS rebuilt,
              (SELECT count(*) FROM (SELECT * FROM public.${table} EXCEPT ALL SELECT * FROM ${schema}.${table}) x) AS only_live,
              (SELECT count(*) FROM (SELECT * FROM ${schema}.${table} EXCEPT ALL SELECT * FROM public.${table}) x) AS only_rebuilt`,
      [],
      LONG_STATEMENT_MS,
      ),
    );
    const row = rows[0]!;
    result.push({ table, liveRows: Number(row.live), rebuiltRows: Number(row.rebuilt), onlyLive: Number(row.only_live), onlyRebuilt: Number(row.only_rebuilt) });
  }
  return { equal: result.every((table) => table.onlyLive === 0 && table.onlyRebuilt === 0), tables: result };
};

type RebuildRow = { transaction_id: string; position: string | number; status: string };

/**
 * One step of a running rebuild, in the leader's loop just before a live batch. True when it did
 * work (the loop then goes on without waiting).
 */
export const rebuildStep = async (pool: pg.Pool, processor: ProcessorDeclaration, checkpoint: Checkpoint, options: RunnerOptions): Promise<boolean> => {
  if (processor.kind !== 'read-model') return false;
  const { rows } = await pool.query<RebuildRow>(
    `SELECT transaction_id::text AS transaction_id, position, status FROM eventshop_rebuilds WHERE processor = $1`,
    [processor.name],
  );
  const row = rows[0];
  if (!row || row.status !== 'running') return false;
  const schema = scratchSchema(processor.name);
  const cursor: LogCursor = { transactionId: row.transaction_id, position: Number(row.position) };
  try {
    const exists = await pool.query(`SELECT 1 FROM pg_namespace WHERE nspname = $1`, [schema]);
    // Nothing replayed yet (a fresh start, or a crash before the first batch committed): a clean copy.
    if (cursor.position === 0 || exists.rowCount === 0) {
      if (cursor.position !== 0) await pool.query(`UPDATE eventshop_rebuilds SET transaction_id = '0', position = 0, events_done = 0 WHERE processor = $1`, [processor.name]);
      await inTransaction(pool, (tx) => createScratchCopy(tx, processor.tables, schema));
      if (cursor.position !== 0) return true;
    }
    const events = (await logReader(pool).read(cursor, { types: processor.handles }, options.rebuildBatchSize)).filter((event) => !isAfter(cursorOf(event), checkpoint.cursor));
    if (events.length > 0) {
      const to = cursorOf(events[events.length - 1]!);
      await inTransaction(pool, async (tx) => {
        const moved = await tx.query(
          `UPDATE eventshop_rebuilds SET transaction_id = $4::xid8, position = $5, events_done = events_done + $6, updated_at = now(),
                  events_total = GREATEST(events_total, events_done + $6)
            WHERE processor = $1 AND status = 'running' AND transaction_id = $2::xid8 AND position = $3`,
          [processor.name, cursor.transactionId, cursor.position, to.transactionId, to.position, events.length],
        );
        if (moved.rowCount !== 1) return;
        // The replay cursor commits with the rows it covers, so losing the last commits to a
        // database crash only moves the rebuild back consistently: no need to wait for the flush.
        await tx.query(`SET LOCAL synchronous_commit = off`);
        await replayBatch(tx, processor, schema, events);
      });
      return true;
    }
    await inTransaction(pool, async (tx) => {
      // Hold the checkpoint: no live batch may land between the comparison and the switch.
      const held = await tx.query<{ transaction_id: string; position: string }>(
        `SELECT transaction_id::text AS transaction_id, position FROM eventshop_checkpoints WHERE processor = $1 FOR UPDATE`,
        [processor.name],
      );
      const live = held.rows[0];
      if (!live || live.transaction_id !== checkpoint.cursor.transactionId || Number(live.position) !== checkpoint.cursor.position) return;
      await tx.query(`SET LOCAL lock_timeout = '5s'`);
      const comparison = await compareTables(tx, processor.tables, schema);
      const retired = scratchSchema(processor.name, 'check');
      await tx.query(`DROP SCHEMA IF EXISTS ${retired} CASCADE`);
      await tx.query(`CREATE SCHEMA ${retired}`);
      for (const table of processor.tables) {
        await tx.query(`ALTER TABLE public.${table} SET SCHEMA ${retired}`);
        await tx.query(`ALTER TABLE ${schema}.${table} SET SCHEMA public`);
      }
      await tx.query(`DROP SCHEMA ${retired} CASCADE`);
      await tx.query(`DROP SCHEMA ${schema} CASCADE`);
      await tx.query(`UPDATE eventshop_rebuilds SET status = 'done', finished_at = now(), updated_at = now(), comparison = $2 WHERE processor = $1`, [
        processor.name,
        JSON.stringify(comparison),
      ]);
      options.log(`processor ${processor.name}: rebuilt and switched (${comparison.equal ? 'equal to the live copy' : 'differed from the live copy'})`);
    });
    return true;
  } catch (error) {
    // A handler that cannot replay history fails the rebuild, not the live processor.
    options.log(`processor ${processor.name}: rebuild failed: ${errorText(error)}`);
    await pool.query(`UPDATE eventshop_rebuilds SET status = 'failed', error = $2, finished_at = now(), updated_at = now() WHERE processor = $1`, [processor.name, errorText(error)]);
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => {});
    return false;
  }
};

/**
 * A read model's rows for one entity as they were at `at`: the log up to that instant replayed by
 * the read model's own handler into a scratch copy, read with its own `rowsOf`, inside one
 * transaction that is rolled back, so nothing of it outlives the answer.
 */
export const readModelAt = async (pool: pg.Pool, processor: ReadModelProcessor, id: string, at: Date) => {
  if (!processor.rowsOf) throw new Error(`${processor.name} declares no rowsOf`);
  const schema = `eventshop_asof_${randomBytes(6).toString('hex')}`;
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query('BEGIN');
    await createScratchCopy(client, processor.tables, schema);
    const reader = logReader(client);
    let cursor: LogCursor = { transactionId: '0', position: 0 };
    let replayed = 0;
    for (;;) {
      const events = await reader.read(cursor, { types: processor.handles, until: at }, REPLAY_BATCH);
      if (events.length === 0) break;
      await replayBatch(client, processor, schema, events);
      replayed += events.length;
      cursor = cursorOf(events[events.length - 1]!);
    }
    await client.query(`SET LOCAL search_path TO ${schema}, public`);
    const rows = await processor.rowsOf(client, id);
    return { rows, replayed };
  } finally {
    await client.query('ROLLBACK').catch(() => (broken = true));
    client.release(broken);
  }
};

/**
 * Replays the whole log, up to the processor's checkpoint, into a scratch copy and compares it
 * with the live tables, touching neither: the crash tests' "equals a fresh rebuild". Run it
 * while the processor is caught up and idle.
 */
export const compareWithFreshReplay = async (pool: pg.Pool, processor: ReadModelProcessor) => {
  const schema = scratchSchema(processor.name, 'check');
  return inTransaction(pool, async (tx) => {
    const { rows } = await tx.query<{ transaction_id: string; position: string }>(
      `SELECT transaction_id::text AS transaction_id, position FROM eventshop_checkpoints WHERE processor = $1 FOR UPDATE`,
      [processor.name],
    );
    const upTo: LogCursor = { transactionId: rows[0]!.transaction_id, position: Number(rows[0]!.position) };
    await createScratchCopy(tx, processor.tables, schema);
    const reader = logReader(tx);
    let cursor: LogCursor = { transactionId: '0', position: 0 };
    for (;;) {
      const events = (await reader.read(cursor, { types: processor.handles }, REPLAY_BATCH)).filter((event) => !isAfter(cursorOf(event), upTo));
      if (events.length === 0) break;
      await replayBatch(tx, processor, schema, events);
      cursor = cursorOf(events[events.length - 1]!);
    }
    const comparison = await compareTables(tx, processor.tables, schema);
    await tx.query(`DROP SCHEMA ${schema} CASCADE`);
    return comparison;
  });
};
