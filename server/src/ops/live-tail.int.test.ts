import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../../test/server.js';
import { createPool, type Pool } from '../infra/database/pool.js';
import { commitWakeups } from '../infra/eventstore.js';
import { logReader } from '../infra/log/log-reader.js';
import { followLog } from './live-tail.js';

let server: TestServer;
let pool: Pool;

beforeAll(async () => {
  server = await startTestServer();
  pool = createPool(server.databaseUrl, 2);
});
afterAll(async () => {
  await pool?.end();
  await server?.close();
});

describe('following the log', () => {
  it('sends an event its own instance appends as it commits, without waiting for the next poll', async () => {
    const admin = server.client({ token: await server.adminToken() });
    const stop = new AbortController();
    // A poll every ten minutes: whatever arrives sooner came by the commit's wake-up.
    const events = followLog(pool, await logReader(pool).head(), { types: ['ProductCreated'] }, stop.signal, { wakeups: commitWakeups(server.eventStore), pollMs: 600_000 });
    try {
      for (const name of ['Tail cup', 'Tail saucer']) {
        const next = events.next();
        // Let the follower read once and settle into its wait before the append.
        await new Promise((resolve) => setTimeout(resolve, 100));
        await admin.products.create({ name, price: { amount: 500, currency: 'USD' }, categoryId: 'kitchen' });
        const first = await Promise.race([next, new Promise<'late'>((resolve) => setTimeout(() => resolve('late'), 10_000))]);
        expect(first).not.toBe('late');
        expect((first as IteratorResult<{ type: string; data: { name: string } }>).value).toMatchObject({ type: 'ProductCreated', data: { name } });
      }
    } finally {
      stop.abort();
      await events.return(undefined);
    }
  });
});
