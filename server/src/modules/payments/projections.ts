import { postgreSQLProjection } from '@event-driven-io/emmett-postgresql';
import type { PaymentStatus, PaymentView } from '@eventshop/sdk/contract';
import type { Pool } from '../../infra/database/pool.js';
import { paymentEventTypes, type PaymentEvent } from './payments.js';

/**
 * One row per payment, kept inline with the payment streams: the status an order's customer
 * reads is the one the last command recorded, and webhooks find their payment by intent here.
 */
export const paymentsProjection = postgreSQLProjection<PaymentEvent>({
  name: 'payments',
  canHandle: paymentEventTypes,
  handle: async (events, { connection: { client } }) => {
    for (const event of events) {
      // handle() gets every event of the append (Emmett 0.42): only ours are read.
      if (!paymentEventTypes.includes(event.type)) continue;
      const version = Number(event.metadata.streamPosition);
      const at = (event.metadata as { occurredAt?: string }).occurredAt ?? new Date().toISOString();
      const touch = (set: string, values: unknown[]) =>
        client.query(`UPDATE payments SET ${set}, version = $2, updated_at = $3 WHERE id = $1 AND version < $2`, [event.data.paymentId, version, at, ...values]);
      switch (event.type) {
        case 'PaymentRequested': {
          const d = event.data;
          await client.query(
            `INSERT INTO payments (id, order_id, customer_id, status, amount, currency, captured, refunded, version, created_at, updated_at)
             VALUES ($1, $2, $3, 'requested', $4, $5, 0, 0, $6, $7, $7) ON CONFLICT (id) DO NOTHING`,
            [d.paymentId, d.orderId, d.customerId, d.amount, d.currency, version, d.requestedAt],
          );
          break;
        }
        case 'PaymentAuthorized':
          await touch(`status = 'authorized', intent_id = $4, last_decline = NULL`, [event.data.intentId]);
          break;
        case 'PaymentDeclined': {
          const { code, declineCode, message, intentId } = event.data;
          await touch(`status = 'declined', intent_id = COALESCE($4, intent_id), last_decline = $5`, [intentId ?? null, JSON.stringify({ code, declineCode: declineCode ?? null, message })]);
          break;
        }
        case 'PaymentActionRequired':
          await touch(`status = 'action_required', intent_id = $4, last_decline = NULL`, [event.data.intentId]);
          break;
        case 'PaymentCaptured':
          await touch(`status = 'captured', captured = $4, last_decline = NULL`, [event.data.amount]);
          break;
        case 'PaymentAuthorizationVoided':
          await touch(`status = 'voided'`, []);
          break;
        case 'PaymentRefunded':
          await touch(`refunded = refunded + $4, status = CASE WHEN refunded + $4 >= captured THEN 'refunded' ELSE 'partially_refunded' END`, [event.data.amount]);
          break;
        case 'PaymentCancelled':
          await touch(`status = 'cancelled'`, []);
          break;
      }
    }
  },
});

type PaymentRow = {
  id: string;
  order_id: string;
  customer_id: string;
  status: PaymentStatus;
  amount: number;
  currency: string;
  captured: number;
  refunded: number;
  intent_id: string | null;
  last_decline: PaymentView['lastDecline'];
  version: number;
  created_at: Date;
  updated_at: Date;
};

export const toPaymentView = (row: PaymentRow): PaymentView => ({
  id: row.id,
  orderId: row.order_id,
  customerId: row.customer_id,
  status: row.status,
  amount: Number(row.amount),
  currency: row.currency,
  captured: Number(row.captured),
  refunded: Number(row.refunded),
  intentId: row.intent_id,
  lastDecline: row.status === 'declined' ? row.last_decline : null,
  version: Number(row.version),
  createdAt: row.created_at.toISOString(),
  updatedAt: row.updated_at.toISOString(),
});

const COLUMNS = 'id, order_id, customer_id, status, amount, currency, captured, refunded, intent_id, last_decline, version, created_at, updated_at';

export const paymentQueries = (pool: Pool) => ({
  async getById(id: string): Promise<PaymentView | undefined> {
    const { rows } = await pool.query<PaymentRow>(`SELECT ${COLUMNS} FROM payments WHERE id = $1`, [id]);
    return rows[0] && toPaymentView(rows[0]);
  },
  async byOrder(orderId: string): Promise<PaymentView | undefined> {
    const { rows } = await pool.query<PaymentRow>(`SELECT ${COLUMNS} FROM payments WHERE order_id = $1`, [orderId]);
    return rows[0] && toPaymentView(rows[0]);
  },
  /** Which payment a gateway intent belongs to (a webhook whose object carries no metadata, such as a charge). */
  async idByIntent(intentId: string): Promise<string | undefined> {
    const { rows } = await pool.query<{ id: string }>(`SELECT id FROM payments WHERE intent_id = $1`, [intentId]);
    return rows[0]?.id;
  },
});

export type PaymentQueries = ReturnType<typeof paymentQueries>;

export const PAYMENT_TABLES = [
  `CREATE TABLE IF NOT EXISTS payments (
     id uuid PRIMARY KEY,
     order_id text NOT NULL UNIQUE,
     customer_id text NOT NULL,
     status text NOT NULL,
     amount bigint NOT NULL,
     currency text NOT NULL,
     captured bigint NOT NULL,
     refunded bigint NOT NULL,
     intent_id text,
     last_decline jsonb,
     version integer NOT NULL,
     created_at timestamptz NOT NULL,
     updated_at timestamptz NOT NULL
   )`,
  `CREATE INDEX IF NOT EXISTS payments_intent ON payments (intent_id) WHERE intent_id IS NOT NULL`,
];
