import { createPool, type Pool } from '../../server/src/infra/database/pool.js';
import { processorOverview, type DeclaredProcessor } from '../../server/src/infra/processors/overview.js';
import { FULFILLMENT_EVENTS, FULFILLMENT_PROCESSOR } from '../../server/src/fulfillment/processor.js';
import { declareProcessor } from '../../server/src/infra/processors/declaration.js';
import { recorderProcessor } from '../../server/src/infra/processors/recorder.js';
import { compareWithFreshReplay } from '../../server/src/infra/processors/rebuild.js';
import { categoryStatsProcessor } from '../../server/src/modules/products/category-stats.js';
import { startServerProcess, type ServerProcess } from './server-process.js';

const ADMIN = { email: 'admin@e2e.local', password: 'e2e-admin-password' };

/** What the cluster runs, as the ops listing sees it (the recorder's instance name does not matter here). */
const declared: DeclaredProcessor[] = [
  { module: 'catalog', processor: categoryStatsProcessor },
  { module: 'testing', processor: recorderProcessor('', 0) },
  // Led by the same runtime; its pass does not matter to the listing.
  { module: 'inventory', processor: { kind: 'scheduled', name: 'inventory_reservation_expiry', intervalMs: 1000, tick: async () => {} } },
  { module: 'orders', processor: { kind: 'scheduled', name: 'fulfillment_gateway_recovery', intervalMs: 5000, tick: async () => {} } },
  // Only its name and events matter to the listing; the servers run the real one.
  { module: 'orders', processor: declareProcessor({ name: FULFILLMENT_PROCESSOR, kind: 'reactor', handles: FULFILLMENT_EVENTS, handle: async () => {} }) },
];

/**
 * Several real server processes on one database, each running the processors (with the
 * test-only recorder), for the crash and takeover tests, the soak and the bench.
 */
export const processorCluster = (databaseUrl: string, options: { recorderDelayMs?: number } = {}) => {
  const servers: ServerProcess[] = [];
  const pool: Pool = createPool(databaseUrl, 2);

  const alive = () => servers.filter((server) => server.child.exitCode === null && server.child.signalCode === null);

  const tokenFor = async (url: string) => {
    const response = await fetch(`${url}/api/users/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ADMIN) });
    return ((await response.json()) as { token: string }).token;
  };

  const overview = () => processorOverview(pool, declared);

  return {
    pool,
    alive,
    /** Starts one more server; start them one after the other (the first creates the schema and the admin). */
    async start() {
      const server = await startServerProcess({
        DATABASE_URL: databaseUrl,
        EVENTSHOP_ADMIN_EMAIL: ADMIN.email,
        EVENTSHOP_ADMIN_PASSWORD: ADMIN.password,
        EVENTSHOP_JWT_SECRET: 'e2e-shared-secret-e2e-shared-secret',
        EVENTSHOP_TEST_RECORDER: '1',
        // Batches take a while, so a kill lands in the middle of one.
        EVENTSHOP_TEST_RECORDER_DELAY_MS: String(options.recorderDelayMs ?? 40),
      });
      servers.push(server);
      return server;
    },

    /**
     * Signs in to every live server, then starts creating products through all of them at once;
     * the answer waits for the writes. A server killed meanwhile just loses its requests.
     */
    async startWriting(count: number, tag: string) {
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
    },

    overview,
    /** One processor's line of the ops listing. */
    async entry(name: string) {
      return (await overview()).find((entry) => entry.name === name)!;
    },
    async holderOf(name: string) {
      return (await overview()).find((entry) => entry.name === name)!.heldBy;
    },
    /** The live server whose instance name (host:pid) is `holder`. */
    serverNamed(holder: string) {
      return alive().find((server) => holder.endsWith(`:${server.child.pid}`));
    },

    /** Every processor held by someone and nothing left to handle. */
    async caughtUp() {
      return (await overview()).every((entry) => entry.lagEvents === 0 && entry.heldBy !== null);
    },

    /** Exactly-once across instances: every event in the log recorded once by the recorder. */
    async recorderTally() {
      const { rows } = await pool.query<{ events: number; handled: number; distinct_events: number; instances: number }>(
        `SELECT (SELECT count(*)::int FROM emt_messages) AS events, count(*)::int AS handled, count(DISTINCT position)::int AS distinct_events,
                count(DISTINCT instance)::int AS instances
           FROM eventshop_test_handled`,
      );
      return rows[0]!;
    },

    compareStatsWithReplay: () => compareWithFreshReplay(pool, categoryStatsProcessor),

    async close() {
      await Promise.all(alive().map((server) => server.stop('SIGKILL')));
      await pool.end();
    },
  };
};

export type ProcessorCluster = ReturnType<typeof processorCluster>;
