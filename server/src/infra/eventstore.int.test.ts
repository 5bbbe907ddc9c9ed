import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PostgresEventStore } from '@event-driven-io/emmett-postgresql';
import { startTestServer, type TestServer } from '../../../test/server.js';
import { productDecider, productStreamName } from '../modules/products/products.js';
import { inlineProjections } from '../server.js';
import { createPool, type Pool } from './database/pool.js';
import { createEventStore, handleCommand } from './eventstore.js';
import { StreamExistsError } from './http/problems.js';

let server: TestServer;
let pool: Pool;
let eventStore: PostgresEventStore;

beforeAll(async () => {
  server = await startTestServer();
  pool = createPool(server.databaseUrl, 25);
  eventStore = createEventStore(server.databaseUrl, pool, inlineProjections());
});
afterAll(async () => {
  await eventStore?.close().catch(() => {});
  await pool?.end();
  await server?.close();
});

const metadata = { correlationId: 'race', causationId: 'race', actorId: null, requestId: 'race' };

const createProduct = (productId: string, name: string) =>
  handleCommand(eventStore, productDecider, {
    streamName: productStreamName(productId),
    command: {
      type: 'CreateProduct',
      data: { productId, sku: null, name, description: '', price: { amount: 100, currency: 'USD' }, categoryId: 'race', now: new Date() },
    },
    metadata,
    mustNotExist: true,
  });

describe('a creation (mustNotExist)', () => {
  it('lets exactly one of 20 racing creators of one stream win; the others get a 409 and the stream holds one event', async () => {
    const productId = randomUUID();
    const outcomes = await Promise.allSettled(Array.from({ length: 20 }, (_, index) => createProduct(productId, `Racer ${index}`)));

    const won = outcomes.filter((outcome) => outcome.status === 'fulfilled');
    const lost = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason as unknown] : []));
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(19);
    for (const reason of lost) {
      expect(reason).toBeInstanceOf(StreamExistsError);
      expect(reason).toMatchObject({ status: 409, code: 'already_exists' });
    }
    const { rows } = await pool.query('SELECT message_type FROM emt_messages WHERE stream_id = $1', [productStreamName(productId)]);
    expect(rows.map((row) => row.message_type)).toEqual(['ProductCreated']);
  });

  it('refuses to create a stream that exists already, one after the other too', async () => {
    const productId = randomUUID();
    await createProduct(productId, 'First');
    await expect(createProduct(productId, 'Second')).rejects.toMatchObject({ status: 409, code: 'already_exists' });
  });
});
