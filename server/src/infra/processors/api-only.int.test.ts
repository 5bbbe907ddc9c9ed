import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestDatabase } from '../../../../test/database.js';
import { loadConfig } from '../config.js';
import { createServer, type RunningServer } from '../../server.js';

let server: RunningServer;

beforeAll(async () => {
  const config = { ...loadConfig({ EVENTSHOP_PROCESSORS: 'off' }), databaseUrl: await createTestDatabase(), adminPassword: 'api-only-admin-password' };
  server = await createServer(config);
});
afterAll(() => server?.close());

it('EVENTSHOP_PROCESSORS=off serves the API and runs no processor; ops report them stopped, with their lag', async () => {
  expect(server.processors).toBeUndefined();
  const login = await server.app.inject({ method: 'POST', url: '/api/users/login', payload: { email: server.admin.email, password: 'api-only-admin-password' } });
  const headers = { authorization: `Bearer ${login.json().token}` };
  const created = await server.app.inject({ method: 'POST', url: '/api/products', headers, payload: { name: 'API-only mug', price: { amount: 900, currency: 'EUR' }, categoryId: 'mugs' } });
  expect(created.statusCode).toBe(201);
  const listed = (await server.app.inject({ url: '/api/ops/processors', headers })).json().items;
  expect(listed).toEqual([
    expect.objectContaining({ name: 'catalog_category_stats', status: 'stopped', heldBy: null, lagEvents: 1 }),
    expect.objectContaining({ name: 'fulfillment', kind: 'reactor', status: 'stopped', heldBy: null, lagEvents: 0 }),
    // Scheduled tasks are led by the same runtime, so they are off here too.
    expect.objectContaining({ name: 'inventory_reservation_expiry', kind: 'scheduled', status: 'stopped', heldBy: null, lagEvents: 0 }),
    expect.objectContaining({ name: 'fulfillment_gateway_recovery', kind: 'scheduled', status: 'stopped', heldBy: null }),
  ]);
  // Nothing applied it: the statistics stay empty until an instance with processors on catches up.
  expect((await server.app.inject({ url: '/api/products/categories' })).json().items).toEqual([]);
});
