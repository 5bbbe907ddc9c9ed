import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { operations, processorOperations } from '@eventshop/sdk/contract';
import { startTestServer, type TestServer } from '../../../../test/server.js';
import { createPool } from '../database/pool.js';
import { categoryStatsProcessor } from '../../modules/products/category-stats.js';
import { checkpointStore } from './checkpoints.js';
import { declareProcessor } from './declaration.js';
import { compareWithFreshReplay, rebuildStep } from './rebuild.js';
import { DEFAULT_RUNNER_OPTIONS } from './runner.js';

/** A processor that fails on products whose name says so, while `broken` holds; it records what it handled. */
let broken = true;
const attempts = new Map<string, number>();
const flaky = (name: string, orderedPerStream: boolean) =>
  declareProcessor({
    name,
    kind: 'read-model',
    handles: ['ProductCreated', 'ProductPriceChanged', 'ProductDiscontinued'],
    orderedPerStream,
    tables: ['test_flaky_seen'],
    handle: async (events, { tx }) => {
      for (const event of events) {
        const data = event.data as { name?: string; price?: { amount: number } };
        const fails = orderedPerStream ? data.price?.amount === 666 : data.name === 'Flaky broken';
        if (fails) attempts.set(`${name}:${event.position}`, (attempts.get(`${name}:${event.position}`) ?? 0) + 1);
        if (fails && broken) throw new Error(`boom at ${event.position}`);
        await tx.query('INSERT INTO test_flaky_seen (processor, position, type) VALUES ($1, $2, $3)', [name, event.position, event.type]);
      }
    },
  });

let server: TestServer;
let operator: Record<string, string>;
let admin: Record<string, string>;

beforeAll(async () => {
  server = await startTestServer({}, {
    extraProcessors: [
      { module: 'testing', processor: flaky('test_flaky', false) },
      { module: 'testing', processor: flaky('test_ordered', true) },
    ],
    processorOptions: { maxAttempts: 3, retryBaseMs: 5 },
  });
  await server.query('CREATE TABLE test_flaky_seen (processor text, position bigint, type text)');
  admin = { authorization: `Bearer ${await server.adminToken()}` };
  operator = (await server.userWithRoles(['operator'])).headers;
});
afterAll(() => server?.close());

const createProduct = async (name: string, price = 1299, categoryId = 'kitchen') => {
  const response = await server.app.inject({ method: 'POST', url: '/api/products', headers: admin, payload: { name, price: { amount: price, currency: 'USD' }, categoryId } });
  expect(response.statusCode).toBe(201);
  return response.json() as { id: string };
};

const seen = async (processor: string) =>
  (await server.query<{ position: string }>('SELECT position FROM test_flaky_seen WHERE processor = $1 ORDER BY position', [processor])).map((row) => Number(row.position));

const positionOf = async (streamId: string, version: number) =>
  Number((await server.query<{ p: string }>('SELECT global_position AS p FROM emt_messages WHERE stream_id = $1 AND stream_position = $2', [streamId, version]))[0]!.p);

const failures = async (query: string) => (await server.app.inject({ url: `/api/ops/failures?${query}`, headers: operator })).json().items as any[];

const processor = async (name: string) =>
  ((await server.app.inject({ url: '/api/ops/processors', headers: operator })).json().items as any[]).find((item) => item.name === name);

/** Waits until the processor has handled everything committed so far. */
const caughtUp = (name: string) => expect.poll(async () => (await processor(name)).lagEvents, { timeout: 10_000, interval: 20 }).toBe(0);

describe('a handler that throws on one event', () => {
  it('is retried, parked with its error and attempts, and the processor moves on; a retry after the fix succeeds', async () => {
    broken = true;
    const first = await createProduct('Flaky fine');
    const bad = await createProduct('Flaky broken');
    const after = await createProduct('Flaky later');
    await caughtUp('test_flaky');
    const badPosition = await positionOf(`product-${bad.id}`, 1);

    const [parked] = await failures('processor=test_flaky&status=parked');
    expect(parked).toMatchObject({ processor: 'test_flaky', status: 'parked', attempts: 3, position: badPosition, eventType: 'ProductCreated', streamId: `product-${bad.id}` });
    expect(parked.error).toContain(`boom at ${badPosition}`);
    expect(attempts.get(`test_flaky:${badPosition}`)).toBe(4); // the batch, then three tries alone
    expect(await seen('test_flaky')).toEqual(expect.arrayContaining([await positionOf(`product-${first.id}`, 1), await positionOf(`product-${after.id}`, 1)]));
    expect(await seen('test_flaky')).not.toContain(badPosition);
    expect(await processor('test_flaky')).toMatchObject({ status: 'failing', parked: 1 });

    // Still broken: the retry answers 409 with the new error and the event stays parked.
    const failed = await server.app.inject({ method: 'POST', url: `/api/ops/failures/${parked.id}/retry`, headers: operator });
    expect(failed.statusCode).toBe(409);
    expect(failed.json().code).toBe('retry_failed');
    expect((await server.app.inject({ url: `/api/ops/failures/${parked.id}`, headers: operator })).json()).toMatchObject({ status: 'parked', attempts: 4 });

    broken = false;
    const retried = await server.app.inject({ method: 'POST', url: `/api/ops/failures/${parked.id}/retry`, headers: operator });
    expect(retried.statusCode).toBe(200);
    expect(retried.json()).toMatchObject({ status: 'retried', attempts: 5, resolvedBy: expect.stringMatching(/^user:/) });
    expect(await seen('test_flaky')).toContain(badPosition);
    expect((await server.app.inject({ method: 'POST', url: `/api/ops/failures/${parked.id}/retry`, headers: operator })).statusCode).toBe(409);
  });

  it('can be skipped for good, with the reason and who skipped it recorded', async () => {
    broken = true;
    const bad = await createProduct('Flaky broken');
    await caughtUp('test_flaky');
    const badPosition = await positionOf(`product-${bad.id}`, 1);
    const parked = (await failures('processor=test_flaky&status=parked')).find((failure) => failure.position === badPosition);
    const noReason = await server.app.inject({ method: 'POST', url: `/api/ops/failures/${parked.id}/skip`, headers: operator, payload: {} });
    expect(noReason.statusCode).toBe(400);
    const skipped = await server.app.inject({ method: 'POST', url: `/api/ops/failures/${parked.id}/skip`, headers: operator, payload: { reason: 'test data, never sold' } });
    expect(skipped.statusCode, skipped.body).toBe(200);
    expect(skipped.json()).toMatchObject({ status: 'skipped', reason: 'test data, never sold', resolvedBy: expect.stringMatching(/^user:/), resolvedAt: expect.any(String) });
    expect(await seen('test_flaky')).not.toContain(badPosition);
    expect(await processor('test_flaky')).toMatchObject({ parked: 0 });
    broken = false;
  });

  it('stops only its own stream when the processor is ordered per stream, and the blocked events follow the retry', async () => {
    broken = true;
    const stuck = await createProduct('Flaky ordered');
    await server.app.inject({ method: 'PUT', url: `/api/products/${stuck.id}`, headers: admin, payload: { price: { amount: 666, currency: 'USD' } } });
    await server.app.inject({ method: 'DELETE', url: `/api/products/${stuck.id}`, headers: admin });
    const other = await createProduct('Flaky other');
    await caughtUp('test_ordered');
    const [created, repriced, discontinued] = (await Promise.all([1, 2, 3].map((version) => positionOf(`product-${stuck.id}`, version)))) as [number, number, number];
    const open = await failures('processor=test_ordered');
    expect(open.map((failure) => [failure.position, failure.status])).toEqual([
      [discontinued, 'blocked'],
      [repriced, 'parked'],
    ]);
    expect(await seen('test_ordered')).toEqual(expect.arrayContaining([created, await positionOf(`product-${other.id}`, 1)]));
    expect(await seen('test_ordered')).not.toContain(discontinued);

    const blockedRetry = await server.app.inject({ method: 'POST', url: `/api/ops/failures/${open[0].id}/retry`, headers: operator });
    expect(blockedRetry.statusCode).toBe(409);

    broken = false;
    expect((await server.app.inject({ method: 'POST', url: `/api/ops/failures/${open[1].id}/retry`, headers: operator })).statusCode).toBe(200);
    expect((await server.app.inject({ url: `/api/ops/failures/${open[0].id}`, headers: operator })).json()).toMatchObject({ status: 'retried' });
    const handled = await seen('test_ordered');
    expect(handled.indexOf(repriced)).toBeLessThan(handled.indexOf(discontinued));
  });
});

describe('pausing', () => {
  it('holds a processor at its checkpoint until it is resumed', async () => {
    const paused = await server.app.inject({ method: 'POST', url: '/api/ops/processors/test_flaky/pause', headers: operator });
    expect(paused.statusCode).toBe(200);
    expect(paused.json()).toMatchObject({ name: 'test_flaky', status: 'paused' });
    const product = await createProduct('Flaky while paused');
    await caughtUp('test_ordered');
    const position = await positionOf(`product-${product.id}`, 1);
    expect(await seen('test_flaky')).not.toContain(position);
    expect((await processor('test_flaky')).lagEvents).toBeGreaterThan(0);
    const ready = (await server.app.inject({ url: '/ready' })).json();
    expect(ready.checks.find((check: { name: string }) => check.name === 'processors').detail).toContain('paused: test_flaky');

    expect((await server.app.inject({ method: 'POST', url: '/api/ops/processors/test_flaky/resume', headers: operator })).json().status).not.toBe('paused');
    await caughtUp('test_flaky');
    expect(await seen('test_flaky')).toContain(position);
    expect((await server.app.inject({ method: 'POST', url: '/api/ops/processors/nope/pause', headers: operator })).statusCode).toBe(404);
  });
});

describe('the category statistics read model', () => {
  it('is kept after commit and read through products.categoryStats; /ready reports its lag', async () => {
    await createProduct('Stat cup', 1000, 'stats-cups');
    const dear = await createProduct('Stat mug', 3000, 'stats-cups');
    const gone = await createProduct('Stat jar', 9000, 'stats-cups');
    await server.app.inject({ method: 'PUT', url: `/api/products/${dear.id}`, headers: admin, payload: { price: { amount: 2000, currency: 'USD' } } });
    await server.app.inject({ method: 'DELETE', url: `/api/products/${gone.id}`, headers: admin });
    await caughtUp('catalog_category_stats');
    const stats = (await server.app.inject({ url: '/api/products/categories' })).json().items.find((item: { categoryId: string }) => item.categoryId === 'stats-cups');
    expect(stats).toEqual({ categoryId: 'stats-cups', currency: 'USD', activeProducts: 2, minPrice: 1000, avgPrice: 1500, maxPrice: 2000 });
    expect(await processor('catalog_category_stats')).toMatchObject({ kind: 'read-model', module: 'catalog', status: 'running', heldBy: expect.any(String), lagEvents: 0 });

    const ready = await server.app.inject({ url: '/ready' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json().checks.find((check: { name: string }) => check.name === 'processors')).toMatchObject({ ok: true });
  });
});

describe('the category statistics kept by deltas', () => {
  it('equal aggregating the products afresh, through moves, currency changes, the cheapest and dearest repriced, and a group emptied', async () => {
    const put = (id: string, payload: object) => server.app.inject({ method: 'PUT', url: `/api/products/${id}`, headers: admin, payload });
    const cheapest = await createProduct('Delta 1', 100, 'delta-a');
    const middle = await createProduct('Delta 2', 200, 'delta-a');
    const dearest = await createProduct('Delta 3', 333, 'delta-a');
    const alone = await createProduct('Delta 4', 50, 'delta-c');
    await caughtUp('catalog_category_stats');
    await put(cheapest.id, { price: { amount: 150, currency: 'USD' } });
    await put(dearest.id, { price: { amount: 250, currency: 'USD' } });
    await put(middle.id, { categoryId: 'delta-b' });
    await createProduct('Delta 5', 999, 'delta-a');
    await put(dearest.id, { price: { amount: 250, currency: 'EUR' } });
    await server.app.inject({ method: 'DELETE', url: `/api/products/${alone.id}`, headers: admin });
    await caughtUp('catalog_category_stats');

    const kept = await server.query(
      `SELECT category_id, currency, active_products, min_price, avg_price, max_price, total_price FROM catalog_category_stats WHERE category_id LIKE 'delta-%' ORDER BY 1, 2`,
    );
    const aggregated = await server.query(
      `SELECT category_id, price_currency AS currency, count(*)::int AS active_products, min(price_amount) AS min_price, round(avg(price_amount))::bigint AS avg_price,
              max(price_amount) AS max_price, sum(price_amount)::bigint AS total_price
         FROM catalog_stats_products WHERE active AND category_id LIKE 'delta-%' GROUP BY 1, 2 ORDER BY 1, 2`,
    );
    expect(kept).toEqual(aggregated);
    expect(kept.map((row) => `${row.category_id}/${row.currency}`)).toEqual(['delta-a/EUR', 'delta-a/USD', 'delta-b/USD']);
    expect(kept[1]).toMatchObject({ active_products: 2, min_price: 150n, max_price: 999n, avg_price: 575n });
    const pool = createPool(server.databaseUrl, 1);
    try {
      expect((await compareWithFreshReplay(pool, categoryStatsProcessor)).equal).toBe(true);
    } finally {
      await pool.end();
    }
  });
});

describe('rebuilding a read model', () => {
  const rebuild = () => server.app.inject({ method: 'POST', url: '/api/ops/read-models/catalog_category_stats/rebuild', headers: operator });
  const progress = async () => (await server.app.inject({ url: '/api/ops/read-models/catalog_category_stats/rebuild', headers: operator })).json();
  const stats = async () => (await server.app.inject({ url: '/api/products/categories' })).json().items as { categoryId: string; activeProducts: number }[];

  it('builds a copy beside the live one under concurrent writes, reports the comparison, switches, and refuses a second one while it runs', async () => {
    for (let i = 0; i < 5; i += 1) await createProduct(`Rebuild seed ${i}`, 500 + i, 'rebuild-a');
    await caughtUp('catalog_category_stats');
    // A live copy gone wrong: what a rebuild is for.
    await server.query(`UPDATE catalog_category_stats SET active_products = 999 WHERE category_id = 'rebuild-a'`);

    // Paused, the leader does not start it yet, so the second request finds it running.
    await server.app.inject({ method: 'POST', url: '/api/ops/processors/catalog_category_stats/pause', headers: operator });
    const started = await rebuild();
    expect(started.statusCode).toBe(202);
    expect(started.json()).toMatchObject({ status: 'running', eventsDone: 0, eventsTotal: expect.any(Number) });
    const second = await rebuild();
    expect(second.statusCode).toBe(409);
    expect(second.json().code).toBe('rebuild_running');
    expect((await processor('catalog_category_stats')).status).toBe('paused');
    await server.app.inject({ method: 'POST', url: '/api/ops/processors/catalog_category_stats/resume', headers: operator });

    // Writes and reads go on while it runs; no read fails.
    const writes = Array.from({ length: 10 }, (_, i) => createProduct(`Rebuild during ${i}`, 700 + i, 'rebuild-b'));
    const reads = Array.from({ length: 10 }, () => server.app.inject({ url: '/api/products/categories' }));
    await Promise.all(writes);
    expect((await Promise.all(reads)).map((response) => response.statusCode)).toEqual(Array(10).fill(200));

    await expect.poll(async () => (await progress()).status, { timeout: 10_000, interval: 20 }).toBe('done');
    const done = await progress();
    expect(done.eventsDone).toBeGreaterThanOrEqual(5);
    expect(done.comparison.equal).toBe(false);
    expect(done.comparison.tables.find((table: { table: string }) => table.table === 'catalog_category_stats')).toMatchObject({ onlyLive: 1, onlyRebuilt: 1 });
    await caughtUp('catalog_category_stats');
    const after = await stats();
    expect(after.find((row) => row.categoryId === 'rebuild-a')?.activeProducts).toBe(5);
    expect(after.find((row) => row.categoryId === 'rebuild-b')?.activeProducts).toBe(10);

    // The switched-in tables carry the live ones' index names, and nothing is left beside them.
    const indexes = await server.query<{ indexname: string }>(`SELECT indexname FROM pg_indexes WHERE schemaname = 'public' AND tablename = 'catalog_stats_products'`);
    expect(indexes.map((row) => row.indexname).sort()).toEqual(['catalog_stats_products_by_price', 'catalog_stats_products_pkey']);
    expect(await server.query(`SELECT nspname FROM pg_namespace WHERE nspname LIKE 'eventshop_rebuild_%' OR nspname LIKE 'eventshop_check_%'`)).toEqual([]);

    // Rebuilt again from a correct live copy, the two are equal row for row.
    expect((await rebuild()).statusCode).toBe(202);
    await expect.poll(async () => (await progress()).status, { timeout: 10_000, interval: 20 }).toBe('done');
    expect((await progress()).comparison.equal).toBe(true);
  });

  it('resumes an interrupted rebuild from the batches it had committed', async () => {
    for (let i = 0; i < 6; i += 1) await createProduct(`Resume seed ${i}`, 900 + i, 'rebuild-c');
    await caughtUp('catalog_category_stats');
    await server.app.inject({ method: 'POST', url: '/api/ops/processors/catalog_category_stats/pause', headers: operator });
    expect((await rebuild()).statusCode).toBe(202);
    // What a leader killed after its first replay batch leaves behind: a copy and a cursor part-way.
    const pool = createPool(server.databaseUrl, 2);
    try {
      const checkpoint = await checkpointStore(pool).get('catalog_category_stats');
      const options = { ...DEFAULT_RUNNER_OPTIONS, rebuildBatchSize: 3, log: () => {} };
      expect(await rebuildStep(pool, categoryStatsProcessor, checkpoint, options)).toBe(true);
    } finally {
      await pool.end();
    }
    const partial = await progress();
    expect(partial).toMatchObject({ status: 'running', eventsDone: 3 });
    expect((await processor('catalog_category_stats')).status).toBe('paused');

    await server.app.inject({ method: 'POST', url: '/api/ops/processors/catalog_category_stats/resume', headers: operator });
    await expect.poll(async () => (await progress()).status, { timeout: 10_000, interval: 20 }).toBe('done');
    const done = await progress();
    expect(done.comparison.equal).toBe(true);
    expect(done.eventsDone).toBe(done.eventsTotal);
  });

  it('answers 404 for a name no module declares', async () => {
    expect((await server.app.inject({ method: 'POST', url: '/api/ops/read-models/nope/rebuild', headers: operator })).statusCode).toBe(404);
  });
});

describe('a read model as of an instant', () => {
  it('answers the rows one entity had then, computed by the projection itself, and leaves nothing behind', async () => {
    const before = server.clock.now().toISOString();
    server.clock.advance(60_000);
    const product = await createProduct('As-of kettle', 4000, 'asof-kettles');
    server.clock.advance(60_000);
    const between = server.clock.now().toISOString();
    server.clock.advance(60_000);
    await server.app.inject({ method: 'PUT', url: `/api/products/${product.id}`, headers: admin, payload: { price: { amount: 5000, currency: 'USD' } } });
    server.clock.advance(-180_000);
    await caughtUp('catalog_category_stats');

    const at = async (instant?: string) =>
      (await server.app.inject({ url: `/api/ops/read-models/catalog_category_stats/asof-kettles${instant ? `?at=${instant}` : ''}`, headers: operator })).json();
    const then = await at(between);
    expect(then.rows, JSON.stringify(then)).toEqual([
      { category_id: 'asof-kettles', currency: 'USD', active_products: 1, min_price: 4000, avg_price: 4000, max_price: 4000, total_price: 4000 },
    ]);
    expect((await at(before)).rows).toEqual([]);
    expect((await at()).rows).toMatchObject([{ min_price: 5000 }]);
    expect(await server.query(`SELECT nspname FROM pg_namespace WHERE nspname LIKE 'eventshop_asof_%'`)).toEqual([]);
  });
});

describe('access', () => {
  it('answers 403 to customers on every processor, failure and rebuild route', async () => {
    const customer = (await server.registerCustomer()).headers;
    for (const definition of Object.values(processorOperations)) {
      const url = definition.path.replace(':name', 'catalog_category_stats').replace(':id', '1');
      const response = await server.app.inject({ method: definition.method, url, headers: customer, ...(definition.method === 'POST' ? { payload: { reason: 'x' } } : {}) });
      expect(response.statusCode, `${definition.method} ${url}`).toBe(403);
    }
    expect(Object.keys(operations)).toEqual(expect.arrayContaining(Object.keys(processorOperations)));
  });
});
