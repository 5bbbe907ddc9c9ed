import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createShopClient, type ShopClient } from '@eventshop/sdk';
import { startTestServer, type TestServer, type TestUser } from '../../../test/server.js';

/**
 * The fulfillment process end to end: the real server and PostgreSQL, the simulated gateway
 * (Stripe's test cards), the processor runtime and the reservation expiry task.
 */
let server: TestServer;
let admin: ShopClient;
let operator: ShopClient;
let baseUrl: string;

const RESERVATION_SECONDS = 60;

beforeAll(async () => {
  // Scheduled work on: the expiry test moves the clock past the hold and lets the expiry task find it.
  server = await startTestServer({ scheduledTasks: true, orderReservationSeconds: RESERVATION_SECONDS });
  admin = server.client({ token: await server.adminToken() });
  operator = server.client({ token: (await server.userWithRoles(['operator'])).token });
  baseUrl = await server.app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(() => server?.close());

const address = { recipientName: 'Ada Lovelace', line1: '12 St James Square', city: 'London', postalCode: 'SW1Y 4JH', country: 'GB' };

const stocked = async (quantity: number, price = 1299) => {
  const product = await admin.products.create({ name: 'Espresso cup', price: { amount: price, currency: 'USD' }, categoryId: 'kitchen' });
  await admin.products.setStock({ id: product.id, quantity });
  return product.id;
};

const shopper = async (): Promise<{ user: TestUser; client: ShopClient }> => {
  const user = await server.registerCustomer();
  return { user, client: server.client({ token: user.token }) };
};

const reaches = (client: ShopClient, id: string, status: string) =>
  expect.poll(async () => (await client.orders.get({ id })).status, { timeout: 15_000, interval: 25 }).toBe(status);

const stepOf = (orderId: string) => expect.poll(async () => (await operator.ops.processes.show({ orderId }).catch(() => undefined))?.step, { timeout: 15_000, interval: 25 });

const stock = (productId: string) => operator.inventory.byProduct({ productId });

/** An order of `quantity` units, confirmed and held, with its payment opened. */
const awaitingPayment = async (client: ShopClient, productId: string, quantity = 2) => {
  const order = await client.orders.create({ items: [{ productId, quantity }], shippingAddress: address });
  await client.orders.confirm({ id: order.id });
  await reaches(client, order.id, 'awaiting_payment');
  const { paymentId, amount } = await client.orders.requestPayment({ id: order.id });
  return { orderId: order.id, paymentId, amount };
};

describe('the fulfillment process', () => {
  it('takes an order from confirmation to delivery: held, paid and allocated, shipped and captured, delivered', async () => {
    const cup = await stocked(10);
    const { client } = await shopper();
    const { orderId, paymentId, amount } = await awaitingPayment(client, cup, 2);
    expect(amount).toEqual({ amount: 2598, currency: 'USD' });
    expect(await stock(cup)).toMatchObject({ onHand: 10, reserved: 2 });

    expect((await client.payments.confirm({ paymentId, paymentMethod: 'pm_card_visa' })).status).toBe('authorized');
    await reaches(client, orderId, 'paid');
    expect(await stock(cup)).toMatchObject({ onHand: 8, reserved: 0 });
    expect((await client.orders.get({ id: orderId })).paymentId).toBe(paymentId);

    await admin.orders.ship({ id: orderId, trackingCode: '1Z999AA10123456784' });
    await expect.poll(async () => (await client.payments.status({ paymentId })).status, { timeout: 15_000, interval: 25 }).toBe('captured');
    expect((await client.payments.status({ paymentId })).captured).toBe(2598);
    await admin.orders.deliver({ id: orderId });
    await stepOf(orderId).toBe('completed');

    // One story across streams: every event names the order as its correlation, and what caused it.
    const { history } = await operator.ops.processes.show({ orderId });
    const types = history.map((event) => event.type);
    expect(types).toEqual(expect.arrayContaining(['OrderPlaced', 'OrderConfirmed', 'StockReserved', 'OrderAwaitingPayment', 'PaymentRequested', 'PaymentAuthorized', 'ReservationAllocated', 'OrderPaid', 'OrderShipped', 'PaymentCaptured', 'OrderDelivered']));
    const confirmed = history.find((event) => event.type === 'OrderConfirmed')!;
    const reserved = history.find((event) => event.type === 'StockReserved')!;
    expect(reserved.metadata).toMatchObject({ correlationId: `order:${orderId}`, causationId: confirmed.eventId, actorId: null });
    const authorised = history.find((event) => event.type === 'PaymentAuthorized')!;
    expect(history.find((event) => event.type === 'OrderPaid')!.metadata.causationId).toBe(authorised.eventId);
    expect(history.find((event) => event.type === 'ReservationAllocated')!.metadata.causationId).toBe(authorised.eventId);
    const shipped = history.find((event) => event.type === 'OrderShipped')!;
    expect(history.find((event) => event.type === 'PaymentCaptured')!.metadata).toMatchObject({ correlationId: `order:${orderId}`, causationId: shipped.eventId });
  });

  it('leaves a declined order awaiting payment, with the decline shown, and a good card then pays it', async () => {
    const cup = await stocked(5);
    const { client } = await shopper();
    const { orderId, paymentId } = await awaitingPayment(client, cup, 1);
    const declined = await client.payments.confirm({ paymentId, paymentMethod: 'pm_card_chargeDeclined' });
    expect(declined.status).toBe('declined');
    await expect.poll(async () => (await operator.ops.processes.show({ orderId })).lastError, { timeout: 15_000, interval: 25 }).toContain('declined');
    expect((await client.orders.get({ id: orderId })).status).toBe('awaiting_payment');
    expect(await stock(cup)).toMatchObject({ reserved: 1 });

    expect((await client.payments.confirm({ paymentId, paymentMethod: 'pm_card_visa' })).status).toBe('authorized');
    await reaches(client, orderId, 'paid');
    await stepOf(orderId).toBe('awaiting_shipment');
  });

  it('voids the authorisation and puts the stock back when a paid order is cancelled before it ships', async () => {
    const cup = await stocked(10);
    const { client } = await shopper();
    const { orderId, paymentId } = await awaitingPayment(client, cup, 3);
    await client.payments.confirm({ paymentId, paymentMethod: 'pm_card_visa' });
    await reaches(client, orderId, 'paid');
    expect(await stock(cup)).toMatchObject({ onHand: 7, reserved: 0 });

    const cancelled = await client.orders.cancel({ id: orderId, reason: 'Found it cheaper' });
    expect(cancelled).toMatchObject({ status: 'cancelled', cancellation: { by: 'customer', previousStatus: 'paid', reason: 'Found it cheaper' } });
    await stepOf(orderId).toBe('cancelled');
    expect((await client.payments.status({ paymentId })).status).toBe('voided');
    expect(await stock(cup)).toMatchObject({ onHand: 10, reserved: 0, available: 10 });
  });

  it('releases the hold and cancels the payment when an unpaid order is cancelled', async () => {
    const cup = await stocked(4);
    const { client } = await shopper();
    const { orderId, paymentId } = await awaitingPayment(client, cup, 4);
    expect(await stock(cup)).toMatchObject({ available: 0 });
    await client.orders.cancel({ id: orderId, reason: 'Changed my mind' });
    await stepOf(orderId).toBe('cancelled');
    expect(['voided', 'cancelled']).toContain((await client.payments.status({ paymentId })).status);
    // The closed payment takes no card any more.
    await expect(client.payments.confirm({ paymentId, paymentMethod: 'pm_card_visa' })).rejects.toMatchObject({ status: 409 });
    expect(await stock(cup)).toMatchObject({ onHand: 4, reserved: 0, available: 4 });
  });

  it('refunds an order an admin cancels after it shipped, and the customer may not', async () => {
    const cup = await stocked(10);
    const { client } = await shopper();
    const { orderId, paymentId } = await awaitingPayment(client, cup, 1);
    await client.payments.confirm({ paymentId, paymentMethod: 'pm_card_visa' });
    await reaches(client, orderId, 'paid');
    await admin.orders.ship({ id: orderId });
    await expect.poll(async () => (await client.payments.status({ paymentId })).status, { timeout: 15_000, interval: 25 }).toBe('captured');

    await expect(client.orders.cancel({ id: orderId, reason: 'Too late' })).rejects.toMatchObject({ status: 409, code: 'invalid_transition' });
    await admin.orders.cancel({ id: orderId, reason: 'Lost in transit' });
    await expect.poll(async () => (await client.payments.status({ paymentId })).status, { timeout: 15_000, interval: 25 }).toBe('refunded');
    expect((await client.payments.status({ paymentId })).refunded).toBe(1299);
    await stepOf(orderId).toBe('cancelled');
    // Shipped goods are gone: the stock stays sold.
    expect(await stock(cup)).toMatchObject({ onHand: 9 });
  });

  it('lets a customer follow their own order live, and nobody else', async () => {
    const cup = await stocked(10);
    const { user, client } = await shopper();
    const order = await client.orders.create({ items: [{ productId: cup, quantity: 1 }], shippingAddress: address });
    const live = createShopClient({ baseUrl, token: user.token });
    const stop = new AbortController();
    const seen: string[] = [];
    const watching = (async () => {
      for await (const event of live.orders.watch({ id: order.id }, { signal: stop.signal })) {
        seen.push(event.type);
        if (event.type === 'OrderAwaitingPayment') break;
      }
    })();
    await client.orders.confirm({ id: order.id });
    await watching;
    stop.abort();
    await live.close();
    expect(seen).toEqual(['OrderPlaced', 'OrderConfirmed', 'StockReserved', 'OrderAwaitingPayment']);

    const stranger = await server.registerCustomer();
    const response = await fetch(`${baseUrl}/api/orders/${order.id}/watch`, { headers: { authorization: `Bearer ${stranger.token}` } });
    expect(response.status).toBe(404);
    await response.body?.cancel();
  });

  it('lists the orders in flight with their step and how long they have waited, and retries a step', async () => {
    const cup = await stocked(10);
    const { client } = await shopper();
    const { orderId } = await awaitingPayment(client, cup, 1);
    server.clock.advance(5_000);
    const listed = await operator.ops.processes.list({ step: 'awaiting_payment' });
    expect(listed.items.find((item) => item.orderId === orderId)).toMatchObject({ step: 'awaiting_payment', waitingSeconds: 5, attempts: 0 });
    // Waiting for the customer: nothing of the process is pending.
    await expect(operator.ops.processes.retry({ orderId })).rejects.toMatchObject({ status: 409, code: 'nothing_to_retry' });
    const customer = server.client({ token: (await server.registerCustomer()).token });
    await expect(customer.ops.processes.list({})).rejects.toMatchObject({ status: 403 });
  });

  it('retries an order’s parked events through the runtime, and the events blocked behind them follow', async () => {
    const cup = await stocked(10);
    const { client } = await shopper();
    const { orderId, paymentId } = await awaitingPayment(client, cup, 1);
    await client.payments.confirm({ paymentId, paymentMethod: 'pm_card_visa' });
    await reaches(client, orderId, 'paid');
    await admin.orders.ship({ id: orderId });
    await stepOf(orderId).toBe('awaiting_delivery');
    // As the runtime leaves it when capturing failed on every try (the gateway was down).
    const [shipped] = await server.query<{ global_position: string; transaction_id: string; message_id: string }>(
      `SELECT global_position, transaction_id::text AS transaction_id, message_id FROM emt_messages WHERE stream_id = $1 AND message_type = 'OrderShipped'`,
      [`order-${orderId}`],
    );
    await server.query(
      `INSERT INTO eventshop_parked (processor, position, transaction_id, event_id, stream_id, event_type, error, attempts, status)
       VALUES ('fulfillment', $1, $2::xid8, $3, $4, 'OrderShipped', 'The payment gateway is unavailable', 5, 'parked')`,
      [shipped!.global_position, shipped!.transaction_id, shipped!.message_id, `order-${orderId}`],
    );
    await admin.orders.deliver({ id: orderId });
    // The delivery waits behind the parked shipment: the order's events stay in order.
    await expect.poll(async () => (await operator.ops.failures.list({ processor: 'fulfillment', status: 'blocked' })).items.map((item) => item.eventType), { timeout: 15_000, interval: 25 }).toContain('OrderDelivered');
    expect((await operator.ops.processes.show({ orderId })).step).toBe('awaiting_delivery');

    await operator.ops.processes.retry({ orderId });
    await stepOf(orderId).toBe('completed');
    const resolved = (await operator.ops.failures.list({ processor: 'fulfillment' })).items.filter((item) => item.streamId === `order-${orderId}`);
    expect(resolved.map((item) => [item.eventType, item.status]).sort()).toEqual([['OrderDelivered', 'retried'], ['OrderShipped', 'retried']]);
    expect((await client.payments.status({ paymentId })).captured).toBe(1299);
  });

  it('cancels an unpaid order when its reservation expires, and releases every item', async () => {
    const cup = await stocked(10);
    const saucer = await stocked(10, 500);
    const { client } = await shopper();
    const order = await client.orders.create({ items: [{ productId: cup, quantity: 2 }, { productId: saucer, quantity: 1 }], shippingAddress: address });
    await client.orders.confirm({ id: order.id });
    await reaches(client, order.id, 'awaiting_payment');
    server.clock.advance((RESERVATION_SECONDS + 1) * 1000);
    await reaches(client, order.id, 'cancelled');
    expect((await client.orders.get({ id: order.id })).cancellation).toMatchObject({ by: 'system', previousStatus: 'awaiting_payment', reason: expect.stringContaining('expired') });
    await expect.poll(async () => [(await stock(cup)).reserved, (await stock(saucer)).reserved], { timeout: 15_000, interval: 25 }).toEqual([0, 0]);
    await stepOf(order.id).toBe('cancelled');
  });
});
