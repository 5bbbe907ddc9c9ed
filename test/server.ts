import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { expect } from 'vitest';
import { createShopClient, type ShopClient, type Transport } from '@eventshop/sdk';
import { errorResponses, operations, type OperationDefinition, type Role } from '@eventshop/sdk/contract';
import { fixedClock } from '../server/src/infra/clock.js';
import { loadConfig, type Config } from '../server/src/infra/config.js';
import { createServer, type RunningServer } from '../server/src/server.js';
import { createPool } from '../server/src/infra/database/pool.js';
import { createTestDatabase } from './database.js';

export const ADMIN_EMAIL = 'admin@test.local';
export const ADMIN_PASSWORD = 'admin-password-for-tests';
export const CUSTOMER_PASSWORD = 'customer-password-for-tests';

/** A signed-in account made for a test. */
export type TestUser = {
  id: string;
  email: string;
  password: string;
  token: string;
  /** `{ authorization: 'Bearer …' }`, ready to spread into inject headers. */
  headers: Record<string, string>;
};

export type TestServer = RunningServer & {
  clock: ReturnType<typeof fixedClock>;
  /** An admin bearer token. */
  adminToken(): Promise<string>;
  /** Sends the request and asserts it was refused with `status` (naming `field`, when given) and recorded no event of its own. */
  expectRefusedWithNothingAppended(
    request: () => Promise<{ statusCode: number; json(): any }>,
    status: number,
    field?: string,
  ): Promise<{ statusCode: number; json(): any }>;
  /** Counts rows in Emmett's message table: the number of events ever appended. */
  eventCount(): Promise<number>;
  /** An SDK client that talks to the app through `inject`, no socket needed. */
  client(options?: { token?: string; apiKey?: string }): ShopClient;
  /** Registers a customer (a fresh email unless given) and answers its token. */
  registerCustomer(details?: { email?: string; name?: string; password?: string; phone?: string }): Promise<TestUser>;
  /** A registered account that an admin then granted `roles`. */
  userWithRoles(roles: Role[]): Promise<TestUser>;
  /**
   * A real order of the customer whose token is given, for one product priced `price`: placed,
   * confirmed, its stock held by the fulfillment process, awaiting payment. Answers its id.
   */
  orderAwaitingPayment(token: string, price: { amount: number; currency: string }): Promise<string>;
  /** An admin-created API key with `role`; `key` is the secret, shown once. */
  createApiKey(role?: Role, name?: string): Promise<{ id: string; key: string; headers: Record<string, string> }>;
  /**
   * Statuses an operation answered in this test file that its contract does not list (see
   * errorResponses), as `operation id: status`. `close()` fails the file when there are any.
   */
  undocumentedAnswers(): string[];
  /** Runs SQL against the test's database, for assertions on what is stored. */
  query<Row extends pg.QueryResultRow = Record<string, unknown>>(text: string, values?: unknown[]): Promise<Row[]>;
};

/** The real server on its own fresh database, with a clock the test controls; `overrides` change its configuration, `options` how it is built. */
export const startTestServer = async (overrides: Partial<Config> = {}, options: NonNullable<Parameters<typeof createServer>[1]> = {}): Promise<TestServer> => {
  const clock = fixedClock('2026-11-24T12:00:00.000Z');
  const config = {
    ...loadConfig({}),
    databaseUrl: await createTestDatabase(),
    adminEmail: ADMIN_EMAIL,
    adminPassword: ADMIN_PASSWORD,
    jwtSecret: 'test-secret-test-secret-test-secret',
    // Tests register many accounts from one address under a clock that does not move; the limit has its own tests.
    signUpLimit: { perAddress: 1_000_000 },
    // Scheduled work runs only where a test asks for it, so tests control when it happens.
    scheduledTasks: false,
    ...overrides,
  };
  // Processors poll fast in tests, so waiting for them stays short.
  const server = await createServer(config, { clock, ...options, processorOptions: { idleMs: 20, leadershipPollMs: 200, ...options.processorOptions } });
  const undocumented = recordUndocumentedAnswers(server.app);
  let token: string | undefined;
  const bearer = (credential: string) => ({ authorization: `Bearer ${credential}` });
  let assertionPool: pg.Pool | undefined;

  const adminToken = async () => {
    if (token) return token;
    const response = await server.app.inject({ method: 'POST', url: '/api/users/login', payload: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD } });
    token = (response.json() as { token: string }).token;
    return token;
  };

  /** Rows in Emmett's message table: every event ever appended. Read on one shared pool. */
  const eventCount = async () => {
    assertionPool ??= createPool(server.databaseUrl, 2);
    const { rows } = await assertionPool.query<{ count: number }>('SELECT count(*)::int AS count FROM emt_messages');
    return rows[0]!.count;
  };

  const registerCustomer: TestServer['registerCustomer'] = async (details = {}) => {
    const email = details.email ?? `customer-${randomUUID()}@test.local`;
    const password = details.password ?? CUSTOMER_PASSWORD;
    const response = await server.app.inject({
      method: 'POST',
      url: '/api/users/register',
      payload: { email, password, name: details.name ?? 'Test Customer', ...(details.phone ? { phone: details.phone } : {}) },
    });
    if (response.statusCode !== 201) throw new Error(`registerCustomer: ${response.statusCode} ${response.body}`);
    const session = response.json() as { token: string; user: { id: string } };
    return { id: session.user.id, email, password, token: session.token, headers: bearer(session.token) };
  };

  return {
    ...server,
    async close() {
      await assertionPool?.end();
      await server.close();
      if (undocumented.size > 0) {
        throw new Error(
          `Operations answered statuses their contract does not list: ${[...undocumented].join(', ')}. ` +
            'Declare them in the operation’s `errors` (sdk/src/contract/) or in the rules of errorResponses.',
        );
      }
    },
    undocumentedAnswers: () => [...undocumented],
    clock,
    adminToken,
    async expectRefusedWithNothingAppended(request, status, field) {
      const before = await eventCount();
      const response = await request();
      expect(response.statusCode).toBe(status);
      if (field) expect(response.json().errors.map((e: { field: string }) => e.field)).toContain(field);
      if ((await eventCount()) !== before) {
        // Background work (the fulfillment process, say) may append meanwhile: what counts is that
        // nothing this request did was recorded, and every event a request records carries its id.
        const requestId = (response as { headers?: Record<string, unknown> }).headers?.['x-request-id'];
        expect(typeof requestId, 'events were appended meanwhile and the answer has no x-request-id to tell whose they are').toBe('string');
        const { rows } = await assertionPool!.query<{ type: string }>(
          `SELECT message_type AS type FROM emt_messages WHERE message_metadata->>'requestId' = $1 OR message_metadata->>'causationId' = $1`,
          [requestId],
        );
        expect(rows.map((row) => row.type), `events recorded by the refused request ${String(requestId)}`).toEqual([]);
      }
      return response;
    },
    eventCount,
    client(options = {}) {
      return createShopClient({ baseUrl: 'http://test.local', token: options.token, apiKey: options.apiKey, transport: injectTransport(server.app) });
    },
    registerCustomer,
    async query(text, values) {
      assertionPool ??= createPool(server.databaseUrl, 2);
      return (await assertionPool.query(text, values)).rows;
    },
    async userWithRoles(roles) {
      const user = await registerCustomer();
      const admin = bearer(await adminToken());
      for (const role of roles) {
        const granted = await server.app.inject({ method: 'POST', url: `/api/users/${user.id}/roles`, headers: admin, payload: { role } });
        if (granted.statusCode !== 200) throw new Error(`userWithRoles: ${granted.statusCode} ${granted.body}`);
      }
      // Roles are read from the account on each request, so the token from registering already carries them.
      return user;
    },
    async orderAwaitingPayment(customerToken, price) {
      const admin = createShopClient({ baseUrl: 'http://test.local', token: await adminToken(), transport: injectTransport(server.app) });
      const product = await admin.products.create({ name: 'Espresso cup', price, categoryId: 'kitchen' });
      await admin.products.setStock({ id: product.id, quantity: 10 });
      const customer = createShopClient({ baseUrl: 'http://test.local', token: customerToken, transport: injectTransport(server.app) });
      const address = { recipientName: 'Ada Lovelace', line1: '12 St James Square', city: 'London', postalCode: 'SW1Y 4JH', country: 'GB' };
      const order = await customer.orders.create({ items: [{ productId: product.id, quantity: 1 }], shippingAddress: address });
      await customer.orders.confirm({ id: order.id });
      // The process holds the stock after the confirmation commits; the order then awaits payment.
      for (const deadline = Date.now() + 30_000; (await customer.orders.get({ id: order.id })).status !== 'awaiting_payment'; ) {
        if (Date.now() > deadline) throw new Error(`orderAwaitingPayment: order ${order.id} never reached awaiting_payment`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      return order.id;
    },
    async createApiKey(role = 'service', name = 'Test key') {
      const response = await server.app.inject({ method: 'POST', url: '/api/api-keys', headers: bearer(await adminToken()), payload: { name, role } });
      if (response.statusCode !== 201) throw new Error(`createApiKey: ${response.statusCode} ${response.body}`);
      const created = response.json() as { id: string; key: string };
      return { id: created.id, key: created.key, headers: bearer(created.key) };
    },
  };
};

/**
 * Watches every answer of the app: an operation answering a status its contract does not list is
 * a gap in the OpenAPI document, so every test that drives the real app also checks the document.
 */
const recordUndocumentedAnswers = (app: FastifyInstance): Set<string> => {
  const byRoute = new Map<string, { id: string; statuses: Set<number> }>();
  for (const definition of Object.values(operations) as unknown as OperationDefinition[]) {
    const statuses = new Set([definition.successStatus ?? 200, ...Object.keys(errorResponses(definition)).map(Number)]);
    byRoute.set(`${definition.method} ${definition.path}`, { id: definition.id, statuses });
  }
  const undocumented = new Set<string>();
  app.addHook('onResponse', async (request, reply) => {
    const operation = byRoute.get(`${request.method} ${request.routeOptions.url}`);
    if (operation && !operation.statuses.has(reply.statusCode)) undocumented.add(`${operation.id}: ${reply.statusCode}`);
  });
  return undocumented;
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
