import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../test/database.js';
import { processorCluster, type ProcessorCluster } from './support/processor-cluster.js';
import { killLeftoverServers } from './support/server-process.js';
import { callJson as call } from './support/http-json.js';

let cluster: ProcessorCluster;

beforeAll(async () => {
  cluster = processorCluster(await createTestDatabase(), { recorderDelayMs: 0 });
  await cluster.start();
  await cluster.start();
}, 120_000);

afterAll(async () => {
  await killLeftoverServers();
  await cluster?.close();
});

const ADMIN = { email: 'admin@e2e.local', password: 'e2e-admin-password' };
const address = { recipientName: 'Ada Lovelace', line1: '12 St James Square', city: 'London', postalCode: 'SW1Y 4JH', country: 'GB' };


/** Places and confirms `count` orders through every live server at once; a server killed meanwhile only loses its own requests. */
const confirmOrders = async (count: number, products: string[], buyers: string[]) => {
  const targets = cluster.alive().map((server) => server.url);
  await Promise.allSettled(
    Array.from({ length: count }, async (_, i) => {
      const url = targets[i % targets.length]!;
      const token = buyers[i % buyers.length]!;
      const items = [{ productId: products[i % products.length]!, quantity: 1 }, { productId: products[(i + 1) % products.length]!, quantity: 2 }];
      const order = await call(url, 'POST', '/api/orders', token, { items, shippingAddress: address });
      await call(url, 'POST', `/api/orders/${order.id}/confirm`, token, {});
    }),
  );
};

/** Orders whose confirmation was recorded (whether or not its answer reached the client before a kill). */
const confirmedOrders = async () =>
  (await cluster.pool.query<{ id: string }>(`SELECT message_data->>'orderId' AS id FROM emt_messages WHERE message_type = 'OrderConfirmed'`)).rows.map((row) => row.id);

describe('the fulfillment process on two server processes sharing one database', () => {
  it('handles every order exactly once, also when the instance holding it is killed mid-stream', async () => {
    const url = cluster.alive()[0]!.url;
    const admin = (await call(url, 'POST', '/api/users/login', undefined, ADMIN)).token as string;
    const products: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      const product = await call(url, 'POST', '/api/products', admin, { name: `Cup ${i}`, price: { amount: 1000 + i, currency: 'USD' }, categoryId: 'kitchen' });
      await call(url, 'PUT', `/api/products/${product.id}/stock`, admin, { quantity: 10_000 });
      products.push(product.id as string);
    }

    // Signed up before anything is killed (sign-ups hash passwords: slow, and not what is tested).
    const buyers = await Promise.all(
      Array.from({ length: 6 }, async (_, i) => (await call(url, 'POST', '/api/users/register', undefined, { email: `buyer-${i}-${Date.now()}@e2e.local`, password: 'customer-password-e2e', name: 'Buyer' })).token as string),
    );
    for (let round = 0; round < 2; round += 1) {
      const before = (await confirmedOrders()).length;
      const writing = confirmOrders(30, products, buyers);
      await expect.poll(() => cluster.holderOf('fulfillment'), { timeout: 10_000, interval: 50 }).not.toBeNull();
      // Let the holder get into the stream of orders, then kill it where it stands.
      await expect.poll(async () => (await cluster.pool.query(`SELECT count(*)::int AS n FROM emt_messages WHERE message_type = 'OrderAwaitingPayment'`)).rows[0].n, { timeout: 20_000, interval: 20 }).toBeGreaterThan(before);
      const holder = (await cluster.holderOf('fulfillment'))!;
      await cluster.serverNamed(holder)?.stop('SIGKILL');
      await writing;
      const survivors = cluster.alive().map((server) => server.child.pid);
      await expect.poll(() => cluster.holderOf('fulfillment'), { timeout: 10_000, interval: 100 }).toMatch(new RegExp(`:(${survivors.join('|')})$`));
      await cluster.start();
    }
    await expect.poll(() => cluster.caughtUp(), { timeout: 30_000, interval: 100 }).toBe(true);
    const confirmed = await confirmedOrders();
    expect(confirmed.length).toBeGreaterThan(20);

    // Every confirmed order awaits payment, reached once; its stock was reserved once per product.
    const { rows: orders } = await cluster.pool.query<{ id: string; status: string; awaiting: number }>(
      `SELECT o.id, o.status, (SELECT count(*)::int FROM emt_messages m WHERE m.stream_id = 'order-' || o.id AND m.message_type = 'OrderAwaitingPayment') AS awaiting
         FROM orders o WHERE o.id = ANY($1::uuid[])`,
      [confirmed],
    );
    expect(orders).toHaveLength(confirmed.length);
    expect(orders.filter((order) => order.status !== 'awaiting_payment' || order.awaiting !== 1)).toEqual([]);
    const { rows: reservations } = await cluster.pool.query<{ order_id: string; stream_id: string; reserved: number }>(
      `SELECT message_data->>'orderId' AS order_id, stream_id, count(*)::int AS reserved FROM emt_messages
        WHERE message_type = 'StockReserved' AND message_data->>'orderId' = ANY($1::text[]) GROUP BY 1, 2`,
      [confirmed],
    );
    expect(reservations.filter((row) => row.reserved !== 1)).toEqual([]);
    expect(reservations.length).toBe(confirmed.length * 2);
    // The read model's holds equal what the orders asked for.
    const { rows: stock } = await cluster.pool.query<{ reserved: number }>('SELECT sum(reserved)::int AS reserved FROM inventory_stock');
    expect(stock[0]!.reserved).toBe(confirmed.length * 3);
    const { rows: processes } = await cluster.pool.query<{ step: string; n: number }>(`SELECT step, count(*)::int AS n FROM fulfillment_processes GROUP BY step`);
    expect(processes).toEqual([{ step: 'awaiting_payment', n: confirmed.length }]);
  }, 240_000);
});
