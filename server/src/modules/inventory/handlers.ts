import { randomUUID } from 'node:crypto';
import type { PostgresEventStore } from '@event-driven-io/emmett-postgresql';
import type { InventoryView } from '@eventshop/sdk/contract';
import type { Pool } from '../../infra/database/pool.js';
import { handleCommand, type CommandOutcome, type EventMetadata } from '../../infra/eventstore.js';
import type { Handlers, OperationIdsOf } from '../../infra/http/operations.js';
import { NotFoundError } from '../../infra/http/problems.js';
import { nameBasedId } from '../../infra/ids.js';
import type { SnapshotStore } from '../../infra/snapshots.js';
import { availableOf, inventoryDecider, openReservation, inventoryStreamName, type Inventory, type InventoryCommand } from './inventory.js';
import type { InventoryQueries } from './projections.js';

/** Inventory ids are derived from the product id, so "one item per product" is the stream's own create guard. */
const INVENTORY_NAMESPACE = '6f1f3c2e-9a47-4c1e-8d5b-0b2f6a9c7e41';
export const inventoryIdFor = (productId: string) => nameBasedId(INVENTORY_NAMESPACE, productId);

type Tracked = Extract<Inventory, { status: 'tracked' }>;

/** The item as this command left it (not as a later command in the same batch did). */
const viewOf = (inventoryId: string, outcome: CommandOutcome<Inventory>, now: Date): InventoryView => {
  const state = outcome.state as Tracked;
  const available = availableOf(state);
  return {
    id: inventoryId,
    productId: state.productId,
    onHand: state.onHand,
    reserved: state.reserved,
    available,
    threshold: state.threshold,
    lowStock: available < state.threshold,
    version: outcome.version,
    updatedAt: now.toISOString(),
  };
};

export const inventoryHandlers = (deps: {
  pool: Pool;
  eventStore: PostgresEventStore;
  snapshots: SnapshotStore;
  inventory: InventoryQueries;
}): Handlers<OperationIdsOf<'inventory'> | 'products.setStock'> => {
  const run = (inventoryId: string, command: InventoryCommand, metadata: EventMetadata, expectedVersion?: number) =>
    handleCommand(deps.eventStore, inventoryDecider, { streamName: inventoryStreamName(inventoryId), command, metadata, expectedVersion, snapshots: deps.snapshots });

  const productMustExist = async (productId: string) => {
    const { rowCount } = await deps.pool.query('SELECT 1 FROM catalog_products WHERE id = $1', [productId]);
    if (rowCount === 0) throw new NotFoundError('Product', productId);
  };

  const reservationResult = (inventoryId: string, orderId: string, outcome: CommandOutcome<Inventory>, now: Date, status: 'active' | 'released' | 'allocated') => {
    const state = outcome.state as Tracked;
    const open = openReservation(state, orderId);
    const closed = state.closed.find(([id]) => id === orderId);
    return {
      reservation: {
        reservationId: open?.reservationId ?? closed![2],
        inventoryId,
        orderId,
        quantity: open?.quantity ?? closed![3],
        expiresAt: open?.expiresAt ?? now.toISOString(),
        status,
      },
      inventory: viewOf(inventoryId, outcome, now),
    };
  };

  return {
    'inventory.track': async ({ productId, quantity, threshold }, { now, metadata }) => {
      await productMustExist(productId);
      const inventoryId = inventoryIdFor(productId);
      const outcome = await run(inventoryId, { type: 'TrackInventory', data: { inventoryId, productId, onHand: quantity, threshold: threshold ?? 0, now } }, metadata);
      return viewOf(inventoryId, outcome, now);
    },

    'inventory.get': async ({ inventoryId }) => (await deps.inventory.getById(inventoryId)) ?? Promise.reject(new NotFoundError('Inventory item', inventoryId)),

    'inventory.byProduct': async ({ productId }) => {
      const view = await deps.inventory.byProduct(productId);
      if (!view) throw new NotFoundError('Inventory of product', productId);
      return view;
    },

    'inventory.lowStock': async ({ limit, cursor }) => deps.inventory.lowStock({ limit, cursor }),

    'inventory.setStock': async ({ inventoryId, quantity, reason, expectedVersion }, { now, metadata }) =>
      viewOf(inventoryId, await run(inventoryId, { type: 'SetStockLevel', data: { inventoryId, onHand: quantity, reason, now } }, metadata, expectedVersion), now),

    'inventory.setThreshold': async ({ inventoryId, threshold, expectedVersion }, { now, metadata }) =>
      viewOf(inventoryId, await run(inventoryId, { type: 'SetLowStockThreshold', data: { inventoryId, threshold, now } }, metadata, expectedVersion), now),

    'inventory.reserve': async ({ inventoryId, orderId, quantity, expiresInSeconds }, { now, metadata }) => {
      const expiresAt = new Date(now.getTime() + expiresInSeconds * 1000);
      const outcome = await run(inventoryId, { type: 'ReserveStock', data: { inventoryId, reservationId: randomUUID(), orderId, quantity, expiresAt, now } }, metadata);
      return reservationResult(inventoryId, orderId, outcome, now, 'active');
    },

    'inventory.release': async ({ inventoryId, orderId }, { now, metadata }) =>
      reservationResult(inventoryId, orderId, await run(inventoryId, { type: 'ReleaseReservation', data: { inventoryId, orderId, now } }, metadata), now, 'released'),

    'inventory.allocate': async ({ inventoryId, orderId }, { now, metadata }) =>
      reservationResult(inventoryId, orderId, await run(inventoryId, { type: 'AllocateReservation', data: { inventoryId, orderId, now } }, metadata), now, 'allocated'),

    // The catalog's face of the same inventory: set the quantity, tracking the product first if need be.
    'products.setStock': async ({ id, quantity, reason }, { now, metadata }) => {
      await productMustExist(id);
      const inventoryId = inventoryIdFor(id);
      const existing = await deps.inventory.getById(inventoryId);
      const command: InventoryCommand = existing
        ? { type: 'SetStockLevel', data: { inventoryId, onHand: quantity, reason, now } }
        : { type: 'TrackInventory', data: { inventoryId, productId: id, onHand: quantity, threshold: 0, now } };
      return viewOf(inventoryId, await run(inventoryId, command, metadata), now);
    },
  };
};
