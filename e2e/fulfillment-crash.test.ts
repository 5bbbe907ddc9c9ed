import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../test/database.js';
import { createPool, type Pool } from '../server/src/infra/database/pool.js';
import { killLeftoverServers, startServerProcess, type ServerProcess } from './support/server-process.js';
import { callJson as call } from './support/http-json.js';

/**
 * The fulfillment process killed (SIGKILL, by its own crash point) between a step's effect and
 * its record, then restarted: every order still ends where it should, with each effect once.
 * The long campaign is `npm run soak -- checkout`; these are its first trials.
 */
const ADMIN = { email: 'admin@crash.local', password: 'crash-admin-password' };
let databaseUrl: string;
let pool: Pool;

beforeAll(async () => {
  databaseUrl = await createTestDatabase();
  pool = createPool(databaseUrl, 2);
});
afterAll(async () => {
  await killLeftoverServers();
  await pool?.end();
});

const start = (crashAt?: string) =>
  startServerProcess({
    DATABASE_URL: databaseUrl,
    EVENTSHOP_ADMIN_EMAIL: ADMIN.email,
    EVENTSHOP_ADMIN_PASSWORD: ADMIN.password,
    EVENTSHOP_JWT_SECRET: 'crash-test-secret-crash-test-secret',
    ...(crashAt ? { EVENTSHOP_TEST_CRASH_AT: crashAt } : {}),
  });

/** The server's end by its own crash point; bounded, so a point never reached fails with the server's output. */
const died = (server: ServerProcess) =>
  new Promise<NodeJS.Signals | null>((resolve, reject) => {
    if (server.child.exitCode !== null || server.child.signalCode !== null) return resolve(server.child.signalCode);
    const timer = setTimeout(() => reject(new Error(`the server did not die at its crash point:\n${server.output()}`)), 20_000);
    server.child.once('exit', (_code, signal) => {
      clearTimeout(timer);
      resolve(signal);
    });
  });


const count = async (type: string, orderId: string) =>
  (await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM emt_messages WHERE message_type = $1 AND message_data->>'orderId' = $2`, [type, orderId])).rows[0]!.n;

const statusOf = async (orderId: string) => (await pool.query<{ status: string }>('SELECT status FROM orders WHERE id = $1', [orderId])).rows[0]?.status;

describe('the fulfillment process killed at its crash points', () => {
  it('resumes after a restart with every step taken once: reserve, allocate, capture', async () => {
    let server = await start('fulfillment:after-reserve');
    const admin = (await call(server.url, 'POST', '/api/users/login', undefined, ADMIN)).token as string;
    const product = await call(server.url, 'POST', '/api/products', admin, { name: 'Crash cup', price: { amount: 1500, currency: 'USD' }, categoryId: 'kitchen' });
    await call(server.url, 'PUT', `/api/products/${product.id}/stock`, admin, { quantity: 10 });
    const customer = (await call(server.url, 'POST', '/api/users/register', undefined, { email: `crash-${Date.now()}@e2e.local`, password: 'customer-password-e2e', name: 'Crash' })).token as string;
    const address = { recipientName: 'Ada Lovelace', line1: '12 St James Square', city: 'London', postalCode: 'SW1Y 4JH', country: 'GB' };
    const order = await call(server.url, 'POST', '/api/orders', customer, { items: [{ productId: product.id, quantity: 3 }], shippingAddress: address });

    // 1. Killed after the stock was held, before the order was marked awaiting payment.
    await call(server.url, 'POST', `/api/orders/${order.id}/confirm`, customer, {});
    expect(await died(server)).toBe('SIGKILL');
    expect(await count('StockReserved', order.id)).toBe(1);
    expect(await statusOf(order.id)).toBe('confirmed');
    server = await start('fulfillment:after-allocate');
    await expect.poll(() => statusOf(order.id), { timeout: 20_000, interval: 50 }).toBe('awaiting_payment');
    expect(await count('StockReserved', order.id)).toBe(1);
    expect(await count('OrderAwaitingPayment', order.id)).toBe(1);

    // 2. Killed after the holds were allocated, before the order was marked paid.
    const { paymentId } = await call(server.url, 'POST', `/api/orders/${order.id}/payment/request`, customer, {});
    await call(server.url, 'POST', `/api/payments/${paymentId}/stripe`, customer, { paymentMethod: 'pm_card_visa' });
    expect(await died(server)).toBe('SIGKILL');
    expect(await count('ReservationAllocated', order.id)).toBe(1);
    expect(await statusOf(order.id)).toBe('awaiting_payment');
    server = await start('fulfillment:after-capture');
    await expect.poll(() => statusOf(order.id), { timeout: 20_000, interval: 50 }).toBe('paid');
    expect(await count('ReservationAllocated', order.id)).toBe(1);
    expect(await count('OrderPaid', order.id)).toBe(1);

    // 3. Killed after the gateway captured, before the process recorded its step. The simulated
    // gateway keeps its intents in memory, so this order is authorised by the server that captures.
    const second = await call(server.url, 'POST', '/api/orders', customer, { items: [{ productId: product.id, quantity: 1 }], shippingAddress: address });
    await call(server.url, 'POST', `/api/orders/${second.id}/confirm`, customer, {});
    await expect.poll(() => statusOf(second.id), { timeout: 20_000, interval: 50 }).toBe('awaiting_payment');
    const payment = await call(server.url, 'POST', `/api/orders/${second.id}/payment/request`, customer, {});
    await call(server.url, 'POST', `/api/payments/${payment.paymentId}/stripe`, customer, { paymentMethod: 'pm_card_visa' });
    await expect.poll(() => statusOf(second.id), { timeout: 20_000, interval: 50 }).toBe('paid');
    const shipper = (await call(server.url, 'POST', '/api/users/login', undefined, ADMIN)).token as string;
    await call(server.url, 'POST', `/api/orders/${second.id}/ship`, shipper, {});
    expect(await died(server)).toBe('SIGKILL');
    expect(await count('PaymentCaptured', second.id)).toBe(1);
    server = await start();
    await expect
      .poll(async () => (await pool.query<{ step: string }>('SELECT step FROM fulfillment_processes WHERE order_id = $1', [second.id])).rows[0]?.step, { timeout: 20_000, interval: 50 })
      .toBe('awaiting_delivery');
    expect(await count('PaymentCaptured', second.id)).toBe(1);
    const stock = (await pool.query<{ on_hand: number; reserved: number }>('SELECT on_hand, reserved FROM inventory_stock WHERE product_id = $1', [product.id])).rows[0]!;
    expect(stock).toEqual({ on_hand: 6, reserved: 0 });
    await server.stop('SIGKILL');
  }, 180_000);
});
