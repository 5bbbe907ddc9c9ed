import { crashPoint } from '../infra/crash-points.js';
import type { StoredLogEvent } from '../infra/log/log-reader.js';
import type { Queryable } from '../infra/privacy/keyring.js';
import { declareProcessor } from '../infra/processors/declaration.js';
import { errorText } from '../infra/processors/runner.js';
import { processStore, type FulfillmentStep } from './process-state.js';
import type { PlacedOrder } from '../modules/orders/orders.js';
import { fulfillmentSteps, stepOf, type FulfillmentDeps } from './steps.js';

export const FULFILLMENT_PROCESSOR = 'fulfillment';

/** Orders of one batch moved along at once; each order's own events still one after the other. */
const ORDERS_AT_ONCE = 8;

/**
 * Runs `handle` over a batch with different orders side by side (their steps wait on separate
 * streams and on the gateway, not on each other) and each order's events in log order, which is
 * all the process needs of order. Every handler has finished before this answers, also when one
 * failed: they share the batch's transaction, which must not roll back under one still running.
 */
export const inParallelByOrder = async (events: readonly StoredLogEvent[], handle: (event: StoredLogEvent) => Promise<unknown>): Promise<void> => {
  const byOrder = new Map<unknown, StoredLogEvent[]>();
  for (const event of events) {
    const orderId = (event.data as { orderId?: unknown }).orderId ?? event.eventId;
    const own = byOrder.get(orderId);
    if (own) own.push(event);
    else byOrder.set(orderId, [event]);
  }
  const queue = [...byOrder.values()];
  const worker = async () => {
    for (let own = queue.shift(); own; own = queue.shift()) for (const event of own) await handle(event);
  };
  const outcomes = await Promise.allSettled(Array.from({ length: Math.min(ORDERS_AT_ONCE, queue.length) }, worker));
  const failed = outcomes.find((outcome) => outcome.status === 'rejected');
  if (failed) throw failed.reason;
};

/** The events that move an order along, from its own stream, its payment's and its stock's. */
export const FULFILLMENT_EVENTS = [
  'OrderConfirmed',
  'OrderShipped',
  'OrderDelivered',
  'OrderCancelled',
  'PaymentAuthorized',
  'PaymentDeclined',
  'PaymentActionRequired',
  'ReservationExpired',
] as const;

/** The step an event asks for, before it is taken: what a failed try is recorded against. */
const STEP_FOR: Record<(typeof FULFILLMENT_EVENTS)[number], FulfillmentStep> = {
  OrderConfirmed: 'reserving',
  OrderShipped: 'capturing',
  OrderDelivered: 'completed',
  OrderCancelled: 'cancelling',
  PaymentAuthorized: 'allocating',
  PaymentDeclined: 'awaiting_payment',
  PaymentActionRequired: 'awaiting_payment',
  ReservationExpired: 'cancelling',
};

/**
 * The fulfillment process: a reactor on the processor runtime, so it runs in one instance at a
 * time, resumes from its checkpoint after a crash and parks an event it cannot handle. Its steps
 * write to other streams through their own commands (outside the checkpoint's transaction, which
 * is why each is idempotent); the process's own state row is written in that transaction, so it
 * moves exactly when the checkpoint does.
 */
export const fulfillmentProcessor = (deps: FulfillmentDeps) => {
  const steps = fulfillmentSteps(deps);

  /** Runs the step one event asks for, and leaves the process's row saying where the order is now. */
  const handleOne = async (event: StoredLogEvent, db: Queryable): Promise<FulfillmentStep | undefined> => {
    const outcome = await runStep(event, db);
    if (!outcome) return undefined;
    await processStore(db).settle(outcome.orderId, outcome.customerId, outcome.step, deps.clock.now());
    return outcome.step;
  };

  /** Runs the step one event asks for; answers undefined when the event is not about an order in fulfillment. */
  const runStep = async (event: StoredLogEvent, db: Queryable): Promise<{ orderId: string; customerId: string; step: FulfillmentStep } | undefined> => {
    const order = await orderOf(event);
    if (!order) return undefined;
    const step = await stepFor(event, order, db);
    return { orderId: order.orderId, customerId: order.customerId, step };
  };

  const orderOf = async (event: StoredLogEvent) => {
    const orderId = (event.data as { orderId?: unknown }).orderId;
    if (typeof orderId !== 'string') return undefined;
    const order = await steps.order(orderId);
    // Inventory and payments may name orders this shop never had (a partner's own reservation ids).
    return order.status === 'none' ? undefined : order;
  };

  const stepFor = async (event: StoredLogEvent, order: PlacedOrder, db: Queryable): Promise<FulfillmentStep> => {
    const data = event.data as { paymentId?: string; amount?: number; inventoryId?: string; message?: string; code?: string };
    const orderId = order.orderId;
    const cause = { eventId: event.eventId, position: event.position };
    const type = event.type as (typeof FULFILLMENT_EVENTS)[number];
    try {
      switch (type) {
        case 'OrderConfirmed':
          return await steps.reserve(db, order, cause);
        case 'PaymentAuthorized':
          return await steps.authorised(db, order, { paymentId: data.paymentId!, amount: Number(data.amount) }, cause);
        case 'PaymentDeclined':
        case 'PaymentActionRequired': {
          // The customer may try again (another card, or the bank's check) until the hold lapses.
          if (order.status !== 'awaiting_payment') return stepOf(order);
          const note = type === 'PaymentDeclined' ? `Payment declined (${data.code ?? 'declined'}): ${data.message ?? ''}`.trim() : 'Payment needs the customer’s action (3-D Secure)';
          await processStore(db).enter(orderId, order.customerId, 'awaiting_payment', deps.clock.now(), note);
          return 'awaiting_payment';
        }
        case 'ReservationExpired':
          return await steps.expired(db, order, data.inventoryId!, cause);
        case 'OrderShipped':
          return await steps.capture(db, order, cause);
        case 'OrderDelivered':
          return await steps.delivered(db, order);
        case 'OrderCancelled':
          return await steps.compensate(db, order, cause);
      }
    } catch (error) {
      // Counted outside the transaction, which is about to roll back; the runtime retries, then parks.
      // Not awaited: that transaction may hold this row, and lets go of it only once this handler throws.
      void processStore(deps.pool).failed(orderId, order.customerId, STEP_FOR[type], deps.clock.now(), `${event.type} at ${event.position}: ${errorText(error)}`).catch(() => {});
      throw error;
    }
  };

  return {
    handleOne,
    declaration: declareProcessor({
      name: FULFILLMENT_PROCESSOR,
      kind: 'reactor',
      handles: FULFILLMENT_EVENTS,
      // An order's events stay in order when one of them is parked.
      orderedPerStream: true,
      async handle(events, { tx }) {
        await inParallelByOrder(events, (event) => handleOne(event, tx));
        crashPoint('fulfillment:before-commit');
      },
    }),
  };
};
