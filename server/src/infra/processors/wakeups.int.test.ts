import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../../../test/server.js';
import { declareProcessor } from './declaration.js';

/** Records the products it sees; polls only every ten minutes, so anything sooner is a wake-up. */
const seen: string[] = [];
const watcher = declareProcessor({
  name: 'test_woken',
  kind: 'reactor',
  handles: ['ProductCreated'],
  handle: async (events) => {
    for (const event of events) seen.push((event.data as { name: string }).name);
  },
});

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({}, { extraProcessors: [{ module: 'testing', processor: watcher }], processorOptions: { idleMs: 600_000 } });
});
afterAll(() => server?.close());

describe('a processor that is caught up', () => {
  it('handles an event appended by its own instance at once, without waiting for its next poll', async () => {
    const admin = server.client({ token: await server.adminToken() });
    // Leadership is taken at start-up and the first read finds nothing: from here on the processor waits.
    await expect.poll(() => server.processors?.leading().includes('test_woken'), { timeout: 10_000 }).toBe(true);
    for (const name of ['Woken cup', 'Woken saucer']) {
      await admin.products.create({ name, price: { amount: 500, currency: 'USD' }, categoryId: 'kitchen' });
      await expect.poll(() => seen.includes(name), { timeout: 10_000, interval: 20 }).toBe(true);
    }
  });
});
