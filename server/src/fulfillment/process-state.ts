import type { FULFILLMENT_STEPS } from '@eventshop/sdk/contract';
import { decodeCursor, DEFAULT_PAGE_SIZE, toPage } from '../infra/http/cursor.js';
import type { Queryable } from '../infra/privacy/keyring.js';

export type FulfillmentStep = (typeof FULFILLMENT_STEPS)[number];

/** Steps after which the process has nothing more to do. */
export const FINISHED_STEPS: readonly FulfillmentStep[] = ['completed', 'cancelled'];

/**
 * One row per order in fulfillment: the step it is in, since when, and how its last tries went.
 * The process writes it in the transaction that moves its checkpoint, so the row always says
 * what the process has durably done; failed tries are recorded beside it (that transaction rolls back).
 */
export const FULFILLMENT_TABLES = [
  `CREATE TABLE IF NOT EXISTS fulfillment_processes (
     order_id uuid PRIMARY KEY,
     customer_id uuid NOT NULL,
     step text NOT NULL,
     waiting_since timestamptz NOT NULL,
     attempts integer NOT NULL DEFAULT 0,
     last_error text,
     updated_at timestamptz NOT NULL
   )`,
  `CREATE INDEX IF NOT EXISTS fulfillment_processes_waiting ON fulfillment_processes (waiting_since, order_id) WHERE step NOT IN ('completed', 'cancelled')`,
];

type Row = { order_id: string; customer_id: string; step: FulfillmentStep; waiting_since: Date; attempts: number; last_error: string | null; updated_at: Date };

export const toProcessView = (row: Row, now: Date) => ({
  orderId: row.order_id,
  step: row.step,
  waitingSince: row.waiting_since.toISOString(),
  waitingSeconds: Math.max(0, (now.getTime() - row.waiting_since.getTime()) / 1000),
  attempts: Number(row.attempts),
  lastError: row.last_error,
  updatedAt: row.updated_at.toISOString(),
});

export const processStore = (db: Queryable) => ({
  async get(orderId: string): Promise<Row | undefined> {
    const { rows } = await db.query<Row>('SELECT * FROM fulfillment_processes WHERE order_id = $1', [orderId]);
    return rows[0];
  },

  /** Moves the order to `step`; the clock of waiting restarts only when the step changes. A note (a decline) may ride along. */
  async enter(orderId: string, customerId: string, step: FulfillmentStep, now: Date, note: string | null = null): Promise<void> {
    await db.query(
      `INSERT INTO fulfillment_processes (order_id, customer_id, step, waiting_since, attempts, last_error, updated_at)
       VALUES ($1, $2, $3, $4, 0, $5, $4)
       ON CONFLICT (order_id) DO UPDATE SET
         waiting_since = CASE WHEN fulfillment_processes.step = EXCLUDED.step THEN fulfillment_processes.waiting_since ELSE EXCLUDED.waiting_since END,
         attempts = 0, last_error = EXCLUDED.last_error, step = EXCLUDED.step, updated_at = EXCLUDED.updated_at`,
      [orderId, customerId, step, now, note],
    );
  },

  /**
   * Makes the row say `step` when it says something else or is missing: a step re-run after a
   * crash finds its work done (the order moved on) and must still leave the row in line with it.
   */
  async settle(orderId: string, customerId: string, step: FulfillmentStep, now: Date): Promise<void> {
    await db.query(
      `INSERT INTO fulfillment_processes (order_id, customer_id, step, waiting_since, attempts, last_error, updated_at)
       VALUES ($1, $2, $3, $4, 0, NULL, $4)
       ON CONFLICT (order_id) DO UPDATE SET step = EXCLUDED.step, waiting_since = EXCLUDED.waiting_since, attempts = 0, last_error = NULL, updated_at = EXCLUDED.updated_at
       WHERE fulfillment_processes.step <> EXCLUDED.step OR fulfillment_processes.attempts > 0`,
      [orderId, customerId, step, now],
    );
  },

  /** A try of `step` failed (its transaction rolled back): counted and shown, outside that transaction. */
  async failed(orderId: string, customerId: string, step: FulfillmentStep, now: Date, error: string): Promise<void> {
    await db.query(
      `INSERT INTO fulfillment_processes (order_id, customer_id, step, waiting_since, attempts, last_error, updated_at)
       VALUES ($1, $2, $3, $4, 1, $5, $4)
       ON CONFLICT (order_id) DO UPDATE SET
         waiting_since = CASE WHEN fulfillment_processes.step = EXCLUDED.step THEN fulfillment_processes.waiting_since ELSE EXCLUDED.waiting_since END,
         attempts = CASE WHEN fulfillment_processes.step = EXCLUDED.step THEN fulfillment_processes.attempts + 1 ELSE 1 END,
         step = EXCLUDED.step, last_error = EXCLUDED.last_error, updated_at = EXCLUDED.updated_at`,
      [orderId, customerId, step, now, error],
    );
  },

  /** In flight (or all), longest waiting first, keyset-paginated on (waiting_since, order_id). */
  async list(filter: { step?: FulfillmentStep | undefined; all?: boolean | undefined; limit?: number | undefined; cursor?: string | undefined }, now: Date) {
    const limit = filter.limit ?? DEFAULT_PAGE_SIZE;
    const after = filter.cursor === undefined ? undefined : decodeCursor(filter.cursor, ['timestamp', 'uuid']);
    const { rows } = await db.query<Row>(
      `SELECT * FROM fulfillment_processes
        WHERE ($1::boolean OR step NOT IN ('completed', 'cancelled')) AND ($2::text IS NULL OR step = $2)
          AND ($3::timestamptz IS NULL OR (waiting_since, order_id) > ($3::timestamptz, $4::uuid))
        ORDER BY waiting_since, order_id LIMIT $5`,
      [filter.all === true, filter.step ?? null, after?.[0] ?? null, after?.[1] ?? null, limit + 1],
    );
    return toPage(rows, limit, (row) => toProcessView(row, now), (row) => [row.waiting_since.toISOString(), row.order_id]);
  },
});
