import { z } from 'zod';
import { Cursor, Id, Limit, Money, Timestamp, page } from './common.js';
import { LoggedEvent } from './history.js';
import { operation } from './operation.js';
import { nonBlankText } from './text.js';
import { OrderStatus } from './order-status.js';
import { AddressView, addressFields } from './users.js';

export * from './order-status.js';
export * from './order-events.js';

const Quantity = z.number().int('Use a whole number of units').min(1).max(1000).describe('Units').meta({ examples: [2] });
const Reason = nonBlankText(500).describe('Why, in words the customer will read').meta({ examples: ['Ordered the wrong size'] });

const NewItem = z
  .object({ productId: Id.describe('The product'), quantity: Quantity })
  .strict()
  .describe('A product and how many');

/** An address given with the order; the address book's own fields and rules. */
export const InlineShippingAddress = z.object(addressFields).strict().describe('A shipping address given inline');

export const OrderItemView = z
  .object({
    itemId: Id.describe('The line of the order'),
    productId: Id,
    quantity: z.number().int(),
    name: z.string().nullable().describe('Product name as confirmed; null while a draft'),
    unitPrice: Money.nullable().describe('Price per unit taken from the catalog at confirmation; null while a draft'),
    lineTotal: Money.nullable(),
  })
  .describe('One line of an order');

// The address book's own view, less what belongs to the book (id, default, versions, times).
export const ShippingAddressView = AddressView.pick({ recipientName: true, line1: true, line2: true, city: true, region: true, postalCode: true, country: true }).describe('Where the order goes ("[forgotten]" fields once the customer is forgotten)');

export const OrderView = z
  .object({
    id: Id,
    customerId: Id,
    status: OrderStatus,
    items: z.array(OrderItemView),
    total: Money.nullable().describe('Sum of the lines, known from confirmation on'),
    shippingAddress: ShippingAddressView,
    paymentId: z.string().nullable().describe('The payment that paid it'),
    cancellation: z
      .object({ reason: z.string(), by: z.enum(['customer', 'admin', 'system']), previousStatus: OrderStatus })
      .nullable()
      .describe('Why and by whom it was cancelled'),
    allowed: z.array(z.string()).describe('What may happen to it next (`confirm`, `cancel`, ...)'),
    version: z.number().int().describe('Stream version; send it back as expectedVersion (If-Match)'),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .describe('An order');
export type OrderView = z.infer<typeof OrderView>;

const orderColumns = ['id', 'status', 'total', 'createdAt', 'updatedAt'] as const;
const OrderIdInput = { id: Id.describe('The order') };
/** Its own example, so a command line that names an order and a line tells them apart. */
const ItemId = Id.describe('The line').meta({ examples: ['7a1c2a4e-7b9d-4e8a-9c1f-2d3e4f5a6b7c'] });
const pagination = { cursorField: 'cursor', itemsField: 'items', nextCursorField: 'nextCursor' } as const;
const transitionRefusal = 'The order’s status does not allow it: code `invalid_transition`, with `currentStatus` and `allowed`';

export const orderOperations = {
  'orders.create': operation({
    id: 'orders.create',
    method: 'POST',
    path: '/api/orders',
    kind: 'command',
    auth: 'customer',
    summary: 'Start an order',
    description:
      'A draft order with its items and a shipping address: one from your address book (`addressId`, or your default address when neither is given) or one given inline (`shippingAddress`). Prices are not sent: they are taken from the catalog when you confirm. All items must be priced in one currency; a discontinued product cannot be ordered.',
    input: z
      .object({
        items: z.array(NewItem).min(1, 'Order at least one item').max(50).describe('The products and quantities').meta({ examples: [[{ productId: '3f1c2a4e-7b9d-4e8a-9c1f-2d3e4f5a6b7c', quantity: 2 }]] }),
        addressId: Id.optional().describe('An address of your address book'),
        shippingAddress: InlineShippingAddress.optional(),
      })
      .strict(),
    output: OrderView,
    successStatus: 201,
    errors: { 404: 'A product or an address named does not exist (or the address is not yours)', 409: 'A product is discontinued, or the items are priced in different currencies' },
    tableColumns: orderColumns,
  }),
  'orders.get': operation({
    id: 'orders.get',
    method: 'GET',
    path: '/api/orders/:id',
    kind: 'query',
    auth: 'customer',
    summary: 'Get an order',
    description: 'Your own order; an admin or operator may read any. Another customer’s order is 404.',
    input: z.object(OrderIdInput).strict(),
    output: OrderView,
    tableColumns: orderColumns,
  }),
  'orders.mine': operation({
    id: 'orders.mine',
    method: 'GET',
    path: '/api/orders/user/orders',
    kind: 'query',
    auth: 'customer',
    summary: 'List your orders',
    description: 'Your orders, newest first.',
    input: z.object({ limit: Limit.optional(), cursor: Cursor.optional() }).strict(),
    output: page(OrderView),
    pagination,
    tableColumns: orderColumns,
  }),
  'orders.list': operation({
    id: 'orders.list',
    method: 'GET',
    path: '/api/orders',
    kind: 'query',
    auth: 'operator',
    summary: 'List all orders',
    description: 'Every customer’s orders, newest first, optionally of one status and created in a window.',
    input: z
      .object({
        status: OrderStatus.optional(),
        since: Timestamp.optional().describe('Only orders created at or after this instant'),
        until: Timestamp.optional().describe('Only orders created before this instant'),
        limit: Limit.optional(),
        cursor: Cursor.optional(),
      })
      .strict(),
    output: page(OrderView),
    pagination,
    tableColumns: ['id', 'customerId', 'status', 'total', 'createdAt'],
  }),
  'orders.setItem': operation({
    id: 'orders.setItem',
    method: 'PUT',
    path: '/api/orders/:id/items/:itemId',
    kind: 'command',
    auth: 'customer',
    summary: 'Set an item of a draft order',
    description: 'Changes the quantity of a line, or adds the line (then `productId` is needed). Only while the order is a draft.',
    input: z.object({ ...OrderIdInput, itemId: ItemId, quantity: Quantity, productId: Id.optional().describe('The product, for a new line') }).strict(),
    output: OrderView,
    cliName: 'set-item',
    errors: { 404: 'No such order (or not yours), or the product of a new line does not exist', 409: transitionRefusal },
    tableColumns: orderColumns,
  }),
  'orders.removeItem': operation({
    id: 'orders.removeItem',
    method: 'DELETE',
    path: '/api/orders/:id/items/:itemId',
    kind: 'command',
    auth: 'customer',
    summary: 'Remove an item of a draft order',
    description: 'Only while the order is a draft; the last line cannot be removed (cancel the order instead).',
    input: z.object({ ...OrderIdInput, itemId: ItemId }).strict(),
    output: OrderView,
    cliName: 'remove-item',
    errors: { 409: transitionRefusal },
    tableColumns: orderColumns,
  }),
  'orders.confirm': operation({
    id: 'orders.confirm',
    method: 'POST',
    path: '/api/orders/:id/confirm',
    kind: 'command',
    auth: 'customer',
    summary: 'Confirm an order',
    description:
      'Fixes the prices from the catalog, and starts fulfillment: stock is reserved for every item (all or nothing), then the order awaits payment. Follow it with `orders watch`.',
    input: z.object(OrderIdInput).strict(),
    output: OrderView,
    errors: { 409: `${transitionRefusal}; or a product was discontinued since, or prices are in different currencies` },
    tableColumns: orderColumns,
  }),
  'orders.requestPayment': operation({
    id: 'orders.requestPayment',
    method: 'POST',
    path: '/api/orders/:id/payment/request',
    kind: 'command',
    auth: 'customer',
    summary: 'Open the order’s payment',
    description:
      'Opens the payment for the order’s total (or answers the one already open), once its stock is reserved. Then confirm it with a card: `POST /api/payments/:paymentId/stripe`.',
    input: z.object(OrderIdInput).strict(),
    output: z.object({ orderId: Id, paymentId: z.string(), amount: Money }).describe('The payment to confirm'),
    cliName: 'request-payment',
    errors: { 409: transitionRefusal, 503: 'The payment gateway is unavailable; retry after Retry-After' },
  }),
  'orders.ship': operation({
    id: 'orders.ship',
    method: 'POST',
    path: '/api/orders/:id/ship',
    kind: 'command',
    auth: 'operator',
    summary: 'Ship a paid order',
    description: 'Records the shipment; the payment is then captured.',
    input: z.object({ ...OrderIdInput, trackingCode: nonBlankText(100).optional().describe('The carrier’s tracking code').meta({ examples: ['1Z999AA10123456784'] }) }).strict(),
    output: OrderView,
    errors: { 409: transitionRefusal },
    tableColumns: orderColumns,
  }),
  'orders.deliver': operation({
    id: 'orders.deliver',
    method: 'POST',
    path: '/api/orders/:id/deliver',
    kind: 'command',
    auth: 'operator',
    summary: 'Record delivery',
    input: z.object(OrderIdInput).strict(),
    output: OrderView,
    errors: { 409: transitionRefusal },
    tableColumns: orderColumns,
  }),
  'orders.cancel': operation({
    id: 'orders.cancel',
    method: 'POST',
    path: '/api/orders/:id/cancel',
    kind: 'command',
    auth: 'customer',
    summary: 'Cancel an order',
    description:
      'You may cancel your order until it ships; an admin may cancel any order until it is delivered. Reserved stock is released, an authorised payment is voided, and a shipped order is refunded.',
    input: z.object({ ...OrderIdInput, reason: Reason }).strict(),
    output: OrderView,
    errors: { 409: transitionRefusal },
    tableColumns: orderColumns,
  }),
  'orders.watch': operation({
    id: 'orders.watch',
    method: 'GET',
    path: '/api/orders/:id/watch',
    kind: 'stream',
    auth: 'customer',
    summary: 'Follow an order live',
    description:
      'Server-Sent Events: the events of your order, of its payment and of its stock reservations, as they are recorded (everything so far first, unless `after` is given). Each event’s position is its SSE `id`; reconnect with `Last-Event-ID` to resume.',
    input: z.object({ ...OrderIdInput, after: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional().describe('Start after this position') }).strict(),
    output: LoggedEvent,
    resume: { inputField: 'after', idField: 'position' },
  }),
} as const;

// ---- The fulfillment process, for operators ----

export const FULFILLMENT_STEPS = ['reserving', 'awaiting_payment', 'allocating', 'awaiting_shipment', 'capturing', 'awaiting_delivery', 'cancelling', 'completed', 'cancelled'] as const;

export const ProcessView = z
  .object({
    orderId: Id,
    step: z.enum(FULFILLMENT_STEPS).describe('What the process does or waits for now'),
    waitingSince: Timestamp.describe('When it entered this step'),
    waitingSeconds: z.number().describe('How long it has been in this step'),
    attempts: z.number().int().describe('Tries of the current step that failed'),
    lastError: z.string().nullable(),
    updatedAt: Timestamp,
  })
  .describe('One order’s fulfillment process');

const processColumns = ['orderId', 'step', 'waitingSince', 'waitingSeconds', 'attempts', 'lastError'] as const;

export const fulfillmentOperations = {
  'ops.processes.list': operation({
    id: 'ops.processes.list',
    method: 'GET',
    path: '/api/ops/processes',
    kind: 'query',
    auth: 'operator',
    summary: 'List orders in flight',
    description: 'Fulfillment processes not yet finished (finished ones too, with `includeFinished`), longest waiting first.',
    input: z
      .object({ step: z.enum(FULFILLMENT_STEPS).optional(), includeFinished: z.boolean().optional().describe('Include completed and cancelled ones'), limit: Limit.optional(), cursor: Cursor.optional() })
      .strict(),
    output: page(ProcessView),
    pagination,
    tableColumns: processColumns,
  }),
  'ops.processes.show': operation({
    id: 'ops.processes.show',
    method: 'GET',
    path: '/api/ops/processes/:orderId',
    kind: 'query',
    auth: 'operator',
    summary: 'Show an order’s process and its history',
    description: 'The process with every event of the order’s story across streams (order, inventory, payment), in commit order.',
    input: z.object({ orderId: Id.describe('The order') }).strict(),
    output: ProcessView.extend({ history: z.array(LoggedEvent) }),
    tableColumns: processColumns,
  }),
  'ops.processes.retry': operation({
    id: 'ops.processes.retry',
    method: 'POST',
    path: '/api/ops/processes/:orderId/retry',
    kind: 'command',
    auth: 'operator',
    summary: 'Run an order’s current step again',
    description: 'Runs the step the process waits in now, once, here (every step is idempotent). A step that fails again answers 409 with its error.',
    input: z.object({ orderId: Id.describe('The order') }).strict(),
    output: ProcessView,
    errors: { 409: 'The step failed again (`detail` has the error), or there is nothing to retry in a finished process' },
    tableColumns: processColumns,
  }),
} as const;

