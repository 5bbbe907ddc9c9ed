import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../../test/server.js';

let server: TestServer;
let operator: Record<string, string>;
let admin: Record<string, string>;

beforeAll(async () => {
  server = await startTestServer();
  admin = { authorization: `Bearer ${await server.adminToken()}` };
  operator = (await server.userWithRoles(['operator'])).headers;
});
afterAll(() => server?.close());

const cup = { name: 'Espresso cup', description: 'Porcelain', price: { amount: 1299, currency: 'USD' }, categoryId: 'kitchen' };

const createProduct = async () => (await server.app.inject({ method: 'POST', url: '/api/products', headers: admin, payload: cup })).json() as { id: string };

describe('the global feed', () => {
  it('lists events in commit order with position, stream, version, type, data and metadata', async () => {
    const { id } = await createProduct();
    const response = await server.app.inject({ url: '/api/ops/events?streamType=product&limit=1000', headers: operator });
    expect(response.statusCode).toBe(200);
    const created = response.json().items.find((event: { streamId: string }) => event.streamId === `product-${id}`);
    expect(created).toMatchObject({ type: 'ProductCreated', version: 1, streamType: 'product', data: { productId: id, name: 'Espresso cup' } });
    expect(created.metadata).toMatchObject({ actorId: expect.any(String), requestId: expect.any(String), occurredAt: '2026-11-24T12:00:00.000Z' });
    expect(created.position).toEqual(expect.any(Number));
  });
});

describe('time travel and diffs', () => {
  it('shows a product at a version and what a price change changed', async () => {
    const { id } = await createProduct();
    server.clock.advance(60_000);
    await server.app.inject({ method: 'PUT', url: `/api/products/${id}`, headers: admin, payload: { price: { amount: 1499, currency: 'USD' } } });
    server.clock.advance(-60_000);
    const atOne = (await server.app.inject({ url: `/api/ops/streams/product-${id}/state?version=1`, headers: operator })).json();
    expect(atOne).toMatchObject({ version: 1, currentVersion: 2, state: { status: 'active', price: { amount: 1299 } } });
    const diff = (await server.app.inject({ url: `/api/ops/streams/product-${id}/diff?from=1&to=2`, headers: operator })).json();
    expect(diff.changes).toEqual([{ path: 'price.amount', before: 1299, after: 1499 }]);
    expect(diff.events.map((event: { type: string }) => event.type)).toEqual(['ProductPriceChanged']);
  });
});
