import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestDatabase } from '../../../../test/database.js';
import { loadConfig } from '../config.js';
import { createServer, type RunningServer } from '../../server.js';

let server: RunningServer;

beforeAll(async () => {
  const config = { ...loadConfig({ EVENTSHOP_API: 'off' }), databaseUrl: await createTestDatabase(), adminPassword: 'processor-only-password' };
  server = await createServer(config);
});
afterAll(() => server?.close());

it('EVENTSHOP_API=off runs the processors and answers only /health and /ready; API routes say where to go instead', async () => {
  expect(server.processors?.leading()).toContain('catalog_category_stats');
  expect((await server.app.inject({ url: '/health' })).statusCode).toBe(200);
  expect((await server.app.inject({ url: '/ready' })).statusCode).toBe(200);
  const refused = await server.app.inject({ method: 'POST', url: '/api/users/login', payload: { email: server.admin.email, password: 'processor-only-password' } });
  expect(refused.statusCode).toBe(404);
  expect(refused.headers['content-type']).toMatch(/application\/problem\+json/);
  expect(refused.json().detail).toMatch(/runs processors only \(EVENTSHOP_API=off\)/);
  expect((await server.app.inject({ url: '/api/products' })).statusCode).toBe(404);
});
