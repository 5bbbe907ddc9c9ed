import type { Pool } from '../../infra/database/pool.js';

/** What the payments module needs to know of an order: who pays, how much, and whether it may be paid now. */
export type OrderToPay = { customerId: string; amount: number; currency: string; status: string };

/**
 * The port through which the payments module reads an order's amount (a client never sends one).
 * The orders module fills it; until it exists here, every order is unknown (404).
 */
export type OrderLookup = (orderId: string) => Promise<OrderToPay | undefined>;

/** Order statuses in which a payment may be opened; the orders module owns the names. */
export const UNPAYABLE_ORDER_STATUSES = ['draft', 'cancelled'] as const;

/**
 * The default port: the orders read model's `orders` table, when there is one, read by its
 * columns `id`, `customer_id`, `total_amount`, `currency` and `status` (see docs/payments.md).
 */
export const ordersTableLookup =
  (pool: Pool): OrderLookup =>
  async (orderId) => {
    const { rows: tables } = await pool.query<{ present: boolean }>(`SELECT to_regclass('orders') IS NOT NULL AS present`);
    if (!tables[0]?.present) return undefined;
    const { rows } = await pool.query<{ customer_id: string; total_amount: string | number | bigint; currency: string; status: string }>(
      'SELECT customer_id, total_amount, currency, status FROM orders WHERE id::text = $1',
      [orderId],
    );
    const row = rows[0];
    return row && { customerId: String(row.customer_id), amount: Number(row.total_amount), currency: row.currency, status: row.status };
  };
