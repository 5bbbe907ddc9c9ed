import { DeciderSpecification } from '@event-driven-io/emmett';
import { describe, expect, it } from 'vitest';
import { InvalidTransitionError } from '../../infra/http/problems.js';
import { allowedFor, orderDecider, type CatalogEntry, type OrderCommand, type OrderEvent } from './orders.js';

const given = DeciderSpecification.for(orderDecider);
const now = new Date('2026-11-24T12:00:00.000Z');
const at = now.toISOString();
const orderId = '0a1c2a4e-7b9d-4e8a-9c1f-2d3e4f5a6b7c';
const customerId = '1b1c2a4e-7b9d-4e8a-9c1f-2d3e4f5a6b7c';
const cup = '2c1c2a4e-7b9d-4e8a-9c1f-2d3e4f5a6b7c';
const saucer = '3d1c2a4e-7b9d-4e8a-9c1f-2d3e4f5a6b7c';
const line1 = '4e1c2a4e-7b9d-4e8a-9c1f-2d3e4f5a6b7c';
const line2 = '5f1c2a4e-7b9d-4e8a-9c1f-2d3e4f5a6b7c';
const address = { recipientName: 'Ada Lovelace', line1: '12 St James Square', line2: null, city: 'London', region: null, postalCode: 'SW1Y 4JH', country: 'GB' };

const catalog: Record<string, CatalogEntry> = {
  [cup]: { name: 'Espresso cup', price: { amount: 1299, currency: 'USD' }, status: 'active' },
  [saucer]: { name: 'Saucer', price: { amount: 500, currency: 'USD' }, status: 'active' },
};

const placed: OrderEvent = {
  type: 'OrderPlaced',
  data: { orderId, customerId, items: [{ itemId: line1, productId: cup, quantity: 2 }], addressId: null, shippingAddress: address, placedAt: at },
};
const confirmed: OrderEvent = {
  type: 'OrderConfirmed',
  data: { orderId, customerId, items: [{ itemId: line1, productId: cup, name: 'Espresso cup', quantity: 2, unitPrice: { amount: 1299, currency: 'USD' } }], total: { amount: 2598, currency: 'USD' }, confirmedAt: at },
};
const awaiting: OrderEvent = { type: 'OrderAwaitingPayment', data: { orderId, reservedUntil: '2026-11-24T12:15:00.000Z', at } };
const paid: OrderEvent = { type: 'OrderPaid', data: { orderId, paymentId: 'pay-1', amount: { amount: 2598, currency: 'USD' }, paidAt: at } };
const shipped: OrderEvent = { type: 'OrderShipped', data: { orderId, trackingCode: null, shippedAt: at } };
const delivered: OrderEvent = { type: 'OrderDelivered', data: { orderId, deliveredAt: at } };
const cancelledFrom = (previousStatus: 'draft' | 'confirmed' | 'awaiting_payment' | 'paid' | 'shipped', by: 'customer' | 'admin' | 'system' = 'customer'): OrderEvent => ({
  type: 'OrderCancelled',
  data: { orderId, reason: 'Changed my mind', by, previousStatus, cancelledAt: at },
});

const place = (items = [{ itemId: line1, productId: cup, quantity: 2 }], withCatalog = catalog): OrderCommand => ({
  type: 'PlaceOrder',
  data: { orderId, customerId, items, addressId: null, shippingAddress: address, catalog: withCatalog, now },
});
const setItem = (itemId: string, quantity: number, productId?: string): OrderCommand => ({ type: 'SetOrderItem', data: { itemId, productId, quantity, catalog, now } });
const removeItem = (itemId: string): OrderCommand => ({ type: 'RemoveOrderItem', data: { itemId, now } });
const confirm = (withCatalog = catalog): OrderCommand => ({ type: 'ConfirmOrder', data: { catalog: withCatalog, now } });
const markAwaiting: OrderCommand = { type: 'MarkAwaitingPayment', data: { reservedUntil: new Date('2026-11-24T12:15:00.000Z'), now } };
const markPaid: OrderCommand = { type: 'MarkPaid', data: { paymentId: 'pay-1', amount: { amount: 2598, currency: 'USD' }, now } };
const ship: OrderCommand = { type: 'ShipOrder', data: { trackingCode: null, now } };
const deliver: OrderCommand = { type: 'DeliverOrder', data: { now } };
const cancel = (by: 'customer' | 'admin' | 'system' = 'customer'): OrderCommand => ({ type: 'CancelOrder', data: { reason: 'Changed my mind', by, now } });

/** Emmett's `then` compares by subset and trips over null fields: these compare whole events instead. */
const decides = (history: OrderEvent[], command: OrderCommand, expected: OrderEvent[]) =>
  expect(orderDecider.decide(command, history.reduce(orderDecider.evolve, orderDecider.initialState()))).toEqual(expected);

/** A refusal is the lifecycle's 409, naming where the order is and what it may do from there. */
const refusedFrom = (status: string, allowed: string[]) => (error: unknown) => {
  expect(error).toBeInstanceOf(InvalidTransitionError);
  expect(error).toMatchObject({ status: 409, code: 'invalid_transition', extra: { currentStatus: status, allowed } });
  return true;
};

describe('order decider', () => {
  describe('when nothing exists yet', () => {
    it('places a draft with its items and address', () => decides([], place(), [placed]));
    it('refuses a discontinued product', () =>
      given([])
        .when(place(undefined, { ...catalog, [cup]: { ...catalog[cup]!, status: 'discontinued' } }))
        .thenThrows((error) => (error as { code?: string }).code === 'product_discontinued'));
    it('refuses items priced in two currencies', () =>
      given([])
        .when(place([{ itemId: line1, productId: cup, quantity: 1 }, { itemId: line2, productId: saucer, quantity: 1 }], { ...catalog, [saucer]: { ...catalog[saucer]!, price: { amount: 500, currency: 'EUR' } } }))
        .thenThrows((error) => (error as { code?: string }).code === 'mixed_currencies'));
    it('refuses to place it twice', () => given([placed]).when(place()).thenThrows((error) => (error as { code?: string }).code === 'invalid_state'));
  });

  describe('when a draft', () => {
    it('changes a line’s quantity', () =>
      given([placed]).when(setItem(line1, 3)).then([{ type: 'OrderItemSet', data: { orderId, itemId: line1, productId: cup, quantity: 3, setAt: at } }]));
    it('adds a line for another product', () =>
      given([placed]).when(setItem(line2, 1, saucer)).then([{ type: 'OrderItemSet', data: { orderId, itemId: line2, productId: saucer, quantity: 1, setAt: at } }]));
    it('records nothing when the quantity is the same', () => given([placed]).when(setItem(line1, 2)).then([]));
    it('needs the product of a new line', () => given([placed]).when(setItem(line2, 1)).thenThrows((error) => (error as { code?: string }).code === 'invalid_state'));
    it('removes a line', () =>
      given([placed, { type: 'OrderItemSet', data: { orderId, itemId: line2, productId: saucer, quantity: 1, setAt: at } }])
        .when(removeItem(line2))
        .then([{ type: 'OrderItemRemoved', data: { orderId, itemId: line2, removedAt: at } }]));
    it('keeps its last line (cancel instead)', () => given([placed]).when(removeItem(line1)).thenThrows((error) => (error as { code?: string }).code === 'invalid_state'));
    it('confirms with the catalog’s prices and the total', () => given([placed]).when(confirm()).then([confirmed]));
    it('refuses to confirm a product discontinued since', () =>
      given([placed])
        .when(confirm({ ...catalog, [cup]: { ...catalog[cup]!, status: 'discontinued' } }))
        .thenThrows((error) => (error as { code?: string }).code === 'product_discontinued'));
    it('can be cancelled by the customer', () => given([placed]).when(cancel()).then([cancelledFrom('draft')]));
    it('cannot be shipped', () => given([placed]).when(ship).thenThrows(refusedFrom('draft', ['set-item', 'remove-item', 'confirm', 'cancel'])));
    it('cannot be marked paid', () => given([placed]).when(markPaid).thenThrows(refusedFrom('draft', ['set-item', 'remove-item', 'confirm', 'cancel'])));
  });

  describe('when confirmed', () => {
    it('awaits payment once its stock is reserved', () => given([placed, confirmed]).when(markAwaiting).then([awaiting]));
    it('refuses item changes', () => given([placed, confirmed]).when(setItem(line1, 5)).thenThrows(refusedFrom('confirmed', ['cancel'])));
    it('refuses to be confirmed again', () => given([placed, confirmed]).when(confirm()).thenThrows(refusedFrom('confirmed', ['cancel'])));
    it('is cancelled by the process after a shortfall', () => given([placed, confirmed]).when(cancel('system')).then([cancelledFrom('confirmed', 'system')]));
  });

  describe('when awaiting payment', () => {
    const history = [placed, confirmed, awaiting];
    it('is marked paid', () => given(history).when(markPaid).then([paid]));
    it('records nothing when the reservation step runs again', () => given(history).when(markAwaiting).then([]));
    it('cannot ship before it is paid', () => given(history).when(ship).thenThrows(refusedFrom('awaiting_payment', ['request-payment', 'cancel'])));
    it('is cancelled by the process when its reservation expires', () => given(history).when(cancel('system')).then([cancelledFrom('awaiting_payment', 'system')]));
    it('can be cancelled by the customer', () => given(history).when(cancel()).then([cancelledFrom('awaiting_payment')]));
  });

  describe('when paid', () => {
    const history = [placed, confirmed, awaiting, paid];
    it('ships', () => decides(history, ship, [shipped]));
    it('records nothing when the payment step runs again', () => given(history).when(markPaid).then([]));
    it('cannot be delivered before it ships', () => given(history).when(deliver).thenThrows(refusedFrom('paid', ['ship', 'cancel'])));
    it('can be cancelled by the customer', () => given(history).when(cancel()).then([cancelledFrom('paid')]));
    it('is not cancelled by the process (it is paid)', () => given(history).when(cancel('system')).thenThrows(refusedFrom('paid', ['ship'])));
  });

  describe('when shipped', () => {
    const history = [placed, confirmed, awaiting, paid, shipped];
    it('is delivered', () => given(history).when(deliver).then([delivered]));
    it('cannot be cancelled by the customer any more', () => given(history).when(cancel()).thenThrows(refusedFrom('shipped', ['deliver'])));
    it('can be cancelled by an admin (and is refunded)', () => given(history).when(cancel('admin')).then([cancelledFrom('shipped', 'admin')]));
    it('cannot ship twice', () => given(history).when(ship).thenThrows(refusedFrom('shipped', ['deliver'])));
  });

  describe('when delivered', () => {
    const history = [placed, confirmed, awaiting, paid, shipped, delivered];
    it('cannot be cancelled, even by an admin', () => given(history).when(cancel('admin')).thenThrows(refusedFrom('delivered', [])));
    it('cannot be delivered again', () => given(history).when(deliver).thenThrows(refusedFrom('delivered', [])));
  });

  describe('when cancelled', () => {
    const history = [placed, confirmed, awaiting, cancelledFrom('awaiting_payment')];
    it('cannot be paid', () => given(history).when(markPaid).thenThrows(refusedFrom('cancelled', [])));
    it('cannot be cancelled again by the customer', () => given(history).when(cancel()).thenThrows(refusedFrom('cancelled', [])));
    it('records nothing when the process cancels it again', () => given(history).when(cancel('system')).then([]));
    it('keeps why and from where', () => {
      const state = history.reduce(orderDecider.evolve, orderDecider.initialState());
      expect(state).toMatchObject({ status: 'cancelled', cancellation: { reason: 'Changed my mind', by: 'customer', previousStatus: 'awaiting_payment' } });
    });
  });

  it('offers each party only its own actions', () => {
    expect(allowedFor('shipped', 'customer')).toEqual(['deliver']);
    expect(allowedFor('shipped', 'admin')).toEqual(['deliver', 'cancel']);
    expect(allowedFor('confirmed', 'customer')).toEqual(['cancel']);
  });
});
