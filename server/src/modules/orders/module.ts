import { orderEvents } from '@eventshop/sdk/contract';
import { RECOVERY_INTERVAL_MS, retryStepsTheGatewayRefused } from '../../fulfillment/gateway-recovery.js';
import { fulfillmentHandlers } from '../../fulfillment/handlers.js';
import { FULFILLMENT_TABLES } from '../../fulfillment/process-state.js';
import { fulfillmentProcessor } from '../../fulfillment/processor.js';
import type { FulfillmentDeps } from '../../fulfillment/steps.js';
import { declareModule, type ModuleContext } from '../module.js';
// The seam between orders and payments (briefs/payments-seam.md): the payments module's own service.
import { paymentsService } from '../payments/service.js';
import { ordersHandlers } from './handlers.js';
import { orderDecider } from './orders.js';
import { ORDER_TABLES, ordersProjection } from './projections.js';

/** Stock is held this long for an order that is not yet paid, unless configured (EVENTSHOP_ORDER_RESERVATION_SECONDS). */
export const DEFAULT_RESERVATION_SECONDS = 15 * 60;

const fulfillmentDeps = (context: ModuleContext): FulfillmentDeps => ({
  pool: context.pool,
  eventStore: context.eventStore,
  snapshots: context.snapshots,
  clock: context.clock,
  payments: paymentsService(context),
  reservationSeconds: context.orderReservationSeconds ?? DEFAULT_RESERVATION_SECONDS,
});

export const ordersModule = declareModule({
  name: 'orders',
  streams: [{ prefix: 'order', ...orderDecider }],
  events: orderEvents,
  readModels: [
    { name: 'orders', tables: ['orders', 'order_items'], schema: ORDER_TABLES, inline: ordersProjection },
    // The process's own state, written by the fulfillment processor in its checkpoint's transaction.
    { name: 'fulfillment_processes', tables: ['fulfillment_processes'], schema: FULFILLMENT_TABLES },
  ],
  processors: (context) => [fulfillmentProcessor(fulfillmentDeps(context)).declaration],
  scheduledTasks: [
    {
      // Steps parked while the payment gateway was down go again once it answers (gateway-recovery.ts).
      name: 'fulfillment_gateway_recovery',
      intervalMs: RECOVERY_INTERVAL_MS,
      tick: (context) => retryStepsTheGatewayRefused(context.pool, fulfillmentProcessor(fulfillmentDeps(context)).declaration),
    },
  ],
  handlers: (context) => ({
    ...ordersHandlers({ pool: context.pool, eventStore: context.eventStore, snapshots: context.snapshots, payments: paymentsService(context) }),
    ...fulfillmentHandlers(fulfillmentDeps(context)),
  }),
});
