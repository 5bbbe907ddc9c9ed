import { OCCURRED_AT_SQL, streamTypeOf, toStoredLogEvent, type StoredLogEvent } from '../infra/log/log-reader.js';
import type { Queryable } from '../infra/privacy/keyring.js';

/** One stream's events and version, read by the primary key of Emmett's table. */
export const streamReader = (db: Queryable) => ({
  /** Events from version `from` to `to` (inclusive), oldest first, at most `limit`. */
  async events(streamId: string, range: { from: number; to?: number | undefined; limit: number }): Promise<StoredLogEvent[]> {
    const { rows } = await db.query<Parameters<typeof toStoredLogEvent>[0]>(
      `SELECT m.global_position, m.transaction_id::text AS transaction_id, m.stream_id, m.stream_position, m.message_id,
              m.message_type, m.message_data, m.message_metadata, m.created
         FROM emt_messages m
        WHERE m.stream_id = $1 AND m.is_archived = FALSE AND m.stream_position >= $2 AND ($3::bigint IS NULL OR m.stream_position <= $3)
        ORDER BY m.stream_position
        LIMIT $4`,
      [streamId, range.from, range.to ?? null, range.limit],
    );
    return rows.map(toStoredLogEvent);
  },

  /** The stream's version now; 0 when it does not exist. */
  async version(streamId: string): Promise<number> {
    const { rows } = await db.query<{ stream_position: string | number }>(
      `SELECT stream_position FROM emt_streams WHERE stream_id = $1 AND is_archived = FALSE LIMIT 1`,
      [streamId],
    );
    return Number(rows[0]?.stream_position ?? 0);
  },

  /** Streams in id order, with their first and last event times (both primary-key lookups). */
  async list(filter: { type?: string | undefined; afterId: string | null; limit: number }) {
    const { rows } = await db.query<{ stream_id: string; stream_position: string | number; first_at: Date; last_at: Date }>(
      `SELECT s.stream_id, s.stream_position,
              (SELECT ${OCCURRED_AT_SQL} FROM emt_messages m WHERE m.stream_id = s.stream_id AND m.stream_position = 1 AND m.is_archived = FALSE) AS first_at,
              (SELECT ${OCCURRED_AT_SQL} FROM emt_messages m WHERE m.stream_id = s.stream_id AND m.stream_position = s.stream_position AND m.is_archived = FALSE) AS last_at
         FROM emt_streams s
        WHERE s.is_archived = FALSE
          AND ($1::text IS NULL OR s.stream_id LIKE $1 || '-%')
          AND ($2::text IS NULL OR s.stream_id > $2)
        ORDER BY s.stream_id
        LIMIT $3`,
      [filter.type ?? null, filter.afterId, filter.limit],
    );
    return rows.map((row) => ({
      streamId: row.stream_id,
      streamType: streamTypeOf(row.stream_id),
      version: Number(row.stream_position),
      firstEventAt: row.first_at.toISOString(),
      lastEventAt: row.last_at.toISOString(),
    }));
  },

  /** When the stream's first event happened, for a clear "before it began" answer. */
  async firstEventAt(streamId: string): Promise<string | undefined> {
    const { rows } = await db.query<{ occurred_at: Date }>(
      `SELECT ${OCCURRED_AT_SQL} AS occurred_at FROM emt_messages m WHERE m.stream_id = $1 AND m.stream_position = 1 AND m.is_archived = FALSE`,
      [streamId],
    );
    return rows[0]?.occurred_at.toISOString();
  },
});

export type StreamReader = ReturnType<typeof streamReader>;
