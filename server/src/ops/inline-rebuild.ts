import type { PostgreSQLProjectionHandlerContext } from '@event-driven-io/emmett-postgresql';
import type pg from 'pg';
import { inTransaction } from '../infra/database/transaction.js';
import { HttpProblem } from '../infra/http/problems.js';
import type { Queryable } from '../infra/privacy/keyring.js';
import { compareTables, createScratchCopy, scratchSchema, type TableComparison } from '../infra/processors/rebuild.js';
import type { ReadModelDeclaration } from '../modules/module.js';

/** A read model kept inline, in the append transaction, by an Emmett projection. */
export type InlineReadModel = ReadModelDeclaration & { inline: NonNullable<ReadModelDeclaration['inline']> };

export const inlineReadModels = (readModels: readonly ReadModelDeclaration[]): InlineReadModel[] =>
  readModels.filter((readModel): readModel is InlineReadModel => readModel.inline !== undefined);

const PAGE = 2000;

/** lock_not_available: NOWAIT found a table busy, or lock_timeout passed. */
const lockTimedOut = (error: unknown) => (error as { code?: string }).code === '55P03';

type MessageRow = {
  stream_id: string;
  stream_position: string;
  global_position: string;
  message_id: string;
  message_type: string;
  message_data: Record<string, unknown>;
  message_metadata: Record<string, unknown>;
};

/** The events of these types as Emmett hands them to an inline projection, in log order, a page after `after`. */
const readPage = async (db: Queryable, types: readonly string[], after: bigint) => {
  const { rows } = await db.query<MessageRow>(
    `SELECT stream_id, stream_position::text, global_position::text, message_id, message_type, message_data, message_metadata
       FROM emt_messages WHERE message_type = ANY($1) AND global_position > $2 AND NOT is_archived
      ORDER BY global_position LIMIT $3`,
    [types, after.toString(), PAGE],
  );
  return rows.map((row) => ({
    type: row.message_type,
    data: row.message_data,
    kind: 'Event' as const,
    metadata: {
      ...row.message_metadata,
      messageId: row.message_id,
      streamName: row.stream_id,
      streamPosition: BigInt(row.stream_position),
      globalPosition: BigInt(row.global_position),
    },
  }));
};

const LOCK_WAIT_MS = 10_000;

/**
 * All of the tables at once or none: an append may hold one of them and be about to write another,
 * so waiting while holding some would deadlock with it. Each try takes them all without waiting
 * (NOWAIT) and gives back what it got (the savepoint) when one is busy, then tries again shortly.
 */
const lockAgainstWrites = async (tx: Queryable, tables: readonly string[]) => {
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    await tx.query('SAVEPOINT inline_rebuild_lock');
    try {
      await tx.query(`LOCK TABLE ${tables.map((table) => `public.${table}`).join(', ')} IN EXCLUSIVE MODE NOWAIT`);
      await tx.query('RELEASE SAVEPOINT inline_rebuild_lock');
      return;
    } catch (error) {
      await tx.query('ROLLBACK TO SAVEPOINT inline_rebuild_lock');
      if (!lockTimedOut(error) || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20));
    }
  }
};

/**
 * Replays the whole log through the read model's own inline projection into a scratch copy of
 * its tables, inside `tx`, and compares the copy with the live tables row for row.
 *
 * An inline read model's only writers are append transactions (its projection runs inside each
 * one), so the live tables are locked against writes first: every append that wrote them has
 * then committed and every later one waits, and the log as this transaction reads it is exactly
 * what the tables show. Readers are not blocked. The projection names its tables unqualified, so
 * `search_path` points it at the copy.
 */
export const replayInline = async (tx: pg.PoolClient, readModel: InlineReadModel, schema: string) => {
  await lockAgainstWrites(tx, readModel.tables);
  await tx.query(`SET LOCAL lock_timeout = '10s'`);
  await createScratchCopy(tx, readModel.tables, schema);
  const context = { connection: { client: tx }, execute: undefined } as unknown as PostgreSQLProjectionHandlerContext;
  let after = 0n;
  let replayed = 0;
  await tx.query(`SET LOCAL search_path TO ${schema}, public`);
  try {
    for (;;) {
      const events = await readPage(tx, readModel.inline.canHandle, after);
      if (events.length === 0) break;
      await readModel.inline.handle(events as never, context);
      replayed += events.length;
      after = events[events.length - 1]!.metadata.globalPosition;
    }
  } finally {
    await tx.query(`SET LOCAL search_path TO public`);
  }
  const comparison = await compareTables(tx, readModel.tables, schema);
  return { replayed, comparison };
};

export type InlineRebuildResult = { replayed: number; comparison: { equal: boolean; tables: TableComparison[] } };


const busy = (name: string) =>
  new HttpProblem(409, 'read_model_busy', 'The read model is busy', `Appends kept ${name}'s tables busy for 10 s; try the rebuild again in a moment.`);

/**
 * Rebuilds an inline read model from the log, in one transaction: replay into a copy, compare,
 * then switch the copy in (or, with `switchIn: false`, only compare and drop the copy). Appends
 * that touch the read model wait for it; others do not.
 */
export const rebuildInlineReadModel = async (pool: pg.Pool, readModel: InlineReadModel, options: { switchIn: boolean }): Promise<InlineRebuildResult> => {
  const schema = scratchSchema(readModel.name, options.switchIn ? 'rebuild' : 'check');
  try {
    return await inTransaction(pool, async (tx) => {
      const result = await replayInline(tx, readModel, schema);
      if (options.switchIn) {
        const retired = scratchSchema(readModel.name, 'check');
        await tx.query(`DROP SCHEMA IF EXISTS ${retired} CASCADE`);
        await tx.query(`CREATE SCHEMA ${retired}`);
        for (const table of readModel.tables) {
          await tx.query(`ALTER TABLE public.${table} SET SCHEMA ${retired}`);
          await tx.query(`ALTER TABLE ${schema}.${table} SET SCHEMA public`);
        }
        await tx.query(`DROP SCHEMA ${retired} CASCADE`);
        // Recorded like a processor's rebuild, so `ops.readModels.progress` shows it; now() is when this transaction began.
        await tx.query(
          `INSERT INTO eventshop_rebuilds (processor, status, events_done, events_total, started_at, updated_at, finished_at, comparison)
           VALUES ($1, 'done', $2, $2, now(), clock_timestamp(), clock_timestamp(), $3)
           ON CONFLICT (processor) DO UPDATE SET status = 'done', transaction_id = '0', position = 0, events_done = $2, events_total = $2,
             started_at = now(), updated_at = clock_timestamp(), finished_at = clock_timestamp(), comparison = $3, error = NULL`,
          [readModel.name, result.replayed, JSON.stringify(result.comparison)],
        );
      }
      await tx.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      return result;
    });
  } catch (error) {
    if (lockTimedOut(error)) throw busy(readModel.name);
    throw error;
  }
};
