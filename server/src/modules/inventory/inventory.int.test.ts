import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, request } from 'undici';
import { createServer } from '../../server.js';
import { loadConfig } from '../../infra/config.js';
import { startTestServer, type TestServer } from '../../../../test/server.js';

let server: TestServer;
let admin: Record<string, string>;
let service: Record<string, string>;
let baseUrl: string;

beforeAll(async () => {
  server = await startTestServer();
  admin = { authorization: `Bearer ${await server.adminToken()}` };
  service = (await server.createApiKey('service')).headers;
  baseUrl = await server.app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(() => server?.close());

const newProduct = async () =>
  (
    await server.app.inject({
      method: 'POST',
      url: '/api/products',
      headers: admin,
      payload: { name: 'Hot sauce', description: 'Very hot', price: { amount: 999, currency: 'USD' }, categoryId: 'pantry' },
    })
  ).json().id as string;

const track = async (quantity: number, threshold?: number) => {
  const productId = await newProduct();
  const response = await server.app.inject({ method: 'POST', url: '/api/inventory', headers: admin, payload: { productId, quantity, ...(threshold !== undefined ? { threshold } : {}) } });
  expect(response.statusCode).toBe(201);
  return { productId, ...(response.json() as { id: string; version: number }) };
};

const inject = (method: 'GET' | 'POST' | 'PUT', url: string, payload?: object, headers = service) => server.app.inject({ method, url, headers, ...(payload ? { payload } : {}) });
const reserve = (id: string, orderId: string, quantity = 1, expiresInSeconds = 900) =>
  inject('POST', `/api/inventory/${id}/reserve`, { orderId, quantity, expiresInSeconds });

describe('tracking stock', () => {
  it('tracks a product once: a second is 409, an unknown product 404', async () => {
    const { productId, id } = await track(10);
    expect((await inject('GET', `/api/inventory/${id}`)).json()).toMatchObject({ productId, onHand: 10, reserved: 0, available: 10, lowStock: false });
    expect((await inject('GET', `/api/inventory/product/${productId}`)).json().id).toBe(id);
    await server.expectRefusedWithNothingAppended(() => inject('POST', '/api/inventory', { productId, quantity: 5 }, admin), 409);
    await server.expectRefusedWithNothingAppended(() => inject('POST', '/api/inventory', { productId: randomUUID(), quantity: 5 }, admin), 404);
  });

  it.each([
    ['a negative quantity', { quantity: -1 }, 'quantity'],
    ['a fractional quantity', { quantity: 1.5 }, 'quantity'],
    ['an unknown reason', { quantity: 1, reason: 'theft' }, 'reason'],
  ])('refuses %s with 400 and appends nothing', async (_label, body, field) => {
    const { id } = await track(10);
    await server.expectRefusedWithNothingAppended(() => inject('PUT', `/api/inventory/${id}/stock`, { reason: 'restock', ...body }, admin), 400, field);
  });

  it('lets admins and operators manage stock, service keys reserve, and customers neither', async () => {
    const { id } = await track(10);
    const customer = await server.registerCustomer();
    const operator = await server.userWithRoles(['operator']);
    expect((await inject('PUT', `/api/inventory/${id}/stock`, { quantity: 12, reason: 'restock' }, operator.headers)).statusCode).toBe(200);
    expect((await inject('GET', `/api/inventory/${id}`, undefined, customer.headers)).statusCode).toBe(403);
    expect((await reserve(id, 'order-by-customer')).statusCode).toBe(200);
    expect((await inject('POST', `/api/inventory/${id}/reserve`, { orderId: 'x', quantity: 1, expiresInSeconds: 60 }, customer.headers)).statusCode).toBe(403);
    expect((await inject('PUT', `/api/inventory/${id}/stock`, { quantity: 1, reason: 'restock' }, service)).statusCode).toBe(403);
  });

  it('sets the same inventory through the catalog’s PUT /api/products/:id/stock', async () => {
    const productId = await newProduct();
    const first = await inject('PUT', `/api/products/${productId}/stock`, { quantity: 7 }, admin);
    expect(first.json()).toMatchObject({ productId, onHand: 7 });
    const second = await inject('PUT', `/api/products/${productId}/stock`, { quantity: 9, reason: 'count_correction' }, admin);
    expect(second.json()).toMatchObject({ id: first.json().id, onHand: 9, version: 2 });
  });
});

describe('availability in the catalog', () => {
  it('shows a tracked product’s available units in its product view, and null while untracked', async () => {
    const untracked = await newProduct();
    expect((await server.app.inject({ url: `/api/products/${untracked}` })).json().availability).toBeNull();
    const { productId, id } = await track(3);
    await reserve(id, 'order-view', 2);
    expect((await server.app.inject({ url: `/api/products/${productId}` })).json().availability).toEqual({ available: 1, inStock: true });
  });
});

describe('reservations', () => {
  it('reserve, reserve again (same answer, nothing appended), allocate, and say why a closed one cannot be used', async () => {
    const { id } = await track(10);
    const first = await reserve(id, 'order-1', 3);
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({ reservation: { orderId: 'order-1', quantity: 3, status: 'active' }, inventory: { reserved: 3, available: 7 } });
    const before = await server.eventCount();
    const again = await reserve(id, 'order-1', 3);
    expect(again.json().reservation.reservationId).toBe(first.json().reservation.reservationId);
    expect(await server.eventCount()).toBe(before);
    const allocated = await inject('POST', `/api/inventory/${id}/allocate`, { orderId: 'order-1' });
    expect(allocated.json()).toMatchObject({ reservation: { status: 'allocated', quantity: 3 }, inventory: { onHand: 7, reserved: 0, available: 7 } });
    const twice = await inject('POST', `/api/inventory/${id}/release`, { orderId: 'order-1' });
    expect(twice.statusCode).toBe(409);
    expect(twice.json()).toMatchObject({ code: 'reservation_allocated', detail: expect.stringMatching(/already allocated/) });
    expect((await inject('POST', `/api/inventory/${id}/allocate`, { orderId: 'order-404' })).json().code).toBe('unknown_reservation');
  });

  it('refuses more than is available with insufficient_stock, and a correction below what is reserved', async () => {
    const { id } = await track(5);
    await reserve(id, 'order-a', 4);
    const short = await reserve(id, 'order-b', 2);
    expect(short.statusCode).toBe(409);
    expect(short.json()).toMatchObject({ code: 'insufficient_stock', available: 1 });
    const below = await inject('PUT', `/api/inventory/${id}/stock`, { quantity: 3, reason: 'count_correction' }, admin);
    expect(below.json()).toMatchObject({ code: 'below_reserved', reserved: 4 });
  });

  it('records LowStockDetected once, and lists the item as low on stock', async () => {
    const { id } = await track(10, 5);
    await reserve(id, 'order-1', 6);
    await reserve(id, 'order-2', 1);
    const alerts = await server.query(`SELECT 1 FROM emt_messages WHERE stream_id = $1 AND message_type = 'LowStockDetected'`, [`inventory-${id}`]);
    expect(alerts).toHaveLength(1);
    const low: { items: { id: string }[] } = (await inject('GET', '/api/inventory/low-stock?limit=100', undefined, admin)).json();
    expect(low.items.map((item) => item.id)).toContain(id);
  });
});

describe('500 customers racing for 100 units', () => {
  it('sells exactly 100: 400 refused as insufficient stock, available ends at 0, and the log, the read model and a rebuild of it agree', async () => {
    const { id } = await track(100);
    const agent = new Agent({ connections: 64 });
    const responses = await Promise.all(
      Array.from({ length: 500 }, async (_, i) => {
        const response = await request(`${baseUrl}/api/inventory/${id}/reserve`, {
          method: 'POST',
          dispatcher: agent,
          headers: { ...service, 'content-type': 'application/json' },
          body: JSON.stringify({ orderId: `race-${i}`, quantity: 1, expiresInSeconds: 900 }),
        });
        return { status: response.statusCode, body: (await response.body.json()) as { code?: string } };
      }),
    );
    await agent.close();
    expect(responses.filter((r) => r.status === 200)).toHaveLength(100);
    const refused = responses.filter((r) => r.status !== 200);
    expect(refused).toHaveLength(400);
    expect(refused.every((r) => r.status === 409 && r.body.code === 'insufficient_stock')).toBe(true);
    const readModel = (await inject('GET', `/api/inventory/${id}`)).json();
    expect(readModel).toMatchObject({ onHand: 100, reserved: 100, available: 0 });
    const operator = await server.userWithRoles(['operator']);
    const fromLog = (await inject('GET', `/api/ops/streams/inventory-${id}/state`, undefined, operator.headers)).json();
    expect(fromLog.state).toMatchObject({ onHand: 100, reserved: 100 });
    expect(fromLog.version).toBe(readModel.version);
    const reservedEvents = await server.query(`SELECT 1 FROM emt_messages WHERE stream_id = $1 AND message_type = 'StockReserved'`, [`inventory-${id}`]);
    expect(reservedEvents).toHaveLength(100);
    // The read model rebuilt from the log alone, row for row against the live one, then switched in.
    const rebuilt = await inject('POST', '/api/ops/read-models/inventory_stock/rebuild', undefined, operator.headers);
    expect(rebuilt.statusCode).toBe(202);
    expect(rebuilt.json()).toMatchObject({ status: 'done', comparison: { equal: true } });
    const tables: { table: string; liveRows: number; onlyLive: number }[] = rebuilt.json().comparison.tables;
    expect(tables.find((table) => table.table === 'inventory_reservations')).toMatchObject({ onlyLive: 0, onlyRebuilt: 0 });
    expect(tables.find((table) => table.table === 'inventory_reservations')!.liveRows).toBeGreaterThanOrEqual(100);
    expect((await inject('GET', `/api/inventory/${id}`)).json()).toEqual(readModel);
  });
});

describe('rebuilding the inline read model', () => {
  it('replays the log into a copy, says where the live tables had drifted, switches the copy in, and shows it as progress', async () => {
    const { id } = await track(10);
    await reserve(id, 'order-drift', 4);
    await server.query(`UPDATE inventory_stock SET reserved = 0 WHERE id = $1`, [id]);
    expect((await inject('GET', `/api/inventory/${id}`)).json()).toMatchObject({ reserved: 0, available: 10 });
    const operator = await server.userWithRoles(['operator']);
    const rebuilt = await inject('POST', '/api/ops/read-models/inventory_stock/rebuild', undefined, operator.headers);
    expect(rebuilt.statusCode).toBe(202);
    expect(rebuilt.json()).toMatchObject({ status: 'done', comparison: { equal: false } });
    const stock = rebuilt.json().comparison.tables.find((table: { table: string }) => table.table === 'inventory_stock');
    expect(stock).toMatchObject({ onlyLive: 1, onlyRebuilt: 1 });
    expect((await inject('GET', `/api/inventory/${id}`)).json()).toMatchObject({ reserved: 4, available: 6 });
    const progress = await inject('GET', '/api/ops/read-models/inventory_stock/rebuild', undefined, operator.headers);
    expect(progress.json()).toMatchObject({ status: 'done', eventsDone: rebuilt.json().eventsDone });
    // The live tables after the switch keep taking appends.
    expect((await reserve(id, 'order-after', 6)).json()).toMatchObject({ inventory: { reserved: 10, available: 0 } });
  });
});

describe('expiry', () => {
  it('releases a lapsed hold with ReservationExpired within seconds, also after a restart', async () => {
    const { id } = await track(10);
    await reserve(id, 'order-expiring', 4, 60);
    // The test server runs no scheduled work: a server started later on the same database (as after
    // a restart) finds the due hold in its table and expires it.
    const restarted = await createServer(
      { ...loadConfig({}), databaseUrl: server.databaseUrl, jwtSecret: 'test-secret-test-secret-test-secret', adminPassword: undefined, scheduledTasks: true },
      { clock: server.clock },
    );
    try {
      server.clock.advance(61_000);
      let item: { reserved: number; available: number } | undefined;
      for (let waited = 0; waited < 10_000; waited += 200) {
        item = (await inject('GET', `/api/inventory/${id}`)).json();
        if (item!.reserved === 0) break;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(item).toMatchObject({ reserved: 0, available: 10 });
      const expired = await server.query(`SELECT message_data FROM emt_messages WHERE stream_id = $1 AND message_type = 'ReservationExpired'`, [`inventory-${id}`]);
      expect(expired).toHaveLength(1);
      expect((await inject('POST', `/api/inventory/${id}/allocate`, { orderId: 'order-expiring' })).json().code).toBe('reservation_expired');
    } finally {
      server.clock.advance(-61_000);
      await restarted.close();
    }
  });
});
