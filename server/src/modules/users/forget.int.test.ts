import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createShopClient } from '@eventshop/sdk';
import type { PostgresEventStore } from '@event-driven-io/emmett-postgresql';
import { createPool, type Pool } from '../../infra/database/pool.js';
import { createEventStore } from '../../infra/eventstore.js';
import { FORGOTTEN, isSealed } from '../../infra/privacy/personal-data.js';
import { inlineProjections } from '../../server.js';
import { injectTransport, startTestServer, type TestServer } from '../../../../test/server.js';
import { userCommandRunner } from './commands.js';
import { completeInterruptedErasures } from './erasure.js';
import { userHistory } from './history.js';

let server: TestServer;
let pool: Pool;
/** The same event store the server builds, to read history (and append, in the crash test) as the server would. */
let eventStore: PostgresEventStore;
let admin: Record<string, string>;

beforeAll(async () => {
  server = await startTestServer();
  pool = createPool(server.databaseUrl, 4);
  eventStore = createEventStore(server.databaseUrl, pool, inlineProjections());
  admin = { authorization: `Bearer ${await server.adminToken()}` };
});
afterAll(async () => {
  await eventStore?.close().catch(() => {});
  await pool?.end().catch(() => {});
  await server?.close();
});

/** Every row of every table the server writes, as text: the read models, the log, the side tables. */
const everyRowAsText = async (): Promise<{ table: string; row: string }[]> => {
  const tables = await server.query<{ name: string }>(
    `SELECT quote_ident(table_name) AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`,
  );
  const rows: { table: string; row: string }[] = [];
  for (const { name } of tables) {
    for (const { row } of await server.query<{ row: string }>(`SELECT t::text AS row FROM ${name} t`)) rows.push({ table: name, row });
  }
  return rows;
};

const rowsMentioning = (rows: { table: string; row: string }[], secrets: string[]) =>
  rows.filter(({ row }) => secrets.some((secret) => row.toLowerCase().includes(secret.toLowerCase())));

describe('forgetting an account (DELETE /api/users/profile)', () => {
  const original = { name: 'Zebulon Quixotic-Marchbanks', email: 'zebulon.quixotic@forget.example', phone: '+15550001234' };
  const renamed = { name: 'Zeb Q. Marchbanks', email: 'zq.marchbanks@forget.example', phone: '+15550009876' };
  const street = '742 Evergreen Terrace Xylophone';
  const secrets = [original.name, original.email, original.phone, renamed.name, renamed.email, renamed.phone, 'Zebulon', street, 'XY1 2QZ'];
  let userId: string;
  let token: string;
  let versionBeforeForgetting: number;
  let rowsBefore: { table: string; row: string }[];

  beforeAll(async () => {
    const anonymous = server.client();
    const session = await anonymous.users.register({ ...original, password: 'zebulon-secret-password' });
    userId = session.user.id;
    token = session.token;
    // The SDK sends an Idempotency-Key with every command, so the answers, PII included, are remembered.
    const client = server.client({ token: session.token });
    await client.users.addAddress({ recipientName: original.name, line1: street, city: 'Springfield', postalCode: 'XY1 2QZ', country: 'US' });
    await client.users.addAddress({ recipientName: renamed.name, line1: '1 Other Street', line2: street, city: 'Shelbyville', postalCode: 'XY1 2QZ', country: 'US' });
    await client.users.updateProfile({ name: renamed.name });
    await client.users.updateProfile({ email: renamed.email, phone: renamed.phone });
    const last = await client.users.updateProfile({ name: `${renamed.name} Jr` });
    versionBeforeForgetting = last.version;
    // An admin's remembered answer quotes the account too.
    await server.app.inject({ method: 'POST', url: `/api/users/${userId}/roles`, headers: { ...admin, 'idempotency-key': 'grant-to-zebulon-1' }, payload: { role: 'operator' } });

    rowsBefore = await everyRowAsText();
    const forgotten = await client.users.forget();
    expect(forgotten).toMatchObject({ id: userId, status: 'forgotten', name: FORGOTTEN, email: FORGOTTEN, phone: null });
  });

  it('finds the personal data before forgetting, so the search below can fail', () => {
    const tables = new Set(rowsMentioning(rowsBefore, secrets).map((r) => r.table));
    expect(tables).toEqual(new Set(['user_accounts', 'user_addresses', 'user_credentials', 'idempotency_keys']));
  });

  it('leaves no row of any table containing the name, email, phone or address as text', async () => {
    expect(rowsMentioning(await everyRowAsText(), [...secrets, `${renamed.name} Jr`])).toEqual([]);
  });

  it('leaves the user stream in the log, with its personal fields readable only as the placeholder', async () => {
    const events = await userHistory({ eventStore: eventStore, db: pool }).events(userId);
    expect(events.map((e) => e.type)).toEqual([
      'UserRegistered',
      'ShippingAddressAdded',
      'DefaultShippingAddressSet',
      'ShippingAddressAdded',
      'UserProfileChanged',
      'UserProfileChanged',
      'UserProfileChanged',
      'UserRoleGranted',
      'UserForgotten',
    ]);
    const registered = events[0]!;
    expect(registered.data).toMatchObject({ userId, email: FORGOTTEN, name: FORGOTTEN, phone: FORGOTTEN, roles: ['customer'] });
    expect(events[1]!.data).toMatchObject({ recipientName: FORGOTTEN, line1: FORGOTTEN, city: FORGOTTEN, postalCode: FORGOTTEN, country: 'US' });
    expect(rowsMentioning([{ table: 'events', row: JSON.stringify(events.map((e) => e.data)) }], secrets)).toEqual([]);
  });

  it('keeps the sealed values in the log itself: history is not rewritten, only unreadable', async () => {
    const { events } = await eventStore.readStream(`user-${userId}`);
    expect(isSealed((events[0]!.data as Record<string, unknown>).email)).toBe(true);
  });

  it('shows no personal data to an admin, in the list or the account', async () => {
    const list = await server.app.inject({ url: '/api/users?status=forgotten&limit=100', headers: admin });
    const account = await server.app.inject({ url: `/api/users/${userId}`, headers: admin });
    expect(account.json()).toMatchObject({ status: 'forgotten', name: FORGOTTEN, email: FORGOTTEN, phone: null });
    expect(list.json().items.map((u: { id: string }) => u.id)).toContain(userId);
    expect(rowsMentioning([{ table: 'list', row: list.body }, { table: 'account', row: account.body }], secrets)).toEqual([]);
  });

  it('shows no personal data at any earlier version (time travel)', async () => {
    const history = userHistory({ eventStore: eventStore, db: pool });
    for (let version = 1; version <= versionBeforeForgetting; version++) {
      const { state } = await history.stateAt(userId, version);
      expect(state).toMatchObject({ status: 'active', name: FORGOTTEN, email: FORGOTTEN });
      expect(rowsMentioning([{ table: `v${version}`, row: JSON.stringify(state) }], secrets)).toEqual([]);
    }
  });

  it('refuses the account’s token and its password from now on', async () => {
    await expect(server.client({ token }).users.profile()).rejects.toMatchObject({ status: 401 });
    const client = createShopClient({ baseUrl: 'http://test.local', transport: injectTransport(server.app) });
    await expect(client.auth.login({ email: original.email, password: 'zebulon-secret-password' })).rejects.toMatchObject({ status: 401 });
    await expect(client.auth.login({ email: renamed.email, password: 'zebulon-secret-password' })).rejects.toMatchObject({ status: 401 });
  });

  it('frees the email to register again, as a new account', async () => {
    const again = await server.client().users.register({ ...original, password: 'a second life password' });
    expect(again.user.id).not.toBe(userId);
    expect(again.user.email).toBe(original.email);
  });
});

describe('reading history while the key exists', () => {
  it('opens the sealed fields, at every version', async () => {
    const user = await server.registerCustomer({ name: 'Readable Rita' });
    await server.app.inject({ method: 'PUT', url: '/api/users/profile', headers: user.headers, payload: { name: 'Readable Rita II' } });
    const history = userHistory({ eventStore: eventStore, db: pool });
    expect((await history.stateAt(user.id, 1)).state).toMatchObject({ name: 'Readable Rita', email: user.email });
    expect((await history.stateAt(user.id, 2)).state).toMatchObject({ name: 'Readable Rita II' });
  });
});

describe('a forgetting interrupted after it was recorded', () => {
  it('is finished at the next start: key and credentials go, and the token is already refused', async () => {
    const user = await server.registerCustomer({ name: 'Interrupted Ivo' });
    const runUserCommand = userCommandRunner({ pool, eventStore: eventStore });
    await runUserCommand({ type: 'ForgetUser', data: { userId: user.id, now: server.clock.now() } }, {
      metadata: { correlationId: 'crash-test', causationId: 'crash-test', actorId: user.id, requestId: 'crash-test', occurredAt: server.clock.now().toISOString() },
    });
    expect((await server.app.inject({ url: '/api/users/profile', headers: user.headers })).statusCode).toBe(401);
    expect(await server.query('SELECT 1 FROM user_keys WHERE user_id = $1', [user.id])).toHaveLength(1);

    expect(await completeInterruptedErasures(pool)).toBe(1);
    expect(await server.query('SELECT 1 FROM user_keys WHERE user_id = $1', [user.id])).toEqual([]);
    expect(await server.query('SELECT 1 FROM user_credentials WHERE user_id = $1', [user.id])).toEqual([]);
    expect(await completeInterruptedErasures(pool)).toBe(0);
  });
});
