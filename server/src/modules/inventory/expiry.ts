import type { PostgresEventStore } from '@event-driven-io/emmett-postgresql';
import type { Clock } from '../../infra/clock.js';
import { handleCommand } from '../../infra/eventstore.js';
import type { SnapshotStore } from '../../infra/snapshots.js';
import { inventoryDecider, inventoryStreamName } from './inventory.js';
import type { InventoryQueries } from './projections.js';

/** Holds found due per pass; the rest wait for the next pass, a second later. */
const BATCH = 200;

/**
 * One pass of the reservation expiry: every open hold whose time has come is closed with
 * ReservationExpired, an ordinary event in the item's stream (visible in history and time
 * travel). The decider ignores a hold closed meanwhile, so a pass racing an allocation is harmless.
 */
export const expireDueReservations = async (deps: { eventStore: PostgresEventStore; snapshots: SnapshotStore; inventory: InventoryQueries; clock: Clock }) => {
  const now = deps.clock.now();
  const due = await deps.inventory.dueReservations(now, BATCH);
  await Promise.all(
    due.map(({ inventoryId, orderId }) =>
      handleCommand(deps.eventStore, inventoryDecider, {
        streamName: inventoryStreamName(inventoryId),
        command: { type: 'ExpireReservation', data: { inventoryId, orderId, now } },
        metadata: { correlationId: `order:${orderId}`, causationId: 'reservation-expiry', actorId: null, requestId: 'reservation-expiry', occurredAt: now.toISOString() },
        snapshots: deps.snapshots,
      }),
    ),
  );
  return due.length;
};
