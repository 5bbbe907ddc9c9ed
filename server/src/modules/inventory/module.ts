import { inventoryEvents } from '@eventshop/sdk/contract';
import { declareModule } from '../module.js';
import { expireDueReservations } from './expiry.js';
import { inventoryHandlers } from './handlers.js';
import { inventoryDecider, presentInventory } from './inventory.js';
import { INVENTORY_TABLES, inventoryProjection, inventoryQueries } from './projections.js';

export const inventoryModule = declareModule({
  name: 'inventory',
  streams: [{ prefix: 'inventory', ...inventoryDecider, present: presentInventory }],
  events: inventoryEvents,
  readModels: [{ name: 'inventory_stock', tables: ['inventory_stock', 'inventory_reservations'], schema: INVENTORY_TABLES, inline: inventoryProjection }],
  handlers: ({ pool, eventStore, snapshots }) => inventoryHandlers({ pool, eventStore, snapshots, inventory: inventoryQueries(pool) }),
  scheduledTasks: [
    {
      name: 'inventory_reservation_expiry',
      intervalMs: 1000,
      tick: ({ pool, eventStore, snapshots, clock }) => expireDueReservations({ eventStore, snapshots, clock, inventory: inventoryQueries(pool) }),
    },
  ],
});
