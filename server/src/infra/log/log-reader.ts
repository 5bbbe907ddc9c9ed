import type { Queryable } from '../privacy/keyring.js';

/**
 * The one reader of the global log, shared by the feed, the live tail, replays and every
 * processor. It never skips an event that commits late:
 *
 * `global_position` comes from a sequence taken at insert, so a transaction that appended at
 * position 10 can commit after one that appended at 11. Paging by position alone hands out 11,
 * moves the cursor past 10, and never shows 10 (Emmett 0.42's reader lost 731 of 4,501 events
 * that way under 30 writers). Instead we order by the appending transaction's id, then position,
 * and read only rows whose transaction is older than the oldest transaction still running
 * (`pg_snapshot_xmin`). Every such transaction has finished, so no row can later appear before
 * the cursor: a transaction still running when we read has an id at or above that bound, and one
 * that starts later gets a larger id still.
 *
 * The price: one long-open writing transaction anywhere in the cluster holds every reader back
 * until it ends, which is why the server's sessions carry idle_in_transaction_session_timeout.
 */

/** Where a reader stands: the last event it has seen, in (transaction, position) order. */
export type LogCursor = { transactionId: string; position: number };

export const LOG_START: LogCursor = { transactionId: '0', position: 0 };

export type LogFilter = {
  types?: readonly string[] | undefined;
  streamType?: string | undefined;
  /** Inclusive: events that happened at or after this instant. */
  since?: Date | undefined;
  /** Exclusive: events that happened before this instant. */
  until?: Date | undefined;
};

/** An event as stored: data still sealed where it holds personal fields. */
export type StoredLogEvent = {
  position: number;
  transactionId: string;
  eventId: string;
  streamId: string;
  streamType: string;
  version: number;
  type: string;
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
  occurredAt: string;
};

type MessageRow = {
  global_position: string | number | bigint;
  transaction_id: string;
  stream_id: string;
  stream_position: string | number | bigint;
  message_id: string;
  message_type: string;
  message_data: Record<string, unknown>;
  message_metadata: Record<string, unknown>;
  created: Date;
};

/** Our own metadata says when an event happened (the injected clock); older events fall back to the commit's start. */
export const OCCURRED_AT_SQL = `COALESCE((m.message_metadata->>'occurredAt')::timestamptz, m.created)`;

const COLUMNS = `m.global_position, m.transaction_id::text AS transaction_id, m.stream_id, m.stream_position, m.message_id,
  m.message_type, m.message_data, m.message_metadata, m.created`;

export const toStoredLogEvent = (row: MessageRow): StoredLogEvent => {
  const { messageId: _messageId, streamName: _streamName, streamPosition: _streamPosition, globalPosition: _globalPosition, ...metadata } =
    row.message_metadata as Record<string, unknown>;
  const occurredAt = typeof metadata.occurredAt === 'string' ? metadata.occurredAt : row.created.toISOString();
  return {
    position: Number(row.global_position),
    transactionId: row.transaction_id,
    eventId: row.message_id,
    streamId: row.stream_id,
    streamType: streamTypeOf(row.stream_id),
    version: Number(row.stream_position),
    type: row.message_type,
    data: row.message_data,
    metadata,
    occurredAt,
  };
};

/** `product-3f1c…` → `product`: the prefix every stream name starts with. */
export const streamTypeOf = (streamId: string): string => streamId.slice(0, Math.max(0, streamId.indexOf('-')));

export const cursorOf = (event: Pick<StoredLogEvent, 'transactionId' | 'position'>): LogCursor => ({
  transactionId: event.transactionId,
  position: event.position,
});

/** Past the cursor, finished writing, and matching the filter: $1-$6 of every reader query. */
const FILTER_SQL = `m.is_archived = FALSE
          AND (m.transaction_id, m.global_position) > ($1::xid8, $2::bigint)
          AND m.transaction_id < pg_snapshot_xmin(pg_current_snapshot())
          AND ($3::text[] IS NULL OR m.message_type = ANY($3::text[]))
          AND ($4::text IS NULL OR m.stream_id LIKE $4 || '-%')
          AND ($5::timestamptz IS NULL OR ${OCCURRED_AT_SQL} >= $5)
          AND ($6::timestamptz IS NULL OR ${OCCURRED_AT_SQL} < $6)`;

const filterValues = (cursor: LogCursor, filter: LogFilter): unknown[] => [
  cursor.transactionId,
  cursor.position,
  filter.types && filter.types.length > 0 ? [...filter.types] : null,
  filter.streamType ?? null,
  filter.since ?? null,
  filter.until ?? null,
];

export const logReader = (db: Queryable) => ({
  /**
   * Up to `limit` events after `cursor` that every transaction has finished writing, in commit-safe
   * order. Fewer than `limit` means the reader has caught up with what can safely be read now.
   */
  async read(cursor: LogCursor, filter: LogFilter = {}, limit = 100): Promise<StoredLogEvent[]> {
    const { rows } = await db.query<MessageRow>(
      `SELECT ${COLUMNS}
         FROM emt_messages m
        WHERE ${FILTER_SQL}
        ORDER BY m.transaction_id, m.global_position
        LIMIT $7`,
      [...filterValues(cursor, filter), limit],
    );
    return rows.map(toStoredLogEvent);
  },

  /** How many readable events after `cursor` match the filter, and the range they span. */
  async count(cursor: LogCursor, filter: LogFilter = {}) {
    const { rows } = await db.query<{ count: string | number; first_position: string | null; last_position: string | null; first_at: Date | null; last_at: Date | null }>(
      `SELECT count(*) AS count, min(m.global_position) AS first_position, max(m.global_position) AS last_position,
              min(${OCCURRED_AT_SQL}) AS first_at, max(${OCCURRED_AT_SQL}) AS last_at
         FROM emt_messages m
        WHERE ${FILTER_SQL}`,
      filterValues(cursor, filter),
    );
    const row = rows[0]!;
    return {
      count: Number(row.count),
      firstPosition: row.first_position === null ? null : Number(row.first_position),
      lastPosition: row.last_position === null ? null : Number(row.last_position),
      firstAt: row.first_at?.toISOString() ?? null,
      lastAt: row.last_at?.toISOString() ?? null,
    };
  },

  /**
   * How far a reader at `cursor` trails: readable events it has not seen, and how long ago the
   * oldest of them was written (by the database's clock, so an injected clock cannot skew lag).
   */
  async behind(cursor: LogCursor, filter: LogFilter = {}): Promise<{ events: number; seconds: number }> {
    const { rows } = await db.query<{ count: string | number; seconds: number | null }>(
      `SELECT count(*) AS count, EXTRACT(EPOCH FROM (now() - min(m.created)))::float8 AS seconds
         FROM emt_messages m
        WHERE ${FILTER_SQL}`,
      filterValues(cursor, filter),
    );
    return { events: Number(rows[0]!.count), seconds: Math.max(0, rows[0]!.seconds ?? 0) };
  },

  /**
   * The cursor just after the event at `position` (what a client hands back as `after`), or
   * undefined when no event has that position. Position 0 is the start of the log.
   */
  async cursorAfter(position: number): Promise<LogCursor | undefined> {
    if (position === 0) return LOG_START;
    const { rows } = await db.query<{ transaction_id: string }>(
      `SELECT transaction_id::text AS transaction_id FROM emt_messages WHERE global_position = $1 LIMIT 1`,
      [position],
    );
    return rows[0] ? { transactionId: rows[0].transaction_id, position } : undefined;
  },

  /** The event at `position`, or undefined (a parked event's retry reads it again this way). */
  async at(position: number): Promise<StoredLogEvent | undefined> {
    const { rows } = await db.query<MessageRow>(`SELECT ${COLUMNS} FROM emt_messages m WHERE m.global_position = $1 AND m.is_archived = FALSE LIMIT 1`, [position]);
    return rows[0] && toStoredLogEvent(rows[0]);
  },

  /** The cursor after the newest event that can safely be read now: "from now on" for a live tail. */
  async head(): Promise<LogCursor> {
    const { rows } = await db.query<{ transaction_id: string; global_position: string | number }>(
      `SELECT transaction_id::text AS transaction_id, global_position
         FROM emt_messages
        WHERE transaction_id < pg_snapshot_xmin(pg_current_snapshot())
        ORDER BY transaction_id DESC, global_position DESC
        LIMIT 1`,
    );
    const row = rows[0];
    return row ? { transactionId: row.transaction_id, position: Number(row.global_position) } : LOG_START;
  },
});

export type LogReader = ReturnType<typeof logReader>;

/**
 * Indexes the reader needs on Emmett's message table: commit-safe order, and a position's
 * transaction for `after`. Run after Emmett has created its schema.
 */
export const LOG_INDEXES = [
  `CREATE INDEX IF NOT EXISTS eventshop_messages_commit_order ON emt_messages (transaction_id, global_position)`,
  `CREATE INDEX IF NOT EXISTS eventshop_messages_position ON emt_messages (global_position)`,
];
