import { postgreSQLProjection } from '@event-driven-io/emmett-postgresql';
import type { OrderStatus, OrderView } from '@eventshop/sdk/contract';
import type { Pool } from '../../infra/database/pool.js';
import { decodeCursor, DEFAULT_PAGE_SIZE, toPage } from '../../infra/http/cursor.js';
import { userKeyring } from '../../infra/privacy/keyring.js';
import { allowedFor, orderEventTypes, type CancelledBy, type OrderEvent } from './orders.js';

/**
 * Orders and their lines, kept inline with the order streams: an order reads back the moment a
 * command answers. The shipping address stays sealed here as it is in the log (the customer's key
 * opens it at read time), so forgetting the customer blanks it in this table too.
 */
export const ordersProjection = postgreSQLProjection<OrderEvent>({
  name: 'orders',
  canHandle: orderEventTypes,
  handle: async (events, { connection: { client } }) => {
    for (const event of events) {
      // handle() sees every event of the append (Emmett 0.42): only ours.
      if (!(orderEventTypes as string[]).includes(event.type)) continue;
      const version = Number(event.metadata.streamPosition);
      const orderId = event.data.orderId;
      const touch = (set: string, values: unknown[], at: string) =>
        client.query(`UPDATE orders SET ${set}${set ? ', ' : ''}version = $2, updated_at = $3 WHERE id = $1 AND version < $2`, [orderId, version, at, ...values]);
      switch (event.type) {
        case 'OrderPlaced': {
          const d = event.data;
          await client.query(
            `INSERT INTO orders (id, customer_id, status, shipping_address, version, created_at, updated_at) VALUES ($1, $2, 'draft', $3, $4, $5, $5)
             ON CONFLICT (id) DO NOTHING`,
            [orderId, d.customerId, JSON.stringify(d.shippingAddress), version, d.placedAt],
          );
          for (const [position, item] of d.items.entries()) {
            await client.query(`INSERT INTO order_items (order_id, item_id, product_id, quantity, position) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`, [
              orderId,
              item.itemId,
              item.productId,
              item.quantity,
              position,
            ]);
          }
          break;
        }
        case 'OrderItemSet': {
          const d = event.data;
          await client.query(
            `INSERT INTO order_items (order_id, item_id, product_id, quantity, position)
             VALUES ($1, $2, $3, $4, (SELECT coalesce(max(position) + 1, 0) FROM order_items WHERE order_id = $1))
             ON CONFLICT (order_id, item_id) DO UPDATE SET quantity = EXCLUDED.quantity`,
            [orderId, d.itemId, d.productId, d.quantity],
          );
          await touch('', [], d.setAt);
          break;
        }
        case 'OrderItemRemoved':
          await client.query('DELETE FROM order_items WHERE order_id = $1 AND item_id = $2', [orderId, event.data.itemId]);
          await touch('', [], event.data.removedAt);
          break;
        case 'OrderConfirmed': {
          const d = event.data;
          for (const item of d.items) {
            await client.query('UPDATE order_items SET name = $3, unit_amount = $4, currency = $5 WHERE order_id = $1 AND item_id = $2', [
              orderId,
              item.itemId,
              item.name,
              item.unitPrice.amount,
              item.unitPrice.currency,
            ]);
          }
          await touch(`status = 'confirmed', total_amount = $4, currency = $5`, [d.total.amount, d.total.currency], d.confirmedAt);
          break;
        }
        case 'OrderAwaitingPayment':
          await touch(`status = 'awaiting_payment'`, [], event.data.at);
          break;
        case 'OrderPaid':
          await touch(`status = 'paid', payment_id = $4`, [event.data.paymentId], event.data.paidAt);
          break;
        case 'OrderShipped':
          await touch(`status = 'shipped', tracking_code = $4`, [event.data.trackingCode], event.data.shippedAt);
          break;
        case 'OrderDelivered':
          await touch(`status = 'delivered'`, [], event.data.deliveredAt);
          break;
        case 'OrderCancelled': {
          const { reason, by, previousStatus, cancelledAt } = event.data;
          await touch(`status = 'cancelled', cancellation = $4`, [JSON.stringify({ reason, by, previousStatus })], cancelledAt);
          break;
        }
      }
    }
  },
});

type OrderRow = {
  id: string;
  customer_id: string;
  status: OrderStatus;
  total_amount: string | number | null;
  currency: string | null;
  shipping_address: Record<string, unknown>;
  payment_id: string | null;
  cancellation: { reason: string; by: CancelledBy; previousStatus: OrderStatus } | null;
  version: number;
  created_at: Date;
  updated_at: Date;
};
type ItemRow = { order_id: string; item_id: string; product_id: string; quantity: number; name: string | null; unit_amount: string | number | null; currency: string | null };

const ORDER_COLUMNS = 'id, customer_id, status, total_amount, currency, shipping_address, payment_id, cancellation, version, created_at, updated_at';

/** Who is looking: a customer is offered a customer's actions, staff an admin's. */
export type Viewer = 'customer' | 'staff';

export const orderQueries = (pool: Pool) => {
  const keyring = userKeyring(pool);

  const views = async (rows: OrderRow[], viewer: Viewer): Promise<OrderView[]> => {
    if (rows.length === 0) return [];
    const { rows: items } = await pool.query<ItemRow>(
      'SELECT order_id, item_id, product_id, quantity, name, unit_amount, currency FROM order_items WHERE order_id = ANY($1::uuid[]) ORDER BY position',
      [rows.map((row) => row.id)],
    );
    return Promise.all(
      rows.map(async (row) => {
        const address = await keyring.reveal<Record<string, string | null>>(row.shipping_address);
        return {
          id: row.id,
          customerId: row.customer_id,
          status: row.status,
          items: items
            .filter((item) => item.order_id === row.id)
            .map((item) => {
              const unitPrice = item.unit_amount === null ? null : { amount: Number(item.unit_amount), currency: item.currency! };
              return {
                itemId: item.item_id,
                productId: item.product_id,
                quantity: Number(item.quantity),
                name: item.name,
                unitPrice,
                lineTotal: unitPrice && { amount: unitPrice.amount * Number(item.quantity), currency: unitPrice.currency },
              };
            }),
          total: row.total_amount === null ? null : { amount: Number(row.total_amount), currency: row.currency! },
          shippingAddress: {
            recipientName: address.recipientName ?? '',
            line1: address.line1 ?? '',
            line2: address.line2 ?? null,
            city: address.city ?? '',
            region: address.region ?? null,
            postalCode: address.postalCode ?? '',
            country: address.country ?? '',
          },
          paymentId: row.payment_id,
          cancellation: row.cancellation,
          allowed: allowedFor(row.status, viewer === 'staff' ? 'admin' : 'customer'),
          version: Number(row.version),
          createdAt: row.created_at.toISOString(),
          updatedAt: row.updated_at.toISOString(),
        };
      }),
    );
  };

  const pageOf = async (rows: OrderRow[], limit: number, viewer: Viewer) => {
    const shown = await views(rows.slice(0, limit), viewer);
    const page = toPage(rows, limit, (row) => row, (row) => [row.created_at.toISOString(), row.id]);
    return { items: shown, nextCursor: page.nextCursor };
  };

  return {
    async byId(id: string, viewer: Viewer): Promise<OrderView | undefined> {
      const { rows } = await pool.query<OrderRow>(`SELECT ${ORDER_COLUMNS} FROM orders WHERE id = $1`, [id]);
      return (await views(rows, viewer))[0];
    },

    /** One customer's orders, newest first, keyset-paginated on (created_at, id). */
    async ofCustomer(customerId: string, filter: { limit?: number | undefined; cursor?: string | undefined }) {
      const limit = filter.limit ?? DEFAULT_PAGE_SIZE;
      const after = filter.cursor === undefined ? undefined : decodeCursor(filter.cursor, ['timestamp', 'uuid']);
      const { rows } = await pool.query<OrderRow>(
        `SELECT ${ORDER_COLUMNS} FROM orders
          WHERE customer_id = $1 AND ($2::timestamptz IS NULL OR (created_at, id) < ($2::timestamptz, $3::uuid))
          ORDER BY created_at DESC, id DESC LIMIT $4`,
        [customerId, after?.[0] ?? null, after?.[1] ?? null, limit + 1],
      );
      return pageOf(rows, limit, 'customer');
    },

    /** Everyone's orders, newest first, of one status and within a window when asked. */
    async all(filter: { status?: OrderStatus | undefined; since?: Date | undefined; until?: Date | undefined; limit?: number | undefined; cursor?: string | undefined }) {
      const limit = filter.limit ?? DEFAULT_PAGE_SIZE;
      const after = filter.cursor === undefined ? undefined : decodeCursor(filter.cursor, ['timestamp', 'uuid']);
      const { rows } = await pool.query<OrderRow>(
        `SELECT ${ORDER_COLUMNS} FROM orders
          WHERE ($1::text IS NULL OR status = $1) AND ($2::timestamptz IS NULL OR created_at >= $2) AND ($3::timestamptz IS NULL OR created_at < $3)
            AND ($4::timestamptz IS NULL OR (created_at, id) < ($4::timestamptz, $5::uuid))
          ORDER BY created_at DESC, id DESC LIMIT $6`,
        [filter.status ?? null, filter.since ?? null, filter.until ?? null, after?.[0] ?? null, after?.[1] ?? null, limit + 1],
      );
      return pageOf(rows, limit, 'staff');
    },
  };
};

export type OrderQueries = ReturnType<typeof orderQueries>;

export const ORDER_TABLES = [
  `CREATE TABLE IF NOT EXISTS orders (
     id uuid PRIMARY KEY,
     customer_id uuid NOT NULL,
     status text NOT NULL,
     total_amount bigint,
     currency text,
     shipping_address jsonb NOT NULL,
     payment_id text,
     tracking_code text,
     cancellation jsonb,
     version integer NOT NULL,
     created_at timestamptz NOT NULL,
     updated_at timestamptz NOT NULL
   )`,
  `CREATE INDEX IF NOT EXISTS orders_by_customer ON orders (customer_id, created_at DESC, id DESC)`,
  `CREATE INDEX IF NOT EXISTS orders_by_created ON orders (created_at DESC, id DESC)`,
  `CREATE INDEX IF NOT EXISTS orders_by_status ON orders (status, created_at DESC)`,
  `CREATE TABLE IF NOT EXISTS order_items (
     order_id uuid NOT NULL,
     item_id uuid NOT NULL,
     product_id uuid NOT NULL,
     quantity integer NOT NULL,
     name text,
     unit_amount bigint,
     currency text,
     position integer NOT NULL,
     PRIMARY KEY (order_id, item_id)
   )`,
];
