import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../../../test/server.js';

let server: TestServer;
let admin: Record<string, string>;

beforeAll(async () => {
  server = await startTestServer();
  admin = { authorization: `Bearer ${await server.adminToken()}` };
});
afterAll(() => server?.close());

const create = (payload: object, headers = admin) => server.app.inject({ method: 'POST', url: '/api/api-keys', headers, payload });

describe('POST /api/api-keys', () => {
  it('creates a service key by default and shows the key this once', async () => {
    const response = await create({ name: 'Warehouse sync' });
    expect(response.statusCode).toBe(201);
    const created = response.json();
    expect(created).toMatchObject({ name: 'Warehouse sync', role: 'service', revokedAt: null, version: 1 });
    expect(created.key).toMatch(/^esk_[A-Za-z0-9_-]{43}$/);
    expect(created.keyPrefix).toBe(`${created.key.slice(0, 10)}…`);
    expect(response.headers.location).toBe(`/api/api-keys/${created.id}`);
  });

  it('stores only the key’s SHA-256, and records the creation without any secret', async () => {
    const { id, key } = (await create({ name: 'Audit check', role: 'operator' })).json();
    const everything = await server.query<{ row: string }>(
      `SELECT t::text AS row FROM api_key_secrets t UNION ALL SELECT t::text FROM api_keys t UNION ALL SELECT t::text FROM emt_messages t`,
    );
    expect(everything.some((r) => r.row.includes(key))).toBe(false);
    expect(everything.some((r) => r.row.includes(createHash('sha256').update(key).digest('hex')))).toBe(true);
    const [event] = await server.query<{ type: string; data: string; metadata: { actorId: string } }>(
      `SELECT message_type AS type, message_data::text AS data, message_metadata AS metadata FROM emt_messages WHERE stream_id = $1`,
      [`apikey-${id}`],
    );
    expect(event!.type).toBe('ApiKeyCreated');
    expect(event!.data).not.toContain(key.slice(4, 14));
  });

  it.each([
    ['no name', {}, 'name'],
    ['an empty name', { name: '  ' }, 'name'],
    ['a role outside the list', { name: 'x', role: 'root' }, 'role'],
    ['a key of its own choosing', { name: 'x', key: 'esk_mine' }, 'key'],
  ])('refuses %s with 400 and appends nothing', async (_label, payload, field) => {
    await server.expectRefusedWithNothingAppended(() => create(payload), 400, field);
  });
});

describe('an API key as a credential', () => {
  it('acts with its role: a service key reaches public and signed-in operations but not admin ones', async () => {
    const key = await server.createApiKey('service');
    expect((await server.app.inject({ url: '/api/products', headers: key.headers })).statusCode).toBe(200);
    expect((await server.app.inject({ url: '/api/users', headers: key.headers })).statusCode).toBe(403);
  });

  it('works through the SDK’s apiKey option', async () => {
    const key = await server.createApiKey('admin', 'SDK admin key');
    const client = server.client({ apiKey: key.key });
    const page = await client.apiKeys.list({ limit: 100 });
    expect(page.items.map((k) => k.id)).toContain(key.id);
  });

  it('refuses a key that was never issued: 401', async () => {
    const response = await server.app.inject({ url: '/api/api-keys', headers: { authorization: 'Bearer esk_NotAKeyThatWasEverIssuedByThisServer000000' } });
    expect(response.statusCode).toBe(401);
    expect(response.json().code).toBe('invalid_api_key');
  });
});

describe('GET /api/api-keys', () => {
  it('lists keys newest first, a page at a time, never with the secret', async () => {
    const keys = [];
    for (let i = 0; i < 3; i++) {
      server.clock.advance(1000);
      keys.push(await server.createApiKey('service', `Listed ${i}`));
    }
    const seen: { id: string; key?: string }[] = [];
    let cursor: string | null = null;
    do {
      const url: string = `/api/api-keys?limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const response = await server.app.inject({ url, headers: admin });
      expect(response.body).not.toMatch(/esk_[A-Za-z0-9_-]{43}/);
      seen.push(...response.json().items);
      cursor = response.json().nextCursor;
    } while (cursor);
    const ids = seen.map((k) => k.id);
    expect(ids.slice(0, 3)).toEqual(keys.map((k) => k.id).reverse());
    expect(new Set(ids).size).toBe(ids.length);
    expect(seen.every((k) => k.key === undefined)).toBe(true);
  });

  it.each([
    ['/api/api-keys?cursor=garbage', 'cursor'],
    [`/api/api-keys?cursor=${Buffer.from(JSON.stringify([1e300, randomUUID()])).toString('base64url')}`, 'cursor'],
    ['/api/api-keys?limit=101', 'limit'],
  ])('refuses %s with a 400 naming %s', async (url, field) => {
    const response = await server.app.inject({ url, headers: admin });
    expect(response.statusCode).toBe(400);
    expect(response.json().errors.map((e: { field: string }) => e.field)).toContain(field);
  });
});

describe('DELETE /api/api-keys/:id', () => {
  it('revokes a key: refused from the next request on, and revoking is final', async () => {
    const key = await server.createApiKey('admin');
    expect((await server.app.inject({ url: '/api/users', headers: key.headers })).statusCode).toBe(200);
    const revoked = await server.app.inject({ method: 'DELETE', url: `/api/api-keys/${key.id}`, headers: admin });
    expect(revoked.statusCode).toBe(200);
    expect(revoked.json()).toMatchObject({ id: key.id, revokedAt: server.clock.now().toISOString(), version: 2 });
    expect(revoked.json().key).toBeUndefined();
    const refused = await server.app.inject({ url: '/api/users', headers: key.headers });
    expect(refused.statusCode).toBe(401);
    expect(refused.json().code).toBe('invalid_api_key');
    await server.expectRefusedWithNothingAppended(() => server.app.inject({ method: 'DELETE', url: `/api/api-keys/${key.id}`, headers: admin }), 409);
  });

  it('answers 404 for an unknown key and 400 for an id that is not a UUID, appending nothing', async () => {
    await server.expectRefusedWithNothingAppended(() => server.app.inject({ method: 'DELETE', url: `/api/api-keys/${randomUUID()}`, headers: admin }), 404);
    await server.expectRefusedWithNothingAppended(() => server.app.inject({ method: 'DELETE', url: '/api/api-keys/esk_abc', headers: admin }), 400, 'id');
  });
});
