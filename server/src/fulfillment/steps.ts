import type { PostgresEventStore } from '@event-driven-io/emmett-postgresql';
import type { Clock } from '../infra/clock.js';
import type { Pool } from '../infra/database/pool.js';
import { crashPoint } from '../infra/crash-points.js';
import { currentState, handleCommand, type EventMetadata } from '../infra/eventstore.js';
import { HttpProblem, NotFoundError } from '../infra/http/problems.js';
import type { Queryable } from '../infra/privacy/keyring.js';
import type { SnapshotStore } from '../infra/snapshots.js';
import { inventoryIdFor } from '../modules/inventory/handlers.js';
import { InsufficientStockError, inventoryDecider, inventoryStreamName, openReservation, ReservationClosedError, type Inventory, type InventoryCommand } from '../modules/inventory/inventory.js';
import { orderDecider, orderStreamName, type Order, type OrderCommand, type PlacedOrder } from '../modules/orders/orders.js';
import { processStore, type FulfillmentStep } from './process-state.js';

/** What the process needs of payments: the payments module's service (modules/payments/service.ts). */
export type FulfillmentPayments = {
  capture(paymentId: string, metadata: EventMetadata): Promise<void>;
  voidAuthorization(paymentId: string, metadata: EventMetadata): Promise<void>;
  refund(paymentId: string, input: { amount?: number; reason?: string }, metadata: EventMetadata): Promise<void>;
  byOrder(orderId: string): Promise<{ paymentId: string; status: string } | undefined>;
};

export type FulfillmentDeps = {
  pool: Pool;
  eventStore: PostgresEventStore;
  snapshots: SnapshotStore;
  clock: Clock;
  payments: FulfillmentPayments | undefined;
  /** How long stock is held for an order that is not yet paid. */
  reservationSeconds: number;
};

/** The event that caused a step: its id is the causation of whatever the step records. */
export type Cause = { eventId: string; position: number };

/** Units per inventory item: two lines of one product are one reservation (inventory holds one per order and item). */
const unitsByInventory = (order: PlacedOrder) => {
  const units = new Map<string, { productId: string; quantity: number; name: string | null }>();
  for (const item of order.items) {
    const inventoryId = inventoryIdFor(item.productId);
    const known = units.get(inventoryId);
    units.set(inventoryId, { productId: item.productId, quantity: (known?.quantity ?? 0) + item.quantity, name: item.name });
  }
  return units;
};

/** Reservations that are closed already count as done: every step below may run again after a crash. */
const closedAs = (error: unknown, ...how: string[]) => error instanceof ReservationClosedError && how.some((state) => error.code === `reservation_${state}` || (state === 'unknown' && error.code === 'unknown_reservation'));

/**
 * The steps of one order's fulfillment, each decided on the order's current state (never on the
 * event alone, which may be old by the time it is handled) and each safe to repeat: inventory
 * holds one reservation per order, the order decider ignores a step already taken, and payment
 * calls carry the payment's own idempotency keys.
 */
export const fulfillmentSteps = (deps: FulfillmentDeps) => {
  const metadataFor = (orderId: string, cause: Cause): EventMetadata => ({
    correlationId: `order:${orderId}`,
    causationId: cause.eventId,
    actorId: null,
    requestId: `fulfillment:${cause.position}`,
    occurredAt: deps.clock.now().toISOString(),
  });

  const order = async (orderId: string): Promise<Order> => (await currentState(deps.eventStore, orderDecider, orderStreamName(orderId), deps.snapshots)).state;

  const onOrder = (orderId: string, command: OrderCommand, cause: Cause) =>
    handleCommand(deps.eventStore, orderDecider, { streamName: orderStreamName(orderId), command, metadata: metadataFor(orderId, cause), snapshots: deps.snapshots });

  const onInventory = (inventoryId: string, command: InventoryCommand, orderId: string, cause: Cause) =>
    handleCommand<Inventory, InventoryCommand, never>(deps.eventStore, inventoryDecider as never, {
      streamName: inventoryStreamName(inventoryId),
      command,
      metadata: metadataFor(orderId, cause),
      snapshots: deps.snapshots,
    });

  const cancel = (orderId: string, reason: string, cause: Cause) => onOrder(orderId, { type: 'CancelOrder', data: { reason, by: 'system', now: deps.clock.now() } }, cause);

  const payments = () => {
    if (!deps.payments) throw new Error('No payments service is configured');
    return deps.payments;
  };

  return {
    order,

    /** Confirmed: hold every item, all or nothing; then the order awaits payment. */
    async reserve(db: Queryable, placed: PlacedOrder, cause: Cause): Promise<FulfillmentStep> {
      const states = processStore(db);
      if (placed.status !== 'confirmed') return stepOf(placed);
      const now = deps.clock.now();
      const expiresAt = new Date(now.getTime() + deps.reservationSeconds * 1000);
      const held: string[] = [];
      let shortfall: string | undefined;
      let reservedUntil = expiresAt;
      for (const [inventoryId, { productId, quantity, name }] of unitsByInventory(placed)) {
        try {
          const outcome = await onInventory(
            inventoryId,
            { type: 'ReserveStock', data: { inventoryId, reservationId: crypto.randomUUID(), orderId: placed.orderId, quantity, expiresAt, now } },
            placed.orderId,
            cause,
          );
          held.push(inventoryId);
          const hold = openReservation(outcome.state as Extract<Inventory, { status: 'tracked' }>, placed.orderId);
          if (hold && new Date(hold.expiresAt) < reservedUntil) reservedUntil = new Date(hold.expiresAt);
        } catch (error) {
          if (error instanceof InsufficientStockError) shortfall = `Not enough stock of ${name ?? productId}: ${error.detail}`;
          else if (error instanceof NotFoundError) shortfall = `${name ?? productId} is not stocked.`;
          else throw error;
          break;
        }
      }
      crashPoint('fulfillment:after-reserve');
      if (shortfall) {
        for (const inventoryId of held) await this.release(inventoryId, placed.orderId, cause);
        await cancel(placed.orderId, shortfall, cause);
        await states.enter(placed.orderId, placed.customerId, 'cancelled', now, shortfall);
        return 'cancelled';
      }
      await onOrder(placed.orderId, { type: 'MarkAwaitingPayment', data: { reservedUntil, now } }, cause);
      await states.enter(placed.orderId, placed.customerId, 'awaiting_payment', now);
      return 'awaiting_payment';
    },

    async release(inventoryId: string, orderId: string, cause: Cause) {
      try {
        await onInventory(inventoryId, { type: 'ReleaseReservation', data: { inventoryId, orderId, now: deps.clock.now() } }, orderId, cause);
      } catch (error) {
        if (!closedAs(error, 'released', 'expired', 'allocated', 'returned', 'unknown') && !(error instanceof NotFoundError)) throw error;
      }
    },

    /** The payment is authorised: sell the held units and mark the order paid, or cancel it when a hold lapsed first. */
    async authorised(db: Queryable, placed: PlacedOrder, payment: { paymentId: string; amount: number }, cause: Cause): Promise<FulfillmentStep> {
      const states = processStore(db);
      const now = deps.clock.now();
      if (placed.status === 'cancelled') {
        // Paid for an order that is gone (cancelled or expired while the customer paid): let the hold on the card go.
        await payments().voidAuthorization(payment.paymentId, metadataFor(placed.orderId, cause));
        return 'cancelled';
      }
      if (placed.status !== 'awaiting_payment') {
        // A second payment for an order paid already is released; a repeat of this one changes nothing.
        if (placed.paymentId !== null && placed.paymentId !== payment.paymentId) await payments().voidAuthorization(payment.paymentId, metadataFor(placed.orderId, cause));
        return stepOf(placed);
      }
      for (const inventoryId of unitsByInventory(placed).keys()) {
        try {
          await onInventory(inventoryId, { type: 'AllocateReservation', data: { inventoryId, orderId: placed.orderId, now } }, placed.orderId, cause);
        } catch (error) {
          if (closedAs(error, 'allocated')) continue;
          if (error instanceof ReservationClosedError) {
            // The hold lapsed (or was let go) before the money came: the order cannot be filled as promised.
            const reason = 'The stock reservation expired before the payment was authorised.';
            await cancel(placed.orderId, reason, cause);
            await states.enter(placed.orderId, placed.customerId, 'cancelling', now, reason);
            return 'cancelling';
          }
          throw error;
        }
      }
      crashPoint('fulfillment:after-allocate');
      const total = placed.total!;
      await onOrder(placed.orderId, { type: 'MarkPaid', data: { paymentId: payment.paymentId, amount: { amount: payment.amount, currency: total.currency }, now } }, cause);
      await states.enter(placed.orderId, placed.customerId, 'awaiting_shipment', now);
      return 'awaiting_shipment';
    },

    /** A hold lapsed: an order still unpaid is cancelled (the cancellation releases the rest). */
    async expired(db: Queryable, placed: PlacedOrder, inventoryId: string, cause: Cause): Promise<FulfillmentStep> {
      if (placed.status !== 'confirmed' && placed.status !== 'awaiting_payment') return stepOf(placed);
      // Held again since (a retried reservation replaces a lapsed one): still good.
      const { state } = await currentState(deps.eventStore, inventoryDecider, inventoryStreamName(inventoryId), deps.snapshots);
      const hold = state.status === 'tracked' ? openReservation(state, placed.orderId) : undefined;
      if (hold && new Date(hold.expiresAt) > deps.clock.now()) return stepOf(placed);
      const reason = 'The order was not paid before its stock reservation expired.';
      await cancel(placed.orderId, reason, cause);
      await processStore(db).enter(placed.orderId, placed.customerId, 'cancelling', deps.clock.now(), reason);
      return 'cancelling';
    },

    /**
     * Shipped: take the money that was authorised. By the time the process sees the shipment the
     * order may be delivered already, or cancelled after shipping (to be refunded next): it shipped
     * all the same, so it is captured all the same.
     */
    async capture(db: Queryable, placed: PlacedOrder, cause: Cause): Promise<FulfillmentStep> {
      const shipped = placed.status === 'shipped' || placed.status === 'delivered' || (placed.status === 'cancelled' && placed.cancellation?.previousStatus === 'shipped');
      if (!shipped || !placed.paymentId) return stepOf(placed);
      await payments().capture(placed.paymentId, metadataFor(placed.orderId, cause));
      crashPoint('fulfillment:after-capture');
      if (placed.status !== 'shipped') return stepOf(placed);
      await processStore(db).enter(placed.orderId, placed.customerId, 'awaiting_delivery', deps.clock.now());
      return 'awaiting_delivery';
    },

    async delivered(db: Queryable, placed: PlacedOrder): Promise<FulfillmentStep> {
      if (placed.status !== 'delivered') return stepOf(placed);
      await processStore(db).enter(placed.orderId, placed.customerId, 'completed', deps.clock.now());
      return 'completed';
    },

    /**
     * Cancelled: undo what was done. Stock held or sold (but not shipped) comes back; an
     * authorisation is voided; a shipped order's captured payment is refunded.
     */
    async compensate(db: Queryable, placed: PlacedOrder, cause: Cause): Promise<FulfillmentStep> {
      if (placed.status !== 'cancelled') return stepOf(placed);
      const shipped = placed.cancellation?.previousStatus === 'shipped';
      const now = deps.clock.now();
      for (const inventoryId of unitsByInventory(placed).keys()) {
        await this.release(inventoryId, placed.orderId, cause);
        if (!shipped) {
          try {
            await onInventory(inventoryId, { type: 'ReturnAllocation', data: { inventoryId, orderId: placed.orderId, now } }, placed.orderId, cause);
          } catch (error) {
            if (!(error instanceof NotFoundError)) throw error;
          }
        }
      }
      const payment = deps.payments ? await deps.payments.byOrder(placed.orderId) : undefined;
      if (payment) {
        const metadata = metadataFor(placed.orderId, cause);
        if (shipped) {
          await payments().refund(payment.paymentId, { reason: placed.cancellation?.reason ?? 'Order cancelled' }, metadata);
          crashPoint('fulfillment:after-refund');
        } else {
          // Releases an authorisation, or closes a payment still waiting for a card; a no-op for one already settled.
          await payments().voidAuthorization(payment.paymentId, metadata);
          crashPoint('fulfillment:after-void');
        }
      }
      await processStore(db).enter(placed.orderId, placed.customerId, 'cancelled', now, placed.cancellation?.reason ?? null);
      return 'cancelled';
    },
  };
};

export type FulfillmentSteps = ReturnType<typeof fulfillmentSteps>;

/** The step an order's status means when nothing is left to do for the event at hand. */
export const stepOf = (order: PlacedOrder): FulfillmentStep => {
  switch (order.status) {
    case 'draft':
    case 'confirmed':
      return 'reserving';
    case 'awaiting_payment':
      return 'awaiting_payment';
    case 'paid':
      return 'awaiting_shipment';
    case 'shipped':
      return 'awaiting_delivery';
    case 'delivered':
      return 'completed';
    case 'cancelled':
      return 'cancelled';
  }
};

export const isProblem = (error: unknown): error is HttpProblem => error instanceof HttpProblem;
