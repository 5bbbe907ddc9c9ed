import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_EMAIL, ADMIN_PASSWORD, CUSTOMER_PASSWORD, startTestServer, type TestServer } from '../../../../test/server.js';

let server: TestServer;
let admin: Record<string, string>;
let adminId: string;

beforeAll(async () => {
  server = await startTestServer();
  admin = { authorization: `Bearer ${await server.adminToken()}` };
  adminId = (await server.app.inject({ url: '/api/users/profile', headers: admin })).json().id;
});
afterAll(() => server?.close());

/** Sign-ins come from their own address unless a test is about addresses, so the per-address limit stays out of the way. */
const login = (email: string, password: string, remoteAddress = `10.1.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`) =>
  server.app.inject({ method: 'POST', url: '/api/users/login', payload: { email, password }, remoteAddress });

const uniqueEmail = (label = 'user') => `${label}-${randomUUID()}@test.local`;

describe('POST /api/users/register', () => {
  it('creates a customer account and signs it in: 201 with a working token', async () => {
    const email = uniqueEmail('Ada');
    const response = await server.app.inject({
      method: 'POST',
      url: '/api/users/register',
      payload: { email, password: 'correct horse battery staple', name: 'Ada Lovelace', phone: '+447700900123' },
    });
    expect(response.statusCode).toBe(201);
    const session = response.json();
    expect(session.user).toMatchObject({ email, name: 'Ada Lovelace', phone: '+447700900123', roles: ['customer'], status: 'active', version: 1 });
    const profile = await server.app.inject({ url: '/api/users/profile', headers: { authorization: `Bearer ${session.token}` } });
    expect(profile.json()).toMatchObject({ id: session.user.id, email });
  });

  it('keeps the password out of the event log and seals the email there', async () => {
    const email = uniqueEmail('sealed');
    const user = await server.registerCustomer({ email, password: 'a-password-nobody-logs-1234' });
    const [row] = await server.query<{ data: string }>(`SELECT message_data::text AS data FROM emt_messages WHERE stream_id = $1`, [`user-${user.id}`]);
    expect(row!.data).not.toContain('a-password-nobody-logs-1234');
    expect(row!.data).not.toContain(email);
    expect(row!.data).toContain('aes-256-gcm:v1');
  });

  const valid = { email: 'valid@test.local', password: 'long enough password', name: 'Val Id' };
  it.each([
    ['a short password', { ...valid, password: 'short-pass' }, 'password'],
    ['a missing password', { ...valid, password: undefined }, 'password'],
    ['a malformed email', { ...valid, email: 'not-an-email' }, 'email'],
    ['an empty name', { ...valid, name: '   ' }, 'name'],
    ['a phone without country code', { ...valid, phone: '07700 900123' }, 'phone'],
    ['a role (nobody picks their own)', { ...valid, roles: ['admin'] }, 'roles'],
    ['an unknown field', { ...valid, nickname: 'v' }, 'nickname'],
  ])('refuses %s with 400 and appends nothing', async (_label, payload, field) => {
    await server.expectRefusedWithNothingAppended(() => server.app.inject({ method: 'POST', url: '/api/users/register', payload }), 400, field);
  });

  it('refuses an email that is taken, whatever its letter case: 409', async () => {
    const email = uniqueEmail('taken');
    await server.registerCustomer({ email });
    const response = await server.expectRefusedWithNothingAppended(
      () => server.app.inject({ method: 'POST', url: '/api/users/register', payload: { ...valid, email: email.toUpperCase() } }),
      409,
    );
    expect(response.json().code).toBe('email_taken');
  });

  it('gives one account to 20 concurrent registrations of one email in varied case', async () => {
    const local = `racer-${randomUUID()}`;
    const spellings = Array.from({ length: 20 }, (_, i) => `${i % 2 ? local.toUpperCase() : local}@${i % 3 ? 'Test.Local' : 'test.local'}`);
    const streamsBefore = await server.query<{ count: number }>(`SELECT count(*)::int AS count FROM emt_streams WHERE stream_id LIKE 'user-%'`);
    const responses = await Promise.all(
      spellings.map((email) => server.app.inject({ method: 'POST', url: '/api/users/register', payload: { ...valid, email } })),
    );
    const statuses = responses.map((r) => r.statusCode).sort();
    // One wins; the others find the email taken, or (past the password-hashing queue) are told to come back.
    expect(statuses.filter((status) => status === 201)).toHaveLength(1);
    expect(statuses.filter((status) => status !== 201 && status !== 409 && status !== 429)).toEqual([]);
    expect(statuses).toContain(409);
    const accounts = await server.query(`SELECT id FROM user_accounts WHERE lower(email) = $1`, [`${local}@test.local`]);
    expect(accounts).toHaveLength(1);
    const streamsAfter = await server.query<{ count: number }>(`SELECT count(*)::int AS count FROM emt_streams WHERE stream_id LIKE 'user-%'`);
    expect(streamsAfter[0]!.count).toBe(streamsBefore[0]!.count + 1);
    const keys = await server.query(`SELECT 1 FROM user_keys k LEFT JOIN user_accounts a ON a.id = k.user_id WHERE a.id IS NULL`);
    expect(keys).toEqual([]);
  });
});

describe('POST /api/users/login', () => {
  it('answers an unknown email and a wrong password alike', async () => {
    const user = await server.registerCustomer();
    const unknown = await login(uniqueEmail('nobody'), 'whatever password');
    const wrong = await login(user.email, 'not the password at all');
    expect(unknown.statusCode).toBe(401);
    expect(wrong.statusCode).toBe(401);
    const { requestId: _a, ...unknownBody } = unknown.json();
    const { requestId: _b, ...wrongBody } = wrong.json();
    expect(unknownBody).toEqual(wrongBody);
  });

  it('signs in with any letter case of the email', async () => {
    const user = await server.registerCustomer();
    const response = await login(user.email.toUpperCase(), user.password);
    expect(response.statusCode).toBe(200);
    expect(response.json().user.id).toBe(user.id);
  });

  it('refuses an account after 5 failures for 15 minutes, with Retry-After, then lets it in', async () => {
    const user = await server.registerCustomer();
    for (let attempt = 0; attempt < 5; attempt++) expect((await login(user.email, 'wrong password here')).statusCode).toBe(401);
    const locked = await login(user.email, user.password);
    expect(locked.statusCode).toBe(429);
    expect(Number(locked.headers['retry-after'])).toBe(15 * 60);
    server.clock.advance(10 * 60_000);
    expect((await login(user.email, user.password)).statusCode).toBe(429);
    expect(Number((await login(user.email, user.password)).headers['retry-after'])).toBe(5 * 60);
    server.clock.advance(5 * 60_000);
    expect((await login(user.email, user.password)).statusCode).toBe(200);
  });

  it('counts failures for unknown emails too, so a 429 does not reveal that an account exists', async () => {
    const nobody = uniqueEmail('ghost');
    for (let attempt = 0; attempt < 5; attempt++) await login(nobody, 'some password 123');
    expect((await login(nobody, 'some password 123')).statusCode).toBe(429);
  });

  it('clears the failure count on a success', async () => {
    const user = await server.registerCustomer();
    for (let attempt = 0; attempt < 4; attempt++) await login(user.email, 'wrong password here');
    expect((await login(user.email, user.password)).statusCode).toBe(200);
    for (let attempt = 0; attempt < 4; attempt++) expect((await login(user.email, 'wrong password here')).statusCode).toBe(401);
    expect((await login(user.email, user.password)).statusCode).toBe(200);
  });

  it('refuses more than 20 attempts a minute from one address, then resets with the window', async () => {
    const address = '192.0.2.77';
    const user = await server.registerCustomer();
    for (let attempt = 0; attempt < 20; attempt++) expect((await login(uniqueEmail('spray'), 'some password 123', address)).statusCode).toBe(401);
    const limited = await login(user.email, user.password, address);
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    server.clock.advance(60_000);
    expect((await login(user.email, user.password, address)).statusCode).toBe(200);
  });

  it('refuses a disabled account with the right password, as a wrong password', async () => {
    const user = await server.registerCustomer();
    await server.app.inject({ method: 'POST', url: `/api/users/${user.id}/disable`, headers: admin });
    const response = await login(user.email, user.password);
    expect(response.statusCode).toBe(401);
    expect(response.json().code).toBe('invalid_credentials');
  });
});

describe('GET and PUT /api/users/profile', () => {
  it('reads and changes only the caller’s own profile, with ETag and If-Match', async () => {
    const user = await server.registerCustomer({ name: 'Grace Hopper' });
    const read = await server.app.inject({ url: '/api/users/profile', headers: user.headers });
    expect(read.headers.etag).toBe('"1"');
    const changed = await server.app.inject({
      method: 'PUT',
      url: '/api/users/profile',
      headers: { ...user.headers, 'if-match': '"1"' },
      payload: { name: 'Rear Admiral Grace Hopper', phone: '+12025550123' },
    });
    expect(changed.statusCode).toBe(200);
    expect(changed.json()).toMatchObject({ id: user.id, name: 'Rear Admiral Grace Hopper', phone: '+12025550123', version: 2 });
    expect(changed.headers.etag).toBe('"2"');
    const cleared = await server.app.inject({ method: 'PUT', url: '/api/users/profile', headers: user.headers, payload: { phone: null } });
    expect(cleared.json()).toMatchObject({ phone: null, version: 3 });
  });

  it('refuses a stale If-Match with 412 and appends nothing', async () => {
    const user = await server.registerCustomer();
    await server.app.inject({ method: 'PUT', url: '/api/users/profile', headers: user.headers, payload: { name: 'Second' } });
    const response = await server.expectRefusedWithNothingAppended(
      () => server.app.inject({ method: 'PUT', url: '/api/users/profile', headers: { ...user.headers, 'if-match': '"1"' }, payload: { name: 'Third' } }),
      412,
    );
    expect(response.json().currentVersion).toBe(2);
  });

  it('changes the email, frees the old one and signs in with the new', async () => {
    const user = await server.registerCustomer();
    const next = uniqueEmail('moved');
    const response = await server.app.inject({ method: 'PUT', url: '/api/users/profile', headers: user.headers, payload: { email: next } });
    expect(response.json().email).toBe(next);
    expect((await login(next, user.password)).statusCode).toBe(200);
    expect((await login(user.email, user.password)).statusCode).toBe(401);
    await server.registerCustomer({ email: user.email });
  });

  it('refuses an email another account holds: 409, nothing appended, own email kept', async () => {
    const holder = await server.registerCustomer();
    const user = await server.registerCustomer();
    const response = await server.expectRefusedWithNothingAppended(
      () => server.app.inject({ method: 'PUT', url: '/api/users/profile', headers: user.headers, payload: { email: holder.email.toUpperCase() } }),
      409,
    );
    expect(response.json().code).toBe('email_taken');
    expect((await login(user.email, user.password)).statusCode).toBe(200);
  });

  it('puts the email back when the change is refused for a stale version', async () => {
    const user = await server.registerCustomer();
    const next = uniqueEmail('stale');
    await server.app.inject({ method: 'PUT', url: '/api/users/profile', headers: user.headers, payload: { name: 'Moved on' } });
    const response = await server.app.inject({ method: 'PUT', url: '/api/users/profile', headers: { ...user.headers, 'if-match': '"1"' }, payload: { email: next } });
    expect(response.statusCode).toBe(412);
    expect((await login(user.email, user.password)).statusCode).toBe(200);
    await server.registerCustomer({ email: next });
  });

  it.each([
    ['a malformed email', { email: 'nope' }, 'email'],
    ['an empty name', { name: '' }, 'name'],
    ['a malformed phone', { phone: '12' }, 'phone'],
    ['a role', { roles: ['admin'] }, 'roles'],
    ['an id', { id: randomUUID() }, 'id'],
  ])('refuses %s with 400 and appends nothing', async (_label, payload, field) => {
    const user = await server.registerCustomer();
    await server.expectRefusedWithNothingAppended(() => server.app.inject({ method: 'PUT', url: '/api/users/profile', headers: user.headers, payload }), 400, field);
  });

  it('needs a token: 401', async () => {
    expect((await server.app.inject({ url: '/api/users/profile' })).statusCode).toBe(401);
    await server.expectRefusedWithNothingAppended(() => server.app.inject({ method: 'PUT', url: '/api/users/profile', payload: { name: 'x' } }), 401);
  });
});

describe('PUT /api/users/password', () => {
  it('needs the current password, kills every earlier token at once and answers a fresh one', async () => {
    const user = await server.registerCustomer();
    const second = (await login(user.email, user.password)).json().token as string;
    const response = await server.app.inject({
      method: 'PUT',
      url: '/api/users/password',
      headers: user.headers,
      payload: { currentPassword: user.password, newPassword: 'a brand new passphrase' },
    });
    expect(response.statusCode).toBe(200);
    const fresh = response.json().token as string;
    for (const old of [user.token, second]) {
      const refused = await server.app.inject({ url: '/api/users/profile', headers: { authorization: `Bearer ${old}` } });
      expect(refused.statusCode).toBe(401);
      expect(refused.json().code).toBe('token_revoked');
    }
    expect((await server.app.inject({ url: '/api/users/profile', headers: { authorization: `Bearer ${fresh}` } })).statusCode).toBe(200);
    expect((await login(user.email, user.password)).statusCode).toBe(401);
    expect((await login(user.email, 'a brand new passphrase')).statusCode).toBe(200);
  });

  it('refuses a wrong current password with 400 on that field, and appends nothing', async () => {
    const user = await server.registerCustomer();
    await server.expectRefusedWithNothingAppended(
      () =>
        server.app.inject({
          method: 'PUT',
          url: '/api/users/password',
          headers: user.headers,
          payload: { currentPassword: 'not my password', newPassword: 'a brand new passphrase' },
        }),
      400,
      'currentPassword',
    );
    expect((await server.app.inject({ url: '/api/users/profile', headers: user.headers })).statusCode).toBe(200);
  });

  it('counts wrong current passwords against the account’s sign-in limit', async () => {
    const user = await server.registerCustomer();
    const attempt = () =>
      server.app.inject({ method: 'PUT', url: '/api/users/password', headers: user.headers, payload: { currentPassword: 'guess guess', newPassword: 'a brand new passphrase' } });
    for (let i = 0; i < 5; i++) expect((await attempt()).statusCode).toBe(400);
    expect((await attempt()).statusCode).toBe(429);
  });

  it.each([
    ['a new password under 12 characters', { currentPassword: CUSTOMER_PASSWORD, newPassword: 'too-short' }, 'newPassword'],
    ['no current password', { newPassword: 'a brand new passphrase' }, 'currentPassword'],
  ])('refuses %s with 400 and appends nothing', async (_label, payload, field) => {
    const user = await server.registerCustomer();
    await server.expectRefusedWithNothingAppended(() => server.app.inject({ method: 'PUT', url: '/api/users/password', headers: user.headers, payload }), 400, field);
  });
});

describe('administration', () => {
  it('lists accounts a page at a time, filtered by role', async () => {
    const operator = await server.userWithRoles(['operator']);
    const page = (await server.app.inject({ url: '/api/users?role=operator&limit=100', headers: admin })).json();
    expect(page.items.map((u: { id: string }) => u.id)).toContain(operator.id);
    expect(page.items.every((u: { roles: string[] }) => u.roles.includes('operator'))).toBe(true);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const url: string = `/api/users?limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const next = (await server.app.inject({ url, headers: admin })).json();
      seen.push(...next.items.map((u: { id: string }) => u.id));
      cursor = next.nextCursor;
    } while (cursor);
    const total = await server.query<{ count: number }>('SELECT count(*)::int AS count FROM user_accounts');
    expect(new Set(seen).size).toBe(total[0]!.count);
    expect(seen).toHaveLength(total[0]!.count);
  });

  it.each([
    ['/api/users?limit=0', 'limit'],
    ['/api/users?role=superuser', 'role'],
    ['/api/users?status=asleep', 'status'],
    ['/api/users?cursor=garbage', 'cursor'],
    [`/api/users?cursor=${Buffer.from(JSON.stringify(['1', randomUUID()])).toString('base64url')}`, 'cursor'],
    ['/api/users/not-a-uuid', 'id'],
  ])('refuses %s with a 400 naming %s', async (url, field) => {
    const response = await server.app.inject({ url, headers: admin });
    expect(response.statusCode).toBe(400);
    expect(response.json().errors.map((e: { field: string }) => e.field)).toContain(field);
  });

  it('answers 404 for an unknown account, and appends nothing changing it', async () => {
    const id = randomUUID();
    expect((await server.app.inject({ url: `/api/users/${id}`, headers: admin })).statusCode).toBe(404);
    await server.expectRefusedWithNothingAppended(
      () => server.app.inject({ method: 'POST', url: `/api/users/${id}/roles`, headers: admin, payload: { role: 'operator' } }),
      404,
    );
  });

  it('grants a role that works on the holder’s very next request, and revokes it as fast', async () => {
    const user = await server.registerCustomer();
    const before = await server.app.inject({ url: '/api/users', headers: user.headers });
    expect(before.statusCode).toBe(403);
    const granted = await server.app.inject({ method: 'POST', url: `/api/users/${user.id}/roles`, headers: admin, payload: { role: 'admin' } });
    expect(granted.json()).toMatchObject({ roles: ['customer', 'admin'], version: 2 });
    expect((await server.app.inject({ url: '/api/users', headers: user.headers })).statusCode).toBe(200);
    const revoked = await server.app.inject({ method: 'DELETE', url: `/api/users/${user.id}/roles/admin`, headers: admin });
    expect(revoked.json().roles).toEqual(['customer']);
    expect((await server.app.inject({ url: '/api/users', headers: user.headers })).statusCode).toBe(403);
  });

  it('records who granted a role', async () => {
    const user = await server.registerCustomer();
    await server.app.inject({ method: 'POST', url: `/api/users/${user.id}/roles`, headers: admin, payload: { role: 'operator' } });
    const [row] = await server.query<{ data: { grantedBy: string }; metadata: { actorId: string } }>(
      `SELECT message_data AS data, message_metadata AS metadata FROM emt_messages WHERE stream_id = $1 AND message_type = 'UserRoleGranted'`,
      [`user-${user.id}`],
    );
    expect(row!.data.grantedBy).toBe(adminId);
    expect(row!.metadata.actorId).toBe(adminId);
  });

  it('refuses an admin revoking their own admin role or disabling themselves: 409, nothing appended', async () => {
    const revoke = await server.expectRefusedWithNothingAppended(
      () => server.app.inject({ method: 'DELETE', url: `/api/users/${adminId}/roles/admin`, headers: admin }),
      409,
    );
    expect(revoke.json().detail).toBe('You cannot revoke your own admin role');
    const disable = await server.expectRefusedWithNothingAppended(
      () => server.app.inject({ method: 'POST', url: `/api/users/${adminId}/disable`, headers: admin }),
      409,
    );
    expect(disable.json().detail).toBe('You cannot disable your own account');
  });

  it('disables an account: its existing token is refused at once; enabling does not revive it', async () => {
    const user = await server.registerCustomer();
    expect((await server.app.inject({ url: '/api/users/profile', headers: user.headers })).statusCode).toBe(200);
    const disabled = await server.app.inject({ method: 'POST', url: `/api/users/${user.id}/disable`, headers: admin });
    expect(disabled.json()).toMatchObject({ status: 'disabled' });
    const refused = await server.app.inject({ url: '/api/users/profile', headers: user.headers });
    expect(refused.statusCode).toBe(401);
    expect(refused.json().code).toBe('account_disabled');
    await server.expectRefusedWithNothingAppended(
      () => server.app.inject({ method: 'PUT', url: '/api/users/profile', headers: user.headers, payload: { name: 'Sneaky' } }),
      401,
    );

    const again = await server.app.inject({ method: 'POST', url: `/api/users/${user.id}/disable`, headers: admin });
    expect(again.statusCode).toBe(409);
    expect((await server.app.inject({ method: 'POST', url: `/api/users/${user.id}/enable`, headers: admin })).json().status).toBe('active');
    expect((await server.app.inject({ url: '/api/users/profile', headers: user.headers })).json().code).toBe('token_revoked');
    expect((await login(user.email, user.password)).statusCode).toBe(200);
  });

  it('honours If-Match on admin changes', async () => {
    const user = await server.registerCustomer();
    await server.expectRefusedWithNothingAppended(
      () => server.app.inject({ method: 'POST', url: `/api/users/${user.id}/disable`, headers: { ...admin, 'if-match': '"7"' } }),
      412,
    );
  });

  it.each([
    ['a role outside the list', { role: 'root' }, 'role'],
    ['no role', {}, 'role'],
    ['an extra field', { role: 'operator', reason: 'because' }, 'reason'],
  ])('refuses granting %s with 400 and appends nothing', async (_label, payload, field) => {
    const user = await server.registerCustomer();
    await server.expectRefusedWithNothingAppended(
      () => server.app.inject({ method: 'POST', url: `/api/users/${user.id}/roles`, headers: admin, payload }),
      400,
      field,
    );
  });

  it('refuses revoking a role outside the list with 400', async () => {
    const user = await server.registerCustomer();
    await server.expectRefusedWithNothingAppended(() => server.app.inject({ method: 'DELETE', url: `/api/users/${user.id}/roles/root`, headers: admin }), 400, 'role');
  });
});

describe('bad input on the remaining routes', () => {
  it.each([
    ['login with a malformed email', 'POST', '/api/users/login', { email: 'nope', password: 'x' }, 'email'],
    ['login with an extra field', 'POST', '/api/users/login', { email: 'a@b.io', password: 'x', remember: true }, 'remember'],
    ['a profile read with a query', 'GET', '/api/users/profile?id=3f1c2a4e-7b9d-4e8a-9c1f-2d3e4f5a6b7c', undefined, 'id'],
    ['a forget with a body', 'DELETE', '/api/users/profile', { confirm: true }, '(body)'],
    ['a forget with a user id in the query', 'DELETE', '/api/users/profile?userId=3f1c2a4e-7b9d-4e8a-9c1f-2d3e4f5a6b7c', undefined, 'userId'],
    ['disabling an id that is not a UUID', 'POST', '/api/users/not-a-uuid/disable', undefined, 'id'],
    ['enabling with a body field', 'POST', '/api/users/3f1c2a4e-7b9d-4e8a-9c1f-2d3e4f5a6b7c/enable', { reason: 'x' }, 'reason'],
  ] as const)('refuses %s with 400 and appends nothing', async (_label, method, url, payload, field) => {
    const user = await server.registerCustomer();
    const headers = url.includes('/disable') || url.includes('/enable') ? admin : user.headers;
    await server.expectRefusedWithNothingAppended(() => server.app.inject({ method, url, headers, ...(payload ? { payload } : {}) }), 400, field);
    expect((await server.app.inject({ url: '/api/users/profile', headers: user.headers })).statusCode).toBe(200);
  });
});

describe('who may call what', () => {
  type Caller = 'nobody' | 'customer' | 'operator' | 'service key';
  const callers: Record<Caller, () => Promise<Record<string, string>>> = {
    nobody: async () => ({}),
    customer: async () => (await server.registerCustomer()).headers,
    operator: async () => (await server.userWithRoles(['operator'])).headers,
    'service key': async () => (await server.createApiKey('service')).headers,
  };
  const target = () => randomUUID();
  const adminOnly: [string, (id: string) => { method: 'GET' | 'POST' | 'DELETE'; url: string; payload?: object }][] = [
    ['users.list', () => ({ method: 'GET', url: '/api/users' })],
    ['users.get', (id) => ({ method: 'GET', url: `/api/users/${id}` })],
    ['users.grantRole', (id) => ({ method: 'POST', url: `/api/users/${id}/roles`, payload: { role: 'admin' } })],
    ['users.revokeRole', (id) => ({ method: 'DELETE', url: `/api/users/${id}/roles/customer` })],
    ['users.disable', (id) => ({ method: 'POST', url: `/api/users/${id}/disable` })],
    ['users.enable', (id) => ({ method: 'POST', url: `/api/users/${id}/enable` })],
    ['apiKeys.create', () => ({ method: 'POST', url: '/api/api-keys', payload: { name: 'mine now' } })],
    ['apiKeys.list', () => ({ method: 'GET', url: '/api/api-keys' })],
    ['apiKeys.revoke', (id) => ({ method: 'DELETE', url: `/api/api-keys/${id}` })],
  ];
  const cases = adminOnly.flatMap(([operation, request]) =>
    (Object.keys(callers) as Caller[]).map((caller) => [operation, caller, caller === 'nobody' ? 401 : 403, request] as const),
  );

  it.each(cases)('%s refuses %s with %i and appends nothing', async (_operation, caller, status, request) => {
    const headers = await callers[caller]();
    await server.expectRefusedWithNothingAppended(() => server.app.inject({ ...request(target()), headers }), status);
  });

  const selfService: [string, { method: 'GET' | 'PUT' | 'POST' | 'DELETE'; url: string; payload?: object }][] = [
    ['users.profile', { method: 'GET', url: '/api/users/profile' }],
    ['users.updateProfile', { method: 'PUT', url: '/api/users/profile', payload: { name: 'Key' } }],
    ['users.changePassword', { method: 'PUT', url: '/api/users/password', payload: { currentPassword: 'x', newPassword: 'long enough password' } }],
    ['users.forget', { method: 'DELETE', url: '/api/users/profile' }],
    ['users.listAddresses', { method: 'GET', url: '/api/users/addresses' }],
  ];
  it.each(selfService)('%s needs a signed-in user: 401 without, 403 for an API key (it has no account)', async (_operation, request) => {
    await server.expectRefusedWithNothingAppended(() => server.app.inject(request), 401);
    const key = await server.createApiKey('service');
    const refused = await server.expectRefusedWithNothingAppended(() => server.app.inject({ ...request, headers: key.headers }), 403);
    expect(refused.json().detail).toMatch(/API key has no account/);
  });

  it('lets an operator and a customer use their own profile', async () => {
    for (const caller of ['customer', 'operator'] as const) {
      expect((await server.app.inject({ url: '/api/users/profile', headers: await callers[caller]() })).statusCode).toBe(200);
    }
  });

  it('lets a public caller register and sign in', async () => {
    const email = uniqueEmail('public');
    expect((await server.app.inject({ method: 'POST', url: '/api/users/register', payload: { email, password: 'long enough password', name: 'Pub' } })).statusCode).toBe(201);
    expect((await login(email, 'long enough password')).statusCode).toBe(200);
  });

  it('lets an admin-role API key administer, recorded as that key', async () => {
    const key = await server.createApiKey('admin', 'Provisioning');
    const user = await server.registerCustomer();
    const response = await server.app.inject({ method: 'POST', url: `/api/users/${user.id}/roles`, headers: key.headers, payload: { role: 'operator' } });
    expect(response.statusCode).toBe(200);
    const [row] = await server.query<{ data: { grantedBy: string } }>(
      `SELECT message_data AS data FROM emt_messages WHERE stream_id = $1 AND message_type = 'UserRoleGranted'`,
      [`user-${user.id}`],
    );
    expect(row!.data.grantedBy).toBe(key.id);
  });

  it('still signs the bootstrap admin in', async () => {
    expect((await login(ADMIN_EMAIL, ADMIN_PASSWORD)).statusCode).toBe(200);
  });
});
