import type { FastifyInstance } from 'fastify';
import { createShopClient, type ShopClient, type Transport } from '@eventshop/sdk';
import { fixedClock } from '../server/src/infra/clock.js';
import { loadConfig } from '../server/src/infra/config.js';
import { createServer, type RunningServer } from '../server/src/server.js';
import { createTestDatabase } from './database.js';

export const ADMIN_EMAIL = 'admin@test.local';
export const ADMIN_PASSWORD = 'admin-password-for-tests';

export type TestServer = RunningServer & {
  clock: ReturnType<typeof fixedClock>;
  /** An admin bearer token. */
  adminToken(): Promise<string>;
  /** Counts rows in Emmett's message table: the number of events ever appended. */
  eventCount(): Promise<number>;
  /** An SDK client that talks to the app through `inject`, no socket needed. */
  client(options?: { token?: string }): ShopClient;
};

/** The real server on its own fresh database, with a clock the test controls. */
export const startTestServer = async (): Promise<TestServer> => {
  const clock = fixedClock('2026-11-24T12:00:00.000Z');
  const config = {
    ...loadConfig({}),
    databaseUrl: await createTestDatabase(),
    adminEmail: ADMIN_EMAIL,
    adminPassword: ADMIN_PASSWORD,
    jwtSecret: 'test-secret-test-secret-test-secret',
  };
  const server = await createServer(config, { clock });
  let token: string | undefined;
  return {
    ...server,
    clock,
    async adminToken() {
      if (token) return token;
      const response = await server.app.inject({ method: 'POST', url: '/api/users/login', payload: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD } });
      token = (response.json() as { token: string }).token;
      return token;
    },
    async eventCount() {
      const { createPool } = await import('../server/src/infra/database/pool.js');
      const pool = createPool(server.databaseUrl, 1);
      try {
        const { rows } = await pool.query<{ count: number }>('SELECT count(*)::int AS count FROM emt_messages');
        return rows[0]!.count;
      } finally {
        await pool.end();
      }
    },
    client(options = {}) {
      return createShopClient({ baseUrl: 'http://test.local', token: options.token, transport: injectTransport(server.app) });
    },
  };
};

/** Routes SDK requests into Fastify's inject: the full HTTP stack without a socket. */
export const injectTransport = (app: FastifyInstance): Transport => ({
  async request(req) {
    const url = new URL(req.url);
    const response = await app.inject({
      method: req.method as 'GET',
      url: url.pathname + url.search,
      headers: req.headers,
      ...(req.body !== undefined ? { payload: req.body } : {}),
    });
    return { status: response.statusCode, headers: response.headers as Record<string, string>, body: response.body };
  },
});
