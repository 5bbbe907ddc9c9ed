import type { Pool } from '../../infra/database/pool.js';

/** What the payments module needs to know of an order: who pays, how much, and whether it may be paid now. */
export type OrderToPay = { customerId: string; amount: number; currency: string; status: string };

/** The port through which the payments module reads an order's amount (a client never sends one). */
export type OrderLookup = (orderId: string) => Promise<OrderToPay | undefined>;

/**
 * Why a payment cannot be opened for an order in `status` now, or undefined when it can: only
 * once the fulfillment process holds its stock (awaiting payment), as `orders.requestPayment`
 * says. The orders module owns the status names.
 */
export const whyUnpayable = (status: string): string | undefined => {
  switch (status) {
    case 'awaiting_payment':
      return undefined;
    case 'draft':
      return 'The order is a draft; confirm it first.';
    case 'confirmed':
      return 'The order’s stock is still being reserved; try again in a moment.';
    case 'cancelled':
      return 'The order was cancelled; place a new one.';
    default:
      return `The order is ${status.replaceAll('_', ' ')}: it has been paid already.`;
  }
};

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
