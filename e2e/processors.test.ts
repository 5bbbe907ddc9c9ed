import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, type Pool } from '../server/src/infra/database/pool.js';
import { processorOverview } from '../server/src/infra/processors/overview.js';
import { recorderProcessor } from '../server/src/infra/processors/recorder.js';
import { compareWithFreshReplay } from '../server/src/infra/processors/rebuild.js';
import { categoryStatsProcessor } from '../server/src/modules/products/category-stats.js';
import { createTestDatabase } from '../test/database.js';
import { killLeftoverServers, startServerProcess, type ServerProcess } from './support/server-process.js';

const ADMIN = { email: 'admin@e2e.local', password: 'e2e-admin-password' };
const declared = [
  { module: 'catalog', processor: categoryStatsProcessor },
  { module: 'testing', processor: recorderProcessor('', 0) },
];

let databaseUrl: string;
let pool: Pool;
const servers: ServerProcess[] = [];

const start = async () => {
  const server = await startServerProcess({
    DATABASE_URL: databaseUrl,
    EVENTSHOP_ADMIN_EMAIL: ADMIN.email,
    EVENTSHOP_ADMIN_PASSWORD: ADMIN.password,
    EVENTSHOP_JWT_SECRET: 'e2e-shared-secret-e2e-shared-secret',
    EVENTSHOP_TEST_RECORDER: '1',
    // Batches take a while, so a kill lands in the middle of one.
    EVENTSHOP_TEST_RECORDER_DELAY_MS: '40',
  });
  servers.push(server);
  return server;
};

const alive = () => servers.filter((server) => server.child.exitCode === null && server.child.signalCode === null);

const tokenFor = async (url: string) => {
  const response = await fetch(`${url}/api/users/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ADMIN) });
  return ((await response.json()) as { token: string }).token;
};

/**
 * Signs in to every live server, then starts creating products through all of them at once; the
 * answer waits for the writes. A server killed meanwhile just loses its requests.
 */
const startWriting = async (count: number, tag: string) => {
  const targets = await Promise.all(alive().map(async (server) => ({ url: server.url, token: await tokenFor(server.url) })));
  const writes = Promise.allSettled(
    Array.from({ length: count }, (_, i) => {
      const target = targets[i % targets.length]!;
      return fetch(`${target.url}/api/products`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${target.token}` },
        body: JSON.stringify({ name: `${tag} ${i}`, price: { amount: 100 + i, currency: i % 2 ? 'USD' : 'EUR' }, categoryId: `cat-${i % 3}` }),
      });
    }),
  );
  return () => writes;
};

const holderOf = async (name: string) => (await processorOverview(pool, declared)).find((entry) => entry.name === name)!;

const caughtUp = async () =>
  expect
    .poll(async () => (await processorOverview(pool, declared)).every((entry) => entry.lagEvents === 0 && entry.heldBy !== null), { timeout: 20_000, interval: 100 })
    .toBe(true);

beforeAll(async () => {
  databaseUrl = await createTestDatabase();
  // One after the other: the first creates the schema and the admin, the second finds them.
  await start();
  await start();
  pool = createPool(databaseUrl, 2);
}, 120_000);

afterAll(async () => {
  await killLeftoverServers();
  await pool?.end();
});

describe('processors on two server processes sharing one database', () => {
  it('run each processor in one instance; after kill -9 mid-batch another takes over and every event is handled exactly once', async () => {
    for (let round = 0; round < 2; round += 1) {
      // Signed in before anything is killed; the writes then race the kill.
      const writing = await startWriting(30, `round ${round}`);
      // Kill whichever instance runs the recorder while it is busy with these writes.
      await expect.poll(async () => (await holderOf('test_recorder')).heldBy, { timeout: 10_000, interval: 50 }).not.toBeNull();
      const holder = (await holderOf('test_recorder')).heldBy!;
      const victim = alive().find((server) => holder.endsWith(`:${server.child.pid}`));
      expect(victim, `holder ${holder}`).toBeDefined();
      await victim!.stop('SIGKILL');
      await writing();
      // The survivor takes over within seconds: the lock died with the victim's session.
      await expect
        .poll(async () => (await holderOf('test_recorder')).heldBy, { timeout: 10_000, interval: 100 })
        .toMatch(new RegExp(`:(${alive().map((server) => server.child.pid).join('|')})$`));
      await start();
    }
    await (await startWriting(20, 'after'))();
    await caughtUp();

    const [{ events }] = (await pool.query<{ events: number }>('SELECT count(*)::int AS events FROM emt_messages')).rows as [{ events: number }];
    const handled = (await pool.query<{ handled: number; distinct_events: number; instances: number }>(
      'SELECT count(*)::int AS handled, count(DISTINCT position)::int AS distinct_events, count(DISTINCT instance)::int AS instances FROM eventshop_test_handled',
    )).rows[0]!;
    expect(handled).toMatchObject({ handled: events, distinct_events: events });
    expect(handled.instances).toBeGreaterThan(1);

    // The category statistics survived the kills equal to a fresh replay of the log.
    const comparison = await compareWithFreshReplay(pool, categoryStatsProcessor);
    expect(comparison.equal, JSON.stringify(comparison.tables)).toBe(true);
    expect(comparison.tables.find((table) => table.table === 'catalog_stats_products')!.liveRows).toBeGreaterThan(50);
  }, 180_000);
});
