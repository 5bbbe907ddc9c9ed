import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PostgresEventStore } from '@event-driven-io/emmett-postgresql';
import { startTestServer, type TestServer } from '../../../test/server.js';
import { productDecider, productStreamName } from '../modules/products/products.js';
import { inlineProjections } from '../server.js';
import { createPool, type Pool } from './database/pool.js';
import { createEventStore, handleCommand } from './eventstore.js';
import { snapshotStore, type SnapshotStore } from './snapshots.js';
import { inventoryDecider, inventoryStreamName, type InventoryCommand } from '../modules/inventory/inventory.js';

let server: TestServer;
let pool: Pool;
/**
 * Twenty event stores: commands for one stream queue behind each other inside one store, so a
 * race at the database (as between server instances) needs as many stores as racers.
 */
let eventStores: PostgresEventStore[];

beforeAll(async () => {
  server = await startTestServer();
  pool = createPool(server.databaseUrl, 25);
  eventStores = Array.from({ length: 20 }, () => createEventStore(server.databaseUrl, pool, inlineProjections()));
});
afterAll(async () => {
  await Promise.all(eventStores.map((store) => store.close().catch(() => {})));
  await pool?.end();
  await server?.close();
});

const metadata = { correlationId: 'race', causationId: 'race', actorId: null, requestId: 'race', occurredAt: '2026-11-24T12:00:00.000Z' };

const createProduct = (eventStore: PostgresEventStore, productId: string, name: string) =>
  handleCommand(eventStore, productDecider, {
    streamName: productStreamName(productId),
    command: {
      type: 'CreateProduct',
      data: { productId, sku: null, name, description: '', price: { amount: 100, currency: 'USD' }, categoryId: 'race', now: new Date() },
    },
    metadata,
  });

describe('a creation', () => {
  it('lets exactly one of 20 creators racing at the database win; the others get a 409 and the stream holds one event', async () => {
    const productId = randomUUID();
    const outcomes = await Promise.allSettled(eventStores.map((store, index) => createProduct(store, productId, `Racer ${index}`)));

    const won = outcomes.filter((outcome) => outcome.status === 'fulfilled');
    const lost = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason as unknown] : []));
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(19);
    // The losers read again after the conflict, and the decider says why: it exists now.
    for (const reason of lost) expect(reason).toMatchObject({ status: 409, message: expect.stringMatching(/already exists/) });
    const { rows } = await pool.query('SELECT message_type FROM emt_messages WHERE stream_id = $1', [productStreamName(productId)]);
    expect(rows.map((row) => row.message_type)).toEqual(['ProductCreated']);
  });

  it('refuses to create a stream that exists already, one after the other too', async () => {
    const productId = randomUUID();
    await createProduct(eventStores[0]!, productId, 'First');
    await expect(createProduct(eventStores[1]!, productId, 'Second')).rejects.toMatchObject({ status: 409 });
  });
});

describe('a state kept warm between commands', () => {
  const inventoryCommand = (eventStore: PostgresEventStore, inventoryId: string, command: InventoryCommand, snapshots?: SnapshotStore) =>
    handleCommand(eventStore, inventoryDecider, { streamName: inventoryStreamName(inventoryId), command, metadata, snapshots });
  const reserve = (inventoryId: string, orderId: string): InventoryCommand => ({
    type: 'ReserveStock',
    data: { inventoryId, reservationId: randomUUID(), orderId, quantity: 1, expiresAt: new Date(Date.now() + 3_600_000), now: new Date() },
  });

  it('is used instead of a snapshot, and still sees what another instance appended meanwhile', async () => {
    const inventoryId = randomUUID();
    const [one, other] = [eventStores[0]!, eventStores[1]!];
    const store = snapshotStore(pool);
    let snapshotReads = 0;
    const counting: SnapshotStore = { ...store, latest: (...args) => (snapshotReads++, store.latest(...args)) };
    await inventoryCommand(one, inventoryId, { type: 'TrackInventory', data: { inventoryId, productId: randomUUID(), onHand: 5, threshold: 0, now: new Date() } }, counting);
    const reads = snapshotReads;
    const outcomes: string[] = [];
    // Two instances take turns on one item with 5 units: each must count the other's holds.
    for (let i = 0; i < 8; i++) {
      const outcome = await inventoryCommand(i % 2 ? other : one, inventoryId, reserve(inventoryId, `order-${i}`), counting).then(
        () => 'reserved',
        (error: { code?: string }) => error.code ?? 'error',
      );
      outcomes.push(outcome);
    }
    expect(outcomes).toEqual(['reserved', 'reserved', 'reserved', 'reserved', 'reserved', 'insufficient_stock', 'insufficient_stock', 'insufficient_stock']);
    // Each instance read a snapshot at most once (its first command on the item), then its warm state.
    expect(snapshotReads - reads).toBeLessThanOrEqual(1);
    const { state } = await inventoryCommand(one, inventoryId, reserve(inventoryId, 'order-0'));
    expect(state).toMatchObject({ onHand: 5, reserved: 5 });
  });
});
