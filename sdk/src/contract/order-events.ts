import { z } from 'zod';
import { Id, Money, Timestamp } from './common.js';
import { eventType, personal } from './event.js';
import { OrderStatus } from './order-status.js';

// ---- Events ----

const orderEvent = <const Type extends string, Data extends z.ZodObject>(type: Type, description: string, data: Data) =>
  eventType({ type, module: 'orders', streamType: 'order', description, data });

const OrderIdField = Id.describe('The order');
const ItemIdField = Id.describe('The line');

/** The address as the log keeps it: sealed under the customer's key, like the address book. */
const shippingAddressData = z.object({
  recipientName: personal(z.string().describe('Who receives the parcel')),
  line1: personal(z.string().describe('Street and number')),
  line2: personal(z.string()).nullable(),
  city: personal(z.string()),
  region: personal(z.string()).nullable(),
  postalCode: personal(z.string()),
  country: z.string(),
});

export const orderEvents = {
  OrderPlaced: orderEvent(
    'OrderPlaced',
    'A customer started an order (a draft): its items and where it goes.',
    z.object({
      orderId: OrderIdField,
      customerId: Id.describe('The customer'),
      items: z.array(z.object({ itemId: ItemIdField, productId: Id, quantity: z.number().int() })),
      addressId: Id.nullable().describe('The address book entry it came from; null when given inline'),
      shippingAddress: shippingAddressData,
      placedAt: Timestamp,
    }),
  ),
  OrderItemSet: orderEvent(
    'OrderItemSet',
    'A line of a draft order was added or its quantity changed.',
    z.object({ orderId: OrderIdField, itemId: ItemIdField, productId: Id, quantity: z.number().int(), setAt: Timestamp }),
  ),
  OrderItemRemoved: orderEvent('OrderItemRemoved', 'A line was removed from a draft order.', z.object({ orderId: OrderIdField, itemId: ItemIdField, removedAt: Timestamp })),
  OrderConfirmed: orderEvent(
    'OrderConfirmed',
    'The customer confirmed the order; prices were taken from the catalog and are kept here.',
    z.object({
      orderId: OrderIdField,
      customerId: Id,
      items: z.array(z.object({ itemId: ItemIdField, productId: Id, name: z.string(), quantity: z.number().int(), unitPrice: Money })),
      total: Money,
      confirmedAt: Timestamp,
    }),
  ),
  OrderAwaitingPayment: orderEvent(
    'OrderAwaitingPayment',
    'Stock for every item is reserved: the order can be paid until the reservation expires.',
    z.object({ orderId: OrderIdField, reservedUntil: Timestamp, at: Timestamp }),
  ),
  OrderPaid: orderEvent(
    'OrderPaid',
    'The payment was authorised and the stock allocated: the order can ship.',
    z.object({ orderId: OrderIdField, paymentId: z.string(), amount: Money, paidAt: Timestamp }),
  ),
  OrderShipped: orderEvent('OrderShipped', 'The order left the warehouse; its payment is captured.', z.object({ orderId: OrderIdField, trackingCode: z.string().nullable(), shippedAt: Timestamp })),
  OrderDelivered: orderEvent('OrderDelivered', 'The order reached the customer.', z.object({ orderId: OrderIdField, deliveredAt: Timestamp })),
  OrderCancelled: orderEvent(
    'OrderCancelled',
    'The order was cancelled: its stock goes back, an authorised payment is voided, a shipped one refunded.',
    z.object({
      orderId: OrderIdField,
      reason: z.string(),
      by: z.enum(['customer', 'admin', 'system']),
      previousStatus: OrderStatus,
      cancelledAt: Timestamp,
    }),
  ),
} as const;
