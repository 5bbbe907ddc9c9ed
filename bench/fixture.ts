import { snapshotStore } from '../server/src/infra/snapshots.js';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createShopClient, type ShopClient, type Transport } from '@eventshop/sdk';
import { loadConfig } from '../server/src/infra/config.js';
import { createPool, type Pool } from '../server/src/infra/database/pool.js';
import { createEventStore } from '../server/src/infra/eventstore.js';
import type { RequestContext } from '../server/src/infra/http/operations.js';
import { productHandlers } from '../server/src/modules/products/handlers.js';
import { categoryStatsQueries } from '../server/src/modules/products/category-stats.js';
import { catalogQueries, type CatalogQueries } from '../server/src/modules/products/projections.js';
import { createServer, inlineProjections } from '../server/src/server.js';
import { startServerProcess } from '../e2e/support/server-process.js';
import type { GeneratedProduct } from './catalog-data.js';

const ADMIN_EMAIL = 'bench-admin@eventshop.local';

/**
 * Where the server runs relative to the simulated clients:
 * - `process`: its own process, started as `npm start` starts it, while this process plays the
 *   partner apps calling it through the SDK. That is how it is deployed, so it is the default.
 * - `shared`: inside this process, so the clients' SDK work and the server's share one event loop
 *   (what `profile` needs, since it samples this process's thread).
 */
export type ServerPlacement = 'process' | 'shared';

export type BenchServer = {
  baseUrl: string;
  adminToken: string;
  placement: ServerPlacement;
  /** One SDK client per simulated client: its own undici keep-alive pool, as separate callers would have. */
  client(token?: string, transport?: Transport): ShopClient;
  /** CPU time the server process has used so far (Linux /proc), or undefined when it is this process or unreadable. */
  serverCpuMs(): number | undefined;
  close(): Promise<void>;
};

export const startBenchServer = (databaseUrl: string, placement: ServerPlacement = 'process'): Promise<BenchServer> =>
  placement === 'process' ? startServerInItsOwnProcess(databaseUrl) : startServerInThisProcess(databaseUrl);

/** SDK clients that never retry: a failure must show up in the figures, not hide inside a slower success. */
const clientFactory = (baseUrl: string) => {
  const clients: ShopClient[] = [];
  return {
    client(token?: string, transport?: Transport) {
      const created = createShopClient({ baseUrl, token, retries: 0, transport });
      clients.push(created);
      return created;
    },
    closeAll: () => Promise.all(clients.map((each) => each.close().catch(() => {}))),
  };
};

/** `npm start`'s entry point and loader, on a free loopback port, with request logging at `warn` (see docs/performance.md). */
const startServerInItsOwnProcess = async (databaseUrl: string): Promise<BenchServer> => {
  const adminPassword = randomBytes(18).toString('base64url');
  const server = await startServerProcess({
    DATABASE_URL: databaseUrl,
    HOST: '127.0.0.1',
    EVENTSHOP_ADMIN_EMAIL: ADMIN_EMAIL,
    EVENTSHOP_ADMIN_PASSWORD: adminPassword,
    EVENTSHOP_JWT_SECRET: randomBytes(32).toString('base64url'),
  });
  const clients = clientFactory(server.url);
  const pid = server.child.pid;
  const close = async () => {
    await clients.closeAll();
    await server.stop('SIGTERM');
  };
  try {
    const { token } = await clients.client().auth.login({ email: ADMIN_EMAIL, password: adminPassword });
    return {
      baseUrl: server.url,
      adminToken: token,
      placement: 'process',
      client: clients.client,
      serverCpuMs: () => (pid === undefined ? undefined : processCpuMs(pid)),
      close,
    };
  } catch (error) {
    await close().catch(() => {});
    throw error;
  }
};

/** Linux reports process CPU in clock ticks of 1/100 s on every common configuration (getconf CLK_TCK). */
const TICK_MS = 10;

/** utime + stime of a process, from /proc (Linux); undefined elsewhere. */
export const processCpuMs = (pid: number): number | undefined => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name: state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return undefined;
  }
};

/**
 * The real server, as `npm start` builds it (createServer: migrations, event store with the
 * inline read models, auth, idempotency, every route), in this process, listening on loopback
 * with logging off.
 */
const startServerInThisProcess = async (databaseUrl: string): Promise<BenchServer> => {
  const adminPassword = randomBytes(18).toString('base64url');
  const config = {
    ...loadConfig({}),
    databaseUrl,
    adminEmail: ADMIN_EMAIL,
    adminPassword,
    jwtSecret: randomBytes(32).toString('base64url'),
  };
  const server = await createServer(config, { logger: false });
  try {
    await server.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = server.app.server.address() as AddressInfo;
    const baseUrl = `http://127.0.0.1:${port}`;
    const clients = clientFactory(baseUrl);
    const { token } = await clients.client().auth.login({ email: ADMIN_EMAIL, password: adminPassword });
    return {
      baseUrl,
      adminToken: token,
      placement: 'shared',
      client: clients.client,
      serverCpuMs: () => undefined,
      async close() {
        await clients.closeAll();
        await server.close();
      },
    };
  } catch (error) {
    await server.close().catch(() => {});
    throw error;
  }
};

export type InProcessCatalog = {
  /** `products.create`'s own handler, called directly: decide, append with the inline projections, read the view. */
  createProduct(product: GeneratedProduct): Promise<{ id: string }>;
  catalog: CatalogQueries;
  pool: Pool;
  close(): Promise<void>;
};

/**
 * The same domain work as a `POST /api/products`, without HTTP or the SDK: an event store built
 * exactly as the server builds it (same inline projections, same pool size) on the same database,
 * driving the handler the route calls.
 */
export const startInProcessCatalog = async (databaseUrl: string, options: { pool?: Pool } = {}): Promise<InProcessCatalog> => {
  const pool = options.pool ?? createPool(databaseUrl);
  const eventStore = createEventStore(databaseUrl, pool, inlineProjections());
  // Done once here, as the server does at start, so the first timed append does not pay for it.
  await eventStore.schema.migrate();
  const catalog = catalogQueries(pool);
  const create = productHandlers({ eventStore, snapshots: snapshotStore(pool), catalog, stats: categoryStatsQueries(pool) })['products.create'];
  const actorId = randomUUID();

  return {
    async createProduct(product) {
      const requestId = randomUUID();
      const context: RequestContext = {
        // Authentication is the HTTP layer's work; the handler reads only the clock and the metadata.
        principal: undefined,
        requestId,
        now: new Date(),
        ip: '127.0.0.1',
        signal: new AbortController().signal,
        metadata: { correlationId: requestId, causationId: requestId, actorId, requestId, occurredAt: new Date().toISOString() },
        setStatus() {},
      };
      return create(product, context);
    },
    catalog,
    pool,
    async close() {
      await eventStore.close().catch(() => {});
      if (!options.pool) await pool.end().catch(() => {});
    },
  };
};

/** The server and the in-process catalog on one database, for a bench that compares them; `close` stops both. */
export const startServerAndCatalog = async (databaseUrl: string, placement: ServerPlacement) => {
  const server = await startBenchServer(databaseUrl, placement);
  const inProcess = await startInProcessCatalog(databaseUrl).catch(async (error: unknown) => {
    await server.close();
    throw error;
  });
  const close = async () => {
    await inProcess.close();
    await server.close();
  };
  return { server, inProcess, close };
};
