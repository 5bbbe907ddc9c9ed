import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../../../test/server.js';
import { createPool, type Pool } from '../../infra/database/pool.js';
import { STORY_SQL, storyOf, storyValues } from './story.js';

let server: TestServer;
let pool: Pool;

beforeAll(async () => {
  server = await startTestServer();
  pool = createPool(server.databaseUrl, 1);
});
afterAll(async () => {
  await pool?.end();
  await server?.close();
});

describe('an order’s story', () => {
  it('is found through the index on the order id its events carry, not by reading the whole log', async () => {
    const customer = await server.registerCustomer();
    const orderId = await server.orderAwaitingPayment(customer.token, { amount: 1500, currency: 'USD' });
    expect((await storyOf(pool, orderId)).map((event) => event.type)).toEqual(['OrderPlaced', 'OrderConfirmed', 'StockReserved', 'OrderAwaitingPayment']);
    // Told not to scan, the planner reaches the events in other streams only through an index on their `orderId`.
    const client = await pool.connect();
    try {
      await client.query('SET enable_seqscan = off');
      const { rows } = await client.query<{ 'QUERY PLAN': unknown }>(`EXPLAIN (FORMAT JSON) ${STORY_SQL}`, storyValues(orderId));
      const plan = JSON.stringify(rows[0]!['QUERY PLAN']);
      // On a partition of Emmett's table the index takes a generated name; its condition says what it is.
      expect(plan).not.toContain('Seq Scan');
      expect(plan).toMatch(/"Index Cond":"\(\(message_data ->> 'orderId'::text\) = /);
    } finally {
      client.release(true);
    }
  });
});
