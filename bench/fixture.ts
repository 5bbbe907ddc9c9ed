import { randomBytes, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { createShopClient, type ShopClient, type Transport } from '@eventshop/sdk';
import { loadConfig } from '../server/src/infra/config.js';
import { createPool, type Pool } from '../server/src/infra/database/pool.js';
import { createEventStore } from '../server/src/infra/eventstore.js';
import type { RequestContext } from '../server/src/infra/http/operations.js';
import { productHandlers } from '../server/src/modules/products/handlers.js';
import { catalogQueries, type CatalogQueries } from '../server/src/modules/products/projections.js';
import { createServer, inlineProjections } from '../server/src/server.js';
import type { GeneratedProduct } from './catalog-data.js';

const ADMIN_EMAIL = 'bench-admin@eventshop.local';

export type BenchServer = {
  baseUrl: string;
  adminToken: string;
  /** One SDK client per simulated client: its own undici keep-alive pool, as separate callers would have. */
  client(token?: string, transport?: Transport): ShopClient;
  close(): Promise<void>;
};

/**
 * The real server, as `npm start` builds it (createServer: migrations, event store with the
 * inline read models, auth, idempotency, every route), listening on loopback with logging off.
 */
export const startBenchServer = async (databaseUrl: string): Promise<BenchServer> => {
  const adminPassword = randomBytes(18).toString('base64url');
  const config = {
    ...loadConfig({}),
    databaseUrl,
    adminEmail: ADMIN_EMAIL,
    adminPassword,
    jwtSecret: randomBytes(32).toString('base64url'),
  };
  const server = await createServer(config, { logger: false });
  const clients: ShopClient[] = [];
  try {
    await server.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = server.app.server.address() as AddressInfo;
    const baseUrl = `http://127.0.0.1:${port}`;
    // No retries: a failure must show up in the figures, not hide inside a slower success.
    const client = (token?: string, transport?: Transport) => {
      const created = createShopClient({ baseUrl, token, retries: 0, transport });
      clients.push(created);
      return created;
    };
    const { token } = await client().auth.login({ email: ADMIN_EMAIL, password: adminPassword });
    return {
      baseUrl,
      adminToken: token,
      client,
      async close() {
        await Promise.all(clients.map((each) => each.close().catch(() => {})));
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
  const create = productHandlers({ eventStore, catalog })['products.create'];
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
        metadata: { correlationId: requestId, causationId: requestId, actorId, requestId },
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
