import { postgreSQLProjection } from '@event-driven-io/emmett-postgresql';
import type { InventoryView } from '@eventshop/sdk/contract';
import type { Pool } from '../../infra/database/pool.js';
import { decodeCursor, DEFAULT_PAGE_SIZE, toPage } from '../../infra/http/cursor.js';
import { inventoryEventTypes, type InventoryEvent } from './inventory.js';

/**
 * Stock per product and open reservations, kept inline with the inventory streams: a reservation
 * is visible (and counted) the moment it is recorded, and the expiry processor finds due holds here.
 * `available` and `low_stock` are generated columns, so they can never disagree with the counts.
 */
export const inventoryProjection = postgreSQLProjection<InventoryEvent>({
  name: 'inventory_stock',
  canHandle: inventoryEventTypes,
  handle: async (events, { connection: { client } }) => {
    for (const event of events) {
      const version = Number(event.metadata.streamPosition);
      const touch = (set: string, values: unknown[], at: string) =>
        client.query(`UPDATE inventory_stock SET ${set}, version = $2, updated_at = $3 WHERE id = $1 AND version < $2`, [event.data.inventoryId, version, at, ...values]);
      const closeReservation = async (status: string, at: string, extra = '') => {
        const d = event.data as { reservationId: string; quantity: number };
        await client.query(`UPDATE inventory_reservations SET status = $2, updated_at = $3 WHERE reservation_id = $1`, [d.reservationId, status, at]);
        await touch(`reserved = reserved - $4${extra}`, [d.quantity], at);
      };
      switch (event.type) {
        case 'InventoryTracked': {
          const d = event.data;
          await client.query(
            `INSERT INTO inventory_stock (id, product_id, on_hand, reserved, threshold, version, updated_at) VALUES ($1, $2, $3, 0, $4, $5, $6)
             ON CONFLICT (id) DO NOTHING`,
            [d.inventoryId, d.productId, d.onHand, d.threshold, version, d.trackedAt],
          );
          break;
        }
        case 'StockLevelSet':
          await touch('on_hand = $4', [event.data.onHand], event.data.setAt);
          break;
        case 'LowStockThresholdSet':
          await touch('threshold = $4', [event.data.threshold], event.data.setAt);
          break;
        case 'StockReserved': {
          const d = event.data;
          // A reservation for the same order may come back after it was closed: the newest hold wins.
          await client.query(
            `INSERT INTO inventory_reservations (reservation_id, inventory_id, order_id, quantity, expires_at, status, updated_at)
             VALUES ($1, $2, $3, $4, $5, 'active', $6) ON CONFLICT (reservation_id) DO NOTHING`,
            [d.reservationId, d.inventoryId, d.orderId, d.quantity, d.expiresAt, d.reservedAt],
          );
          await touch('reserved = reserved + $4', [d.quantity], d.reservedAt);
          break;
        }
        case 'ReservationReleased':
          await closeReservation('released', event.data.releasedAt);
          break;
        case 'ReservationExpired':
          await closeReservation('expired', event.data.expiredAt);
          break;
        case 'ReservationAllocated':
          await closeReservation('allocated', event.data.allocatedAt, ', on_hand = on_hand - $4');
          break;
        case 'AllocationReturned':
          await client.query(`UPDATE inventory_reservations SET status = 'returned', updated_at = $2 WHERE reservation_id = $1`, [event.data.reservationId, event.data.returnedAt]);
          await touch('on_hand = on_hand + $4', [event.data.quantity], event.data.returnedAt);
          break;
        case 'LowStockDetected':
          await touch('low_stock_alerts = low_stock_alerts + 1', [], event.data.detectedAt);
          break;
      }
    }
  },
});

type StockRow = {
  id: string;
  product_id: string;
  on_hand: number;
  reserved: number;
  available: number;
  threshold: number;
  low_stock: boolean;
  version: number;
  updated_at: Date;
};

export const toInventoryView = (row: StockRow): InventoryView => ({
  id: row.id,
  productId: row.product_id,
  onHand: Number(row.on_hand),
  reserved: Number(row.reserved),
  available: Number(row.available),
  threshold: Number(row.threshold),
  lowStock: row.low_stock,
  version: Number(row.version),
  updatedAt: row.updated_at.toISOString(),
});

const COLUMNS = 'id, product_id, on_hand, reserved, available, threshold, low_stock, version, updated_at';

export const inventoryQueries = (pool: Pool) => ({
  async getById(id: string): Promise<InventoryView | undefined> {
    const { rows } = await pool.query<StockRow>(`SELECT ${COLUMNS} FROM inventory_stock WHERE id = $1`, [id]);
    return rows[0] && toInventoryView(rows[0]);
  },

  async byProduct(productId: string): Promise<InventoryView | undefined> {
    const { rows } = await pool.query<StockRow>(`SELECT ${COLUMNS} FROM inventory_stock WHERE product_id = $1`, [productId]);
    return rows[0] && toInventoryView(rows[0]);
  },

  /** Below their threshold, least available first, keyset-paginated on (available, id). */
  async lowStock(filter: { limit?: number; cursor?: string }) {
    const limit = filter.limit ?? DEFAULT_PAGE_SIZE;
    const after = filter.cursor === undefined ? undefined : decodeCursor(filter.cursor, ['number', 'uuid']);
    const { rows } = await pool.query<StockRow>(
      `SELECT ${COLUMNS} FROM inventory_stock
        WHERE low_stock AND ($1::int IS NULL OR (available, id) > ($1, $2::uuid))
        ORDER BY available, id LIMIT $3`,
      [after?.[0] ?? null, after?.[1] ?? null, limit + 1],
    );
    return toPage(rows, limit, toInventoryView, (row) => [Number(row.available), row.id]);
  },

  /** Open holds past their expiry, oldest first: the expiry processor's work list. */
  async dueReservations(now: Date, limit: number): Promise<{ inventoryId: string; orderId: string }[]> {
    const { rows } = await pool.query<{ inventory_id: string; order_id: string }>(
      `SELECT inventory_id, order_id FROM inventory_reservations WHERE status = 'active' AND expires_at <= $1 ORDER BY expires_at LIMIT $2`,
      [now, limit],
    );
    return rows.map((row) => ({ inventoryId: row.inventory_id, orderId: row.order_id }));
  },
});

export type InventoryQueries = ReturnType<typeof inventoryQueries>;

export const INVENTORY_TABLES = [
  `CREATE TABLE IF NOT EXISTS inventory_stock (
     id uuid PRIMARY KEY,
     product_id uuid NOT NULL UNIQUE,
     on_hand integer NOT NULL,
     reserved integer NOT NULL,
     threshold integer NOT NULL,
     low_stock_alerts integer NOT NULL DEFAULT 0,
     available integer GENERATED ALWAYS AS (GREATEST(on_hand - reserved, 0)) STORED,
     low_stock boolean GENERATED ALWAYS AS (GREATEST(on_hand - reserved, 0) < threshold) STORED,
     version integer NOT NULL,
     updated_at timestamptz NOT NULL
   )`,
  `CREATE INDEX IF NOT EXISTS inventory_stock_low ON inventory_stock (available, id) WHERE low_stock`,
  `CREATE TABLE IF NOT EXISTS inventory_reservations (
     reservation_id uuid PRIMARY KEY,
     inventory_id uuid NOT NULL,
     order_id text NOT NULL,
     quantity integer NOT NULL,
     expires_at timestamptz NOT NULL,
     status text NOT NULL,
     updated_at timestamptz NOT NULL
   )`,
  `CREATE INDEX IF NOT EXISTS inventory_reservations_due ON inventory_reservations (expires_at) WHERE status = 'active'`,
];
