import type { Pool } from '../../infra/database/pool.js';

/** What the payments module needs to know of an order: who pays, how much, and whether it may be paid now. */
export type OrderToPay = { customerId: string; amount: number; currency: string; status: string };

/** The port through which the payments module reads an order's amount (a client never sends one). */
export type OrderLookup = (orderId: string) => Promise<OrderToPay | undefined>;

/** Order statuses in which a payment may be opened; the orders module owns the names. */
export const UNPAYABLE_ORDER_STATUSES = ['draft', 'cancelled'] as const;

/**
 * The orders module's read model (`orders`, kept inline, so it is current as soon as a command
 * commits), read by the few columns a payment needs. A draft has no total yet; it is refused as
 * unpayable before its amount is used.
 */
export const ordersTableLookup =
  (pool: Pool): OrderLookup =>
  async (orderId) => {
    const { rows } = await pool.query<{ customer_id: string; total_amount: string | null; currency: string | null; status: string }>(
      'SELECT customer_id, total_amount, currency, status FROM orders WHERE id = $1',
      [orderId],
    );
    const row = rows[0];
    return row && { customerId: row.customer_id, amount: Number(row.total_amount ?? 0), currency: row.currency ?? '', status: row.status };
  };
