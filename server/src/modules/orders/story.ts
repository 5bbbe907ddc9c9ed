import type { LoggedEvent } from '@eventshop/sdk/contract';
import type { CommitWakeups } from '../../infra/log/commit-wakeups.js';
import { logReader, toStoredLogEvent, type LogCursor, type StoredLogEvent } from '../../infra/log/log-reader.js';
import type { Queryable } from '../../infra/privacy/keyring.js';
import { revealForHistory } from '../../ops/history-events.js';
import { followLog } from '../../ops/live-tail.js';

/**
 * One order's story across streams: its own stream, and every payment and inventory event that
 * names it (each carries `orderId`). What a customer may see of their order and what an operator
 * reads in `processes show`.
 */
export const belongsToOrder = (orderId: string) => (event: Pick<StoredLogEvent, 'streamId' | 'data'>) =>
  event.streamId === `order-${orderId}` || (event.data as { orderId?: unknown }).orderId === orderId;

/**
 * What finds an order's events in other streams without reading the whole log: every payment and
 * inventory event names its order in `orderId`. Partial, so events without one cost nothing.
 */
export const ORDER_STORY_INDEXES = [
  `CREATE INDEX IF NOT EXISTS eventshop_messages_order_id ON emt_messages ((message_data->>'orderId')) WHERE (message_data->>'orderId') IS NOT NULL`,
];

/** The order's events up to `until` (inclusive), in commit order: its own stream's, and those that name it (ORDER_STORY_INDEXES). */
export const storyOf = async (db: Queryable, orderId: string, until?: LogCursor): Promise<StoredLogEvent[]> => {
  const { rows } = await db.query<Parameters<typeof toStoredLogEvent>[0]>(STORY_SQL, storyValues(orderId, until));
  return rows.map(toStoredLogEvent);
};

export const STORY_SQL = `SELECT m.global_position, m.transaction_id::text AS transaction_id, m.stream_id, m.stream_position, m.message_id,
            m.message_type, m.message_data, m.message_metadata, m.created
       FROM emt_messages m
      WHERE m.is_archived = FALSE AND (m.stream_id = $1 OR m.message_data->>'orderId' = $2)
        AND m.transaction_id < pg_snapshot_xmin(pg_current_snapshot())
        AND ($3::xid8 IS NULL OR (m.transaction_id, m.global_position) <= ($3::xid8, $4::bigint))
      ORDER BY m.transaction_id, m.global_position`;

export const storyValues = (orderId: string, until?: LogCursor) => [`order-${orderId}`, orderId, until?.transactionId ?? null, until?.position ?? null];

/** The story so far (or from after `after`), then each new event of it as it commits. */
export async function* watchOrder(db: Queryable, orderId: string, after: LogCursor | undefined, signal: AbortSignal, wakeups?: CommitWakeups): AsyncGenerator<LoggedEvent> {
  let from = after;
  if (!from) {
    from = await logReader(db).head();
    const past = await storyOf(db, orderId, from);
    if (past.length > 0) yield* await revealForHistory(db, past);
  }
  yield* followLog(db, from, {}, signal, { accept: belongsToOrder(orderId), wakeups });
}


