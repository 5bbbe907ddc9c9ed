import { orderEvents, type DomainEventOf, type Money, type OrderStatus } from '@eventshop/sdk/contract';
import { HttpProblem, InvalidStateError, InvalidTransitionError } from '../../infra/http/problems.js';
import { deciderFingerprint } from '../../infra/snapshots.js';

// ---- Events (schemas in the contract) ----

export type OrderPlaced = DomainEventOf<typeof orderEvents.OrderPlaced>;
export type OrderItemSet = DomainEventOf<typeof orderEvents.OrderItemSet>;
export type OrderItemRemoved = DomainEventOf<typeof orderEvents.OrderItemRemoved>;
export type OrderConfirmed = DomainEventOf<typeof orderEvents.OrderConfirmed>;
export type OrderAwaitingPayment = DomainEventOf<typeof orderEvents.OrderAwaitingPayment>;
export type OrderPaid = DomainEventOf<typeof orderEvents.OrderPaid>;
export type OrderShipped = DomainEventOf<typeof orderEvents.OrderShipped>;
export type OrderDelivered = DomainEventOf<typeof orderEvents.OrderDelivered>;
export type OrderCancelled = DomainEventOf<typeof orderEvents.OrderCancelled>;
export type OrderEvent =
  | OrderPlaced
  | OrderItemSet
  | OrderItemRemoved
  | OrderConfirmed
  | OrderAwaitingPayment
  | OrderPaid
  | OrderShipped
  | OrderDelivered
  | OrderCancelled;

export const orderEventTypes = Object.keys(orderEvents) as OrderEvent['type'][];

export type ShippingAddress = OrderPlaced['data']['shippingAddress'];
export type CancelledBy = OrderCancelled['data']['by'];

// ---- Commands: each carries its time, so deciding never reads a clock ----

/** What the catalog says of a product at the moment of the command (looked up by the handler). */
export type CatalogEntry = { name: string; price: Money; status: 'active' | 'discontinued' };

export type PlaceOrder = {
  type: 'PlaceOrder';
  data: {
    orderId: string;
    customerId: string;
    items: { itemId: string; productId: string; quantity: number }[];
    addressId: string | null;
    shippingAddress: ShippingAddress;
    catalog: Record<string, CatalogEntry>;
    now: Date;
  };
};
export type SetOrderItem = { type: 'SetOrderItem'; data: { itemId: string; productId?: string | undefined; quantity: number; catalog: Record<string, CatalogEntry>; now: Date } };
export type RemoveOrderItem = { type: 'RemoveOrderItem'; data: { itemId: string; now: Date } };
export type ConfirmOrder = { type: 'ConfirmOrder'; data: { catalog: Record<string, CatalogEntry>; now: Date } };
/** Sent by the fulfillment process once every item is reserved. */
export type MarkAwaitingPayment = { type: 'MarkAwaitingPayment'; data: { reservedUntil: Date; now: Date } };
/** Sent by the fulfillment process once the payment is authorised and the stock allocated. */
export type MarkPaid = { type: 'MarkPaid'; data: { paymentId: string; amount: Money; now: Date } };
export type ShipOrder = { type: 'ShipOrder'; data: { trackingCode: string | null; now: Date } };
export type DeliverOrder = { type: 'DeliverOrder'; data: { now: Date } };
export type CancelOrder = { type: 'CancelOrder'; data: { reason: string; by: CancelledBy; now: Date } };
export type OrderCommand = PlaceOrder | SetOrderItem | RemoveOrderItem | ConfirmOrder | MarkAwaitingPayment | MarkPaid | ShipOrder | DeliverOrder | CancelOrder;

// ---- State ----

export type OrderLine = { itemId: string; productId: string; quantity: number; name: string | null; unitPrice: Money | null };

export type Order =
  | { status: 'none' }
  | {
      status: OrderStatus;
      orderId: string;
      customerId: string;
      items: OrderLine[];
      total: Money | null;
      reservedUntil: string | null;
      paymentId: string | null;
      cancellation: { reason: string; by: CancelledBy; previousStatus: OrderStatus } | null;
    };
export type PlacedOrder = Exclude<Order, { status: 'none' }>;

export const initialState = (): Order => ({ status: 'none' });

export const evolve = (state: Order, event: OrderEvent): Order => {
  if (event.type === 'OrderPlaced') {
    const { orderId, customerId, items } = event.data;
    return {
      status: 'draft',
      orderId,
      customerId,
      items: items.map((item) => ({ ...item, name: null, unitPrice: null })),
      total: null,
      reservedUntil: null,
      paymentId: null,
      cancellation: null,
    };
  }
  if (state.status === 'none') return state;
  switch (event.type) {
    case 'OrderItemSet': {
      const { itemId, productId, quantity } = event.data;
      const exists = state.items.some((item) => item.itemId === itemId);
      const items = exists
        ? state.items.map((item) => (item.itemId === itemId ? { ...item, quantity } : item))
        : [...state.items, { itemId, productId, quantity, name: null, unitPrice: null }];
      return { ...state, items };
    }
    case 'OrderItemRemoved':
      return { ...state, items: state.items.filter((item) => item.itemId !== event.data.itemId) };
    case 'OrderConfirmed': {
      const priced = new Map(event.data.items.map((item) => [item.itemId, item]));
      const items = state.items.map((item) => ({ ...item, name: priced.get(item.itemId)?.name ?? null, unitPrice: priced.get(item.itemId)?.unitPrice ?? null }));
      return { ...state, status: 'confirmed', items, total: event.data.total };
    }
    case 'OrderAwaitingPayment':
      return { ...state, status: 'awaiting_payment', reservedUntil: event.data.reservedUntil };
    case 'OrderPaid':
      return { ...state, status: 'paid', paymentId: event.data.paymentId };
    case 'OrderShipped':
      return { ...state, status: 'shipped' };
    case 'OrderDelivered':
      return { ...state, status: 'delivered' };
    case 'OrderCancelled': {
      const { reason, by, previousStatus } = event.data;
      return { ...state, status: 'cancelled', cancellation: { reason, by, previousStatus } };
    }
    default: {
      const _exhaustive: never = event;
      return state;
    }
  }
};

// ---- The lifecycle, as one table: what each status allows, for the decider and for the 409s ----

export type OrderAction = 'set-item' | 'remove-item' | 'confirm' | 'request-payment' | 'pay' | 'ship' | 'deliver' | 'cancel' | 'reserve';

/** What may happen from each status (the process's own steps included), and who may cancel then. */
export const ALLOWED: Record<OrderStatus, readonly OrderAction[]> = {
  draft: ['set-item', 'remove-item', 'confirm', 'cancel'],
  confirmed: ['reserve', 'cancel'],
  awaiting_payment: ['request-payment', 'pay', 'cancel'],
  paid: ['ship', 'cancel'],
  shipped: ['deliver', 'cancel'],
  delivered: [],
  cancelled: [],
};

/** Until when each party may cancel: a customer until it ships, an admin until it is delivered. */
const CANCELLABLE_BY: Record<CancelledBy, readonly OrderStatus[]> = {
  customer: ['draft', 'confirmed', 'awaiting_payment', 'paid'],
  admin: ['draft', 'confirmed', 'awaiting_payment', 'paid', 'shipped'],
  system: ['draft', 'confirmed', 'awaiting_payment'],
};

/** The actions a caller sees offered: the process's own steps are not theirs to take. */
export const allowedFor = (status: OrderStatus | 'none', by: CancelledBy = 'customer'): OrderAction[] =>
  status === 'none'
    ? []
    : ALLOWED[status].filter((action) => action !== 'reserve' && action !== 'pay' && (action !== 'cancel' || CANCELLABLE_BY[by].includes(status)));

const refuse = (action: OrderAction, state: PlacedOrder, by: CancelledBy = 'customer'): never => {
  throw new InvalidTransitionError('order', state.status, action.replace('-', ' '), allowedFor(state.status, by));
};

const existing = (state: Order): PlacedOrder => {
  if (state.status === 'none') throw new InvalidStateError('There is no such order.');
  return state;
};

const must = (state: Order, action: OrderAction): PlacedOrder => {
  const order = existing(state);
  if (!ALLOWED[order.status].includes(action)) refuse(action, order);
  return order;
};

// ---- Problems a client can cause, in plain words ----

export class ProductDiscontinuedError extends HttpProblem {
  constructor(productId: string) {
    super(409, 'product_discontinued', 'A product is no longer sold', `Product ${productId} is discontinued; remove it from the order.`, { productId });
  }
}

export class MixedCurrenciesError extends HttpProblem {
  constructor(currencies: string[]) {
    super(409, 'mixed_currencies', 'An order is paid in one currency', `The items are priced in ${currencies.join(' and ')}; order them separately.`, { currencies });
  }
}

/** Every product orderable and all priced in one currency: the rule at placing and at confirming alike. */
const checkOrderable = (productIds: readonly string[], catalog: Record<string, CatalogEntry>): string => {
  for (const productId of productIds) {
    const entry = catalog[productId];
    if (!entry) throw new InvalidStateError(`Product ${productId} is not in the catalog.`);
    if (entry.status === 'discontinued') throw new ProductDiscontinuedError(productId);
  }
  const currencies = [...new Set(productIds.map((productId) => catalog[productId]!.price.currency))];
  if (currencies.length > 1) throw new MixedCurrenciesError(currencies);
  return currencies[0]!;
};

// ---- Decisions ----

const place = ({ data }: PlaceOrder, state: Order): OrderEvent[] => {
  if (state.status !== 'none') throw new InvalidStateError(`Order ${data.orderId} exists already.`);
  checkOrderable(data.items.map((item) => item.productId), data.catalog);
  return [
    {
      type: 'OrderPlaced',
      data: {
        orderId: data.orderId,
        customerId: data.customerId,
        items: data.items,
        addressId: data.addressId,
        shippingAddress: data.shippingAddress,
        placedAt: data.now.toISOString(),
      },
    },
  ];
};

const setItem = ({ data }: SetOrderItem, state: Order): OrderEvent[] => {
  const order = must(state, 'set-item');
  const line = order.items.find((item) => item.itemId === data.itemId);
  const productId = line?.productId ?? data.productId;
  if (!productId) throw new InvalidStateError(`The order has no line ${data.itemId}; give productId to add it.`);
  if (line && data.productId !== undefined && data.productId !== line.productId) {
    throw new InvalidStateError(`Line ${data.itemId} is for product ${line.productId}; remove it and add a new line for another product.`);
  }
  if (line && line.quantity === data.quantity) return [];
  if (!line) checkOrderable([...order.items.map((item) => item.productId), productId], data.catalog);
  return [{ type: 'OrderItemSet', data: { orderId: order.orderId, itemId: data.itemId, productId, quantity: data.quantity, setAt: data.now.toISOString() } }];
};

const removeItem = ({ data }: RemoveOrderItem, state: Order): OrderEvent[] => {
  const order = must(state, 'remove-item');
  if (!order.items.some((item) => item.itemId === data.itemId)) return [];
  if (order.items.length === 1) throw new InvalidStateError('That is the order’s last line; cancel the order instead.');
  return [{ type: 'OrderItemRemoved', data: { orderId: order.orderId, itemId: data.itemId, removedAt: data.now.toISOString() } }];
};

const confirm = ({ data }: ConfirmOrder, state: Order): OrderEvent[] => {
  const order = must(state, 'confirm');
  const currency = checkOrderable(order.items.map((item) => item.productId), data.catalog);
  const items = order.items.map((item) => {
    const entry = data.catalog[item.productId]!;
    return { itemId: item.itemId, productId: item.productId, name: entry.name, quantity: item.quantity, unitPrice: entry.price };
  });
  const amount = items.reduce((sum, item) => sum + item.unitPrice.amount * item.quantity, 0);
  return [{ type: 'OrderConfirmed', data: { orderId: order.orderId, customerId: order.customerId, items, total: { amount, currency }, confirmedAt: data.now.toISOString() } }];
};

/** The process's steps repeat after a crash: a step already taken is a no-op, never a second event. */
const DONE_AFTER: Record<'reserve' | 'pay', readonly OrderStatus[]> = {
  reserve: ['awaiting_payment', 'paid', 'shipped', 'delivered'],
  pay: ['paid', 'shipped', 'delivered'],
};

const markAwaitingPayment = ({ data }: MarkAwaitingPayment, state: Order): OrderEvent[] => {
  const order = existing(state);
  if (DONE_AFTER.reserve.includes(order.status)) return [];
  must(order, 'reserve');
  return [{ type: 'OrderAwaitingPayment', data: { orderId: order.orderId, reservedUntil: data.reservedUntil.toISOString(), at: data.now.toISOString() } }];
};

const markPaid = ({ data }: MarkPaid, state: Order): OrderEvent[] => {
  const order = existing(state);
  if (DONE_AFTER.pay.includes(order.status)) return [];
  must(order, 'pay');
  return [{ type: 'OrderPaid', data: { orderId: order.orderId, paymentId: data.paymentId, amount: data.amount, paidAt: data.now.toISOString() } }];
};

const ship = ({ data }: ShipOrder, state: Order): OrderEvent[] => {
  const order = must(state, 'ship');
  return [{ type: 'OrderShipped', data: { orderId: order.orderId, trackingCode: data.trackingCode, shippedAt: data.now.toISOString() } }];
};

const deliver = ({ data }: DeliverOrder, state: Order): OrderEvent[] => {
  const order = must(state, 'deliver');
  return [{ type: 'OrderDelivered', data: { orderId: order.orderId, deliveredAt: data.now.toISOString() } }];
};

const cancel = ({ data }: CancelOrder, state: Order): OrderEvent[] => {
  const order = existing(state);
  // The process cancels after a shortfall or an expiry; retried, it finds its own cancellation.
  if (data.by === 'system' && order.status === 'cancelled') return [];
  if (!CANCELLABLE_BY[data.by].includes(order.status)) refuse('cancel', order, data.by);
  return [
    { type: 'OrderCancelled', data: { orderId: order.orderId, reason: data.reason, by: data.by, previousStatus: order.status, cancelledAt: data.now.toISOString() } },
  ];
};

export const decide = (command: OrderCommand, state: Order): OrderEvent[] => {
  switch (command.type) {
    case 'PlaceOrder':
      return place(command, state);
    case 'SetOrderItem':
      return setItem(command, state);
    case 'RemoveOrderItem':
      return removeItem(command, state);
    case 'ConfirmOrder':
      return confirm(command, state);
    case 'MarkAwaitingPayment':
      return markAwaitingPayment(command, state);
    case 'MarkPaid':
      return markPaid(command, state);
    case 'ShipOrder':
      return ship(command, state);
    case 'DeliverOrder':
      return deliver(command, state);
    case 'CancelOrder':
      return cancel(command, state);
    default: {
      const _exhaustive: never = command;
      throw new InvalidStateError(`Unknown command ${(_exhaustive as OrderCommand).type}`);
    }
  }
};

// evolve never changes the state it is given, so the state after a command may be kept warm.
export const orderDecider = { decide, evolve, initialState, snapshotFingerprint: deciderFingerprint(evolve, initialState), keepsStateWarm: true };

export const orderStreamName = (orderId: string) => `order-${orderId}`;
