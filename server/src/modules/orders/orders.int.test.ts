import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, type TestUser } from '../../../../test/server.js';

let server: TestServer;
let admin: Record<string, string>;
let operator: Record<string, string>;
let customer: TestUser;

beforeAll(async () => {
  server = await startTestServer();
  admin = { authorization: `Bearer ${await server.adminToken()}` };
  operator = (await server.userWithRoles(['operator'])).headers;
  customer = await server.registerCustomer();
});
afterAll(() => server?.close());

const address = { recipientName: 'Ada Lovelace', line1: '12 St James Square', city: 'London', postalCode: 'SW1Y 4JH', country: 'GB' };

type Headers = Record<string, string>;
const inject = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, headers: Headers, payload?: object) =>
  server.app.inject({ method, url, headers, ...(payload ? { payload } : {}) });

const product = async (options: { price?: number; currency?: string; stock?: number } = {}) => {
  const created = await inject('POST', '/api/products', admin, { name: 'Espresso cup', price: { amount: options.price ?? 1299, currency: options.currency ?? 'USD' }, categoryId: 'kitchen' });
  expect(created.statusCode).toBe(201);
  const id = created.json().id as string;
  if (options.stock !== undefined) expect((await inject('PUT', `/api/products/${id}/stock`, admin, { quantity: options.stock })).statusCode).toBe(200);
  return id;
};

const order = async (items: { productId: string; quantity: number }[], who: TestUser = customer) => {
  const response = await inject('POST', '/api/orders', who.headers, { items, shippingAddress: address });
  expect(response.statusCode, response.body).toBe(201);
  return response.json() as { id: string; items: { itemId: string }[]; status: string; version: number };
};

/** The process runs after the commit; wait for the order to reach `status`. */
const reaches = (id: string, status: string, headers: Headers = customer.headers) =>
  expect.poll(async () => (await inject('GET', `/api/orders/${id}`, headers)).json().status, { timeout: 15_000, interval: 25 }).toBe(status);

const stockOf = async (productId: string) => (await inject('GET', `/api/inventory/product/${productId}`, operator)).json() as { onHand: number; reserved: number; available: number };

describe('placing an order', () => {
  it('makes a draft with the items and the inline address, and no price yet', async () => {
    const cup = await product();
    const response = await inject('POST', '/api/orders', customer.headers, { items: [{ productId: cup, quantity: 2 }], shippingAddress: address });
    expect(response.statusCode).toBe(201);
    expect(response.headers.location).toBe(`/api/orders/${response.json().id}`);
    expect(response.json()).toMatchObject({
      status: 'draft',
      customerId: customer.id,
      items: [{ productId: cup, quantity: 2, unitPrice: null }],
      total: null,
      shippingAddress: { ...address, line2: null, region: null },
      allowed: ['set-item', 'remove-item', 'confirm', 'cancel'],
      version: 1,
    });
  });

  it('takes the address from the caller’s address book by id, and not another customer’s', async () => {
    const cup = await product();
    const added = await inject('POST', '/api/users/addresses', customer.headers, { ...address, recipientName: 'Charles Babbage' });
    expect(added.statusCode).toBe(201);
    const addressId = added.json().id as string;
    const response = await inject('POST', '/api/orders', customer.headers, { items: [{ productId: cup, quantity: 1 }], addressId });
    expect(response.statusCode).toBe(201);
    expect(response.json().shippingAddress.recipientName).toBe('Charles Babbage');
    const other = await server.registerCustomer();
    await server.expectRefusedWithNothingAppended(() => inject('POST', '/api/orders', other.headers, { items: [{ productId: cup, quantity: 1 }], addressId }), 404);
    // Neither given: the default address (the first one added is the default).
    const byDefault = await inject('POST', '/api/orders', customer.headers, { items: [{ productId: cup, quantity: 1 }] });
    expect(byDefault.json().shippingAddress.recipientName).toBe('Charles Babbage');
  });

  it('keeps the address sealed in the log', async () => {
    const cup = await product();
    const { id } = await order([{ productId: cup, quantity: 1 }]);
    const [row] = await server.query<{ data: { shippingAddress: Record<string, unknown> } }>(`SELECT message_data AS data FROM emt_messages WHERE stream_id = $1`, [`order-${id}`]);
    expect(row!.data.shippingAddress.recipientName).toMatchObject({ enc: expect.any(String) });
    expect(row!.data.shippingAddress.country).toBe('GB');
  });

  it.each([
    ['no items', { items: [], shippingAddress: address }, 'items'],
    ['a zero quantity', { items: [{ productId: randomUUID(), quantity: 0 }], shippingAddress: address }, 'items.0.quantity'],
    ['a price', { items: [{ productId: randomUUID(), quantity: 1, price: { amount: 1, currency: 'USD' } }], shippingAddress: address }, 'items.0'],
    ['no address and no default one', { items: [{ productId: randomUUID(), quantity: 1 }] }, 'addressId'],
    ['both an address id and an address', { items: [{ productId: randomUUID(), quantity: 1 }], addressId: randomUUID(), shippingAddress: address }, 'addressId'],
    ['a bad postal code', { items: [{ productId: randomUUID(), quantity: 1 }], shippingAddress: { ...address, postalCode: '!' } }, 'shippingAddress.postalCode'],
  ])('refuses %s with 400 and appends nothing', async (_label, payload, field) => {
    const bookless = await server.registerCustomer();
    const refused = await server.expectRefusedWithNothingAppended(() => inject('POST', '/api/orders', bookless.headers, payload), 400);
    expect(refused.json().errors.map((error: { field: string }) => error.field).join(' ')).toContain(field);
  });

  it('refuses an unknown product (404), a discontinued one and a mix of currencies (409), appending nothing', async () => {
    const usd = await product();
    const eur = await product({ currency: 'EUR' });
    const gone = await product();
    expect((await inject('DELETE', `/api/products/${gone}`, admin)).statusCode).toBeLessThan(300);
    await server.expectRefusedWithNothingAppended(() => inject('POST', '/api/orders', customer.headers, { items: [{ productId: randomUUID(), quantity: 1 }], shippingAddress: address }), 404);
    const discontinued = await server.expectRefusedWithNothingAppended(() => inject('POST', '/api/orders', customer.headers, { items: [{ productId: gone, quantity: 1 }], shippingAddress: address }), 409);
    expect(discontinued.json().code).toBe('product_discontinued');
    const mixed = await server.expectRefusedWithNothingAppended(
      () => inject('POST', '/api/orders', customer.headers, { items: [{ productId: usd, quantity: 1 }, { productId: eur, quantity: 1 }], shippingAddress: address }),
      409,
    );
    expect(mixed.json().code).toBe('mixed_currencies');
  });

  it('needs a signed-in customer account', async () => {
    const cup = await product();
    expect((await server.app.inject({ method: 'POST', url: '/api/orders', payload: { items: [{ productId: cup, quantity: 1 }], shippingAddress: address } })).statusCode).toBe(401);
    const key = await server.createApiKey('service');
    await server.expectRefusedWithNothingAppended(() => inject('POST', '/api/orders', key.headers, { items: [{ productId: cup, quantity: 1 }], shippingAddress: address }), 403);
  });
});

describe('a draft', () => {
  it('changes, adds and removes lines; the last line stays', async () => {
    const cup = await product();
    const saucer = await product({ price: 500 });
    const { id, items } = await order([{ productId: cup, quantity: 1 }]);
    const changed = await inject('PUT', `/api/orders/${id}/items/${items[0]!.itemId}`, customer.headers, { quantity: 3 });
    expect(changed.statusCode).toBe(200);
    expect(changed.json().items[0].quantity).toBe(3);
    const lineId = randomUUID();
    const added = await inject('PUT', `/api/orders/${id}/items/${lineId}`, customer.headers, { quantity: 1, productId: saucer });
    expect(added.json().items.map((item: { productId: string }) => item.productId)).toEqual([cup, saucer]);
    const removed = await inject('DELETE', `/api/orders/${id}/items/${lineId}`, customer.headers);
    expect(removed.json().items).toHaveLength(1);
    await server.expectRefusedWithNothingAppended(() => inject('DELETE', `/api/orders/${id}/items/${items[0]!.itemId}`, customer.headers), 409);
    await server.expectRefusedWithNothingAppended(() => inject('PUT', `/api/orders/${id}/items/${randomUUID()}`, customer.headers, { quantity: 1 }), 409);
    await server.expectRefusedWithNothingAppended(() => inject('PUT', `/api/orders/${id}/items/${items[0]!.itemId}`, customer.headers, { quantity: -1 }), 400, 'quantity');
  });

  it('is another customer’s 404, and an operator may read it', async () => {
    const cup = await product();
    const { id, items } = await order([{ productId: cup, quantity: 1 }]);
    const other = await server.registerCustomer();
    expect((await inject('GET', `/api/orders/${id}`, other.headers)).statusCode).toBe(404);
    await server.expectRefusedWithNothingAppended(() => inject('PUT', `/api/orders/${id}/items/${items[0]!.itemId}`, other.headers, { quantity: 2 }), 404);
    await server.expectRefusedWithNothingAppended(() => inject('POST', `/api/orders/${id}/cancel`, other.headers, { reason: 'Not mine' }), 404);
    expect((await inject('GET', `/api/orders/${id}`, operator)).json().allowed).toContain('cancel');
  });
});

describe('illegal transitions', () => {
  it('are 409 invalid_transition naming the current status and what is allowed, and append nothing', async () => {
    const cup = await product({ stock: 5 });
    const { id, items } = await order([{ productId: cup, quantity: 1 }]);
    const ship = await server.expectRefusedWithNothingAppended(() => inject('POST', `/api/orders/${id}/ship`, operator, {}), 409);
    expect(ship.json()).toMatchObject({ code: 'invalid_transition', currentStatus: 'draft', allowed: ['set-item', 'remove-item', 'confirm', 'cancel'] });
    expect((ship as unknown as { headers: Record<string, string> }).headers['content-type']).toContain('application/problem+json');
    const pay = await server.expectRefusedWithNothingAppended(() => inject('POST', `/api/orders/${id}/payment/request`, customer.headers, {}), 409);
    expect(pay.json()).toMatchObject({ code: 'invalid_transition', currentStatus: 'draft' });

    expect((await inject('POST', `/api/orders/${id}/confirm`, customer.headers, {})).statusCode).toBe(200);
    await reaches(id, 'awaiting_payment');
    const change = await server.expectRefusedWithNothingAppended(() => inject('PUT', `/api/orders/${id}/items/${items[0]!.itemId}`, customer.headers, { quantity: 2 }), 409);
    expect(change.json()).toMatchObject({ code: 'invalid_transition', currentStatus: 'awaiting_payment', allowed: ['request-payment', 'cancel'] });
    const again = await server.expectRefusedWithNothingAppended(() => inject('POST', `/api/orders/${id}/confirm`, customer.headers, {}), 409);
    expect(again.json().code).toBe('invalid_transition');

    expect((await inject('POST', `/api/orders/${id}/cancel`, customer.headers, { reason: 'Changed my mind' })).statusCode).toBe(200);
    const payCancelled = await server.expectRefusedWithNothingAppended(() => inject('POST', `/api/orders/${id}/payment/request`, customer.headers, {}), 409);
    expect(payCancelled.json()).toMatchObject({ code: 'invalid_transition', currentStatus: 'cancelled', allowed: [] });
  });

  it('refuses a cancel without a reason (400) and ship or deliver by a customer (403)', async () => {
    const cup = await product();
    const { id } = await order([{ productId: cup, quantity: 1 }]);
    await server.expectRefusedWithNothingAppended(() => inject('POST', `/api/orders/${id}/cancel`, customer.headers, {}), 400, 'reason');
    await server.expectRefusedWithNothingAppended(() => inject('POST', `/api/orders/${id}/ship`, customer.headers, {}), 403);
    await server.expectRefusedWithNothingAppended(() => inject('POST', `/api/orders/${id}/deliver`, customer.headers, {}), 403);
  });
});

describe('confirming', () => {
  it('takes prices from the catalog at that moment, reserves the stock and awaits payment', async () => {
    const cup = await product({ price: 1299, stock: 10 });
    const saucer = await product({ price: 500, stock: 10 });
    const { id } = await order([{ productId: cup, quantity: 2 }, { productId: saucer, quantity: 1 }]);
    expect((await inject('PUT', `/api/products/${cup}`, admin, { price: { amount: 1499, currency: 'USD' } })).statusCode).toBe(200);
    const confirmed = await inject('POST', `/api/orders/${id}/confirm`, customer.headers, {});
    expect(confirmed.json()).toMatchObject({ status: 'confirmed', total: { amount: 2 * 1499 + 500, currency: 'USD' }, items: [{ unitPrice: { amount: 1499 }, lineTotal: { amount: 2998 } }, { unitPrice: { amount: 500 } }] });
    await reaches(id, 'awaiting_payment');
    expect(await stockOf(cup)).toMatchObject({ onHand: 10, reserved: 2 });
    expect(await stockOf(saucer)).toMatchObject({ onHand: 10, reserved: 1 });
    // A later price change does not reach a confirmed order.
    await inject('PUT', `/api/products/${cup}`, admin, { price: { amount: 1999, currency: 'USD' } });
    expect((await inject('GET', `/api/orders/${id}`, customer.headers)).json().total.amount).toBe(2 * 1499 + 500);
  });

  it('cancels the whole order on a shortfall, with the reason, and releases what was reserved', async () => {
    const plenty = await product({ stock: 10 });
    const scarce = await product({ stock: 1 });
    const { id } = await order([{ productId: plenty, quantity: 3 }, { productId: scarce, quantity: 2 }]);
    await inject('POST', `/api/orders/${id}/confirm`, customer.headers, {});
    await reaches(id, 'cancelled');
    const cancelled = (await inject('GET', `/api/orders/${id}`, customer.headers)).json();
    expect(cancelled.cancellation).toMatchObject({ by: 'system', previousStatus: 'confirmed', reason: expect.stringContaining('Not enough stock') });
    await expect.poll(async () => (await stockOf(plenty)).reserved).toBe(0);
    expect(await stockOf(scarce)).toMatchObject({ onHand: 1, reserved: 0 });
    const process = (await inject('GET', `/api/ops/processes/${id}`, operator)).json();
    expect(process).toMatchObject({ orderId: id, step: 'cancelled' });
    expect(process.history.map((event: { type: string }) => event.type)).toEqual(
      expect.arrayContaining(['OrderPlaced', 'OrderConfirmed', 'StockReserved', 'ReservationReleased', 'OrderCancelled']),
    );
  });

  it('refuses a product discontinued since the order was placed', async () => {
    const cup = await product({ stock: 5 });
    const { id } = await order([{ productId: cup, quantity: 1 }]);
    await inject('DELETE', `/api/products/${cup}`, admin);
    const refused = await server.expectRefusedWithNothingAppended(() => inject('POST', `/api/orders/${id}/confirm`, customer.headers, {}), 409);
    expect(refused.json().code).toBe('product_discontinued');
  });
});

describe('listing', () => {
  it('shows a customer their own orders, newest first, page by page', async () => {
    const shopper = await server.registerCustomer();
    const cup = await product();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      server.clock.advance(1000);
      ids.push((await order([{ productId: cup, quantity: 1 }], shopper)).id);
    }
    const first = (await inject('GET', '/api/orders/user/orders?limit=2', shopper.headers)).json();
    expect(first.items.map((item: { id: string }) => item.id)).toEqual([ids[2], ids[1]]);
    const second = (await inject('GET', `/api/orders/user/orders?limit=2&cursor=${first.nextCursor}`, shopper.headers)).json();
    expect(second).toMatchObject({ items: [{ id: ids[0] }], nextCursor: null });
    expect((await inject('GET', '/api/orders/user/orders?cursor=nope', shopper.headers)).statusCode).toBe(400);
  });

  it('lets operators list everyone’s orders by status and date, and nobody else', async () => {
    const cup = await product();
    server.clock.advance(60_000);
    const since = server.clock.now().toISOString();
    const { id } = await order([{ productId: cup, quantity: 1 }]);
    const listed = (await inject('GET', `/api/orders?status=draft&since=${encodeURIComponent(since)}`, operator)).json();
    expect(listed.items.map((item: { id: string }) => item.id)).toContain(id);
    expect(listed.items.every((item: { status: string }) => item.status === 'draft')).toBe(true);
    const none = (await inject('GET', `/api/orders?until=${encodeURIComponent(since)}&status=draft`, operator)).json();
    expect(none.items.map((item: { id: string }) => item.id)).not.toContain(id);
    expect((await inject('GET', '/api/orders?status=lost', operator)).statusCode).toBe(400);
    expect((await inject('GET', '/api/orders', customer.headers)).statusCode).toBe(403);
  });
});
