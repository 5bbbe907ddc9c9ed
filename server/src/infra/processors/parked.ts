import type { StoredLogEvent } from '../log/log-reader.js';
import type { Queryable } from '../privacy/keyring.js';

export type ParkedStatus = 'parked' | 'blocked' | 'retried' | 'skipped';

export type ParkedEvent = {
  id: number;
  processor: string;
  position: number;
  transactionId: string;
  eventId: string;
  streamId: string;
  eventType: string;
  error: string | null;
  attempts: number;
  parkedAt: string;
  status: ParkedStatus;
  reason: string | null;
  resolvedAt: string | null;
  resolvedBy: string | null;
};

type ParkedRow = {
  id: string | number;
  processor: string;
  position: string | number;
  transaction_id: string;
  event_id: string;
  stream_id: string;
  event_type: string;
  error: string | null;
  attempts: number;
  parked_at: Date;
  status: ParkedStatus;
  reason: string | null;
  resolved_at: Date | null;
  resolved_by: string | null;
};

const COLUMNS = `id, processor, position, transaction_id::text AS transaction_id, event_id, stream_id, event_type, error, attempts,
  parked_at, status, reason, resolved_at, resolved_by`;

const toParked = (row: ParkedRow): ParkedEvent => ({
  id: Number(row.id),
  processor: row.processor,
  position: Number(row.position),
  transactionId: row.transaction_id,
  eventId: row.event_id,
  streamId: row.stream_id,
  eventType: row.event_type,
  error: row.error,
  attempts: row.attempts,
  parkedAt: row.parked_at.toISOString(),
  status: row.status,
  reason: row.reason,
  resolvedAt: row.resolved_at?.toISOString() ?? null,
  resolvedBy: row.resolved_by,
});

/** Parked and blocked events: what a processor could not handle, kept until an operator retries or skips it. */
export const parkedStore = (db: Queryable) => ({
  async park(processor: string, event: StoredLogEvent, details: { status: 'parked' | 'blocked'; error: string | null; attempts: number }) {
    await db.query(
      `INSERT INTO eventshop_parked (processor, position, transaction_id, event_id, stream_id, event_type, error, attempts, status)
       VALUES ($1, $2, $3::xid8, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (processor, position) DO UPDATE SET status = EXCLUDED.status, error = EXCLUDED.error, attempts = EXCLUDED.attempts`,
      [processor, event.position, event.transactionId, event.eventId, event.streamId, event.type, details.error, details.attempts, details.status],
    );
  },

  /** Which of these streams are stopped for an ordered processor: they have a parked or blocked event. */
  async openStreams(processor: string, streamIds: readonly string[]): Promise<Set<string>> {
    const { rows } = await db.query<{ stream_id: string }>(
      `SELECT DISTINCT stream_id FROM eventshop_parked WHERE processor = $1 AND status IN ('parked', 'blocked') AND stream_id = ANY($2::text[])`,
      [processor, [...new Set(streamIds)]],
    );
    return new Set(rows.map((row) => row.stream_id));
  },

  async get(id: number, lock = false): Promise<ParkedEvent | undefined> {
    const { rows } = await db.query<ParkedRow>(`SELECT ${COLUMNS} FROM eventshop_parked WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id]);
    return rows[0] && toParked(rows[0]);
  },

  /** Newest first, keyset on id. */
  async list(filter: { processor?: string | undefined; status?: ParkedStatus | undefined; beforeId?: number | undefined; limit: number }) {
    const { rows } = await db.query<ParkedRow>(
      `SELECT ${COLUMNS} FROM eventshop_parked
        WHERE ($1::text IS NULL OR processor = $1) AND ($2::text IS NULL OR status = $2) AND ($3::bigint IS NULL OR id < $3)
        ORDER BY id DESC LIMIT $4`,
      [filter.processor ?? null, filter.status ?? null, filter.beforeId ?? null, filter.limit],
    );
    return rows.map(toParked);
  },

  /** Open (parked or blocked) events per processor. */
  async openCounts(): Promise<Map<string, number>> {
    const { rows } = await db.query<{ processor: string; count: number }>(
      `SELECT processor, count(*)::int AS count FROM eventshop_parked WHERE status IN ('parked', 'blocked') GROUP BY processor`,
    );
    return new Map(rows.map((row) => [row.processor, row.count]));
  },

  /** The events held back behind a parked one, in commit order. */
  async blockedBehind(processor: string, streamId: string): Promise<ParkedEvent[]> {
    const { rows } = await db.query<ParkedRow>(
      `SELECT ${COLUMNS} FROM eventshop_parked WHERE processor = $1 AND stream_id = $2 AND status = 'blocked' ORDER BY transaction_id, position`,
      [processor, streamId],
    );
    return rows.map(toParked);
  },

  async resolve(id: number, change: { status: ParkedStatus; error?: string | null; attempts?: number; reason?: string | null; by?: string | null }) {
    await db.query(
      `UPDATE eventshop_parked
          SET status = $2, error = COALESCE($3, error), attempts = COALESCE($4, attempts), reason = COALESCE($5, reason),
              resolved_by = COALESCE($6, resolved_by), resolved_at = CASE WHEN $2 IN ('retried', 'skipped') THEN now() ELSE resolved_at END
        WHERE id = $1`,
      [id, change.status, change.error ?? null, change.attempts ?? null, change.reason ?? null, change.by ?? null],
    );
  },
});
