import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../../../test/server.js';

let server: TestServer;
let admin: Record<string, string>;

beforeAll(async () => {
  server = await startTestServer();
  admin = { authorization: `Bearer ${await server.adminToken()}` };
});
afterAll(() => server?.close());

const cup = { name: 'Espresso cup', description: 'Porcelain cup for a double shot', price: { amount: 1299, currency: 'USD' }, categoryId: 'kitchen' };

const create = async (body: object = cup, headers: Record<string, string> = {}) =>
  server.app.inject({ method: 'POST', url: '/api/products', headers: { ...admin, ...headers }, payload: body });

describe('POST /api/products', () => {
  it('creates a product: 201 with Location and ETag', async () => {
    const response = await create();
    expect(response.statusCode).toBe(201);
    const product = response.json();
    expect(product).toMatchObject({ ...cup, status: 'active', version: 1, sku: null, createdAt: '2026-11-24T12:00:00.000Z' });
    expect(response.headers.location).toBe(`/api/products/${product.id}`);
    expect(response.headers.etag).toBe('"1"');
  });

  it('stamps events with who did it and which request caused it', async () => {
    const response = await create(cup, { 'x-request-id': 'req-metadata-check', 'x-correlation-id': 'checkout-42' });
    const { createPool } = await import('../../infra/database/pool.js');
    const pool = createPool(server.databaseUrl, 1);
    const { rows } = await pool.query(`SELECT message_metadata FROM emt_messages WHERE stream_id = $1`, [`product-${response.json().id}`]);
    await pool.end();
    expect(rows[0].message_metadata).toMatchObject({ requestId: 'req-metadata-check', correlationId: 'checkout-42', causationId: 'req-metadata-check' });
    expect(rows[0].message_metadata.actorId).toMatch(/^[0-9a-f-]{36}$/);
  });

  const badBodies: [string, unknown][] = [
    ['a missing name', { ...cup, name: undefined }],
    ['a float price', { ...cup, price: { amount: 12.99, currency: 'USD' } }],
    ['a negative price', { ...cup, price: { amount: -1, currency: 'USD' } }],
    ['a lowercase currency', { ...cup, price: { amount: 1, currency: 'usd' } }],
    ['a price as a string', { ...cup, price: '12.99' }],
    ['an unknown field', { ...cup, colour: 'red' }],
    ['a bad category slug', { ...cup, categoryId: 'Kitchen Ware!' }],
    ['an array body', [cup]],
    ['an id in the body', { ...cup, id: '3f1c2a4e-7b9d-4e8a-9c1f-2d3e4f5a6b7c' }],
  ];
  it.each(badBodies)('refuses %s with 400, field errors and no event', async (_label, body) => {
    const before = await server.eventCount();
    const response = await create(body as object);
    expect(response.statusCode).toBe(400);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(response.json()).toMatchObject({ status: 400, code: 'validation_failed' });
    expect(response.json().errors.length).toBeGreaterThan(0);
    expect(await server.eventCount()).toBe(before);
  });

  it('refuses malformed JSON with 400', async () => {
    const before = await server.eventCount();
    const response = await server.app.inject({
      method: 'POST',
      url: '/api/products',
      headers: { ...admin, 'content-type': 'application/json' },
      payload: '{"name": "cup",',
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().code).toBe('malformed_json');
    expect(await server.eventCount()).toBe(before);
  });

  it('refuses a body that is not JSON with 415', async () => {
    const response = await server.app.inject({
      method: 'POST',
      url: '/api/products',
      headers: { ...admin, 'content-type': 'text/plain' },
      payload: 'name=cup',
    });
    expect(response.statusCode).toBe(415);
    expect(response.json().code).toBe('unsupported_media_type');
  });

  it('refuses an oversized body with 413', async () => {
    const before = await server.eventCount();
    const response = await create({ ...cup, description: 'x'.repeat(100_000) });
    expect(response.statusCode).toBe(413);
    expect(await server.eventCount()).toBe(before);
  });

  it('refuses prototype pollution attempts with 400', async () => {
    const response = await server.app.inject({
      method: 'POST',
      url: '/api/products',
      headers: { ...admin, 'content-type': 'application/json' },
      payload: '{"__proto__": {"admin": true}, "name": "x"}',
    });
    expect(response.statusCode).toBe(400);
  });

  it('needs a token: 401', async () => {
    const response = await server.app.inject({ method: 'POST', url: '/api/products', payload: cup });
    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toBe('Bearer');
  });

  it('refuses a customer: 403, nothing appended', async () => {
    const customer = await server.registerCustomer();
    const before = await server.eventCount();
    const response = await server.app.inject({ method: 'POST', url: '/api/products', headers: customer.headers, payload: cup });
    expect(response.statusCode).toBe(403);
    expect(response.json().detail).toMatch(/admin role/);
    expect(await server.eventCount()).toBe(before);
  });

  it('refuses a forged or expired token: 401', async () => {
    const forged = await server.app.inject({ method: 'POST', url: '/api/products', headers: { authorization: 'Bearer not.a.jwt' }, payload: cup });
    expect(forged.statusCode).toBe(401);
    expect(forged.json().code).toBe('invalid_token');
    const token = await server.adminToken();
    server.clock.advance(13 * 60 * 60 * 1000);
    const expired = await server.app.inject({ method: 'POST', url: '/api/products', headers: { authorization: `Bearer ${token}` }, payload: cup });
    server.clock.advance(-13 * 60 * 60 * 1000);
    expect(expired.statusCode).toBe(401);
    expect(expired.json().code).toBe('token_expired');
  });

  it('returns the first answer again for a repeated Idempotency-Key, appending nothing', async () => {
    const headers = { 'idempotency-key': 'create-cup-0001' };
    const first = await create(cup, headers);
    const before = await server.eventCount();
    const again = await create(cup, headers);
    expect(again.statusCode).toBe(201);
    expect(again.json()).toEqual(first.json());
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(await server.eventCount()).toBe(before);
  });

  it('refuses an Idempotency-Key reused for a different body with 422', async () => {
    await create(cup, { 'idempotency-key': 'create-cup-0002' });
    const response = await create({ ...cup, name: 'Mug' }, { 'idempotency-key': 'create-cup-0002' });
    expect(response.statusCode).toBe(422);
    expect(response.json().code).toBe('idempotency_key_reused');
  });

  it('runs a command once when the same Idempotency-Key races', async () => {
    const before = await server.eventCount();
    const responses = await Promise.all(Array.from({ length: 10 }, () => create(cup, { 'idempotency-key': 'racing-key-0001' })));
    const created = responses.filter((r) => r.statusCode === 201);
    expect(new Set(created.map((r) => r.json().id)).size).toBe(1);
    expect(responses.every((r) => r.statusCode === 201 || (r.statusCode === 409 && r.json().code === 'idempotency_key_in_use'))).toBe(true);
    expect(await server.eventCount()).toBe(before + 1);
  });
});

describe('an Idempotency-Key whose first request stopped mid-way (the state a crash leaves)', () => {
  /** What a crash between the append and the stored answer leaves: a claim, long ago, with no answer. */
  const leaveStalled = (key: string, requestId?: string) =>
    server.query(
      `UPDATE idempotency_keys
          SET state = 'in_progress', status = NULL, headers = NULL, body = NULL,
              created_at = created_at - interval '10 minutes', request_id = COALESCE($2, request_id)
        WHERE key = $1`,
      [key, requestId ?? null],
    );

  it('tells a retry the command was carried out and its answer lost, and does not run it again', async () => {
    const headers = { 'idempotency-key': 'crashed-after-append-0001', 'x-request-id': 'req-crashed-after-append' };
    expect((await create(cup, headers)).statusCode).toBe(201);
    await leaveStalled('crashed-after-append-0001');
    const before = await server.eventCount();

    for (const attempt of [1, 2]) {
      const retry = await create(cup, { 'idempotency-key': 'crashed-after-append-0001' });
      expect(retry.statusCode, `retry ${attempt}`).toBe(409);
      expect(retry.json()).toMatchObject({ code: 'idempotency_key_answer_lost', firstRequestId: 'req-crashed-after-append' });
      expect(retry.headers['x-should-retry']).toBeUndefined();
    }
    expect(await server.eventCount()).toBe(before);
  });

  it('runs the command when the first request left no events', async () => {
    const first = await create(cup, { 'idempotency-key': 'crashed-before-append-0001' });
    // As if the claim had been made by a request that stopped before appending anything.
    await leaveStalled('crashed-before-append-0001', 'req-that-appended-nothing');
    const before = await server.eventCount();

    const retry = await create(cup, { 'idempotency-key': 'crashed-before-append-0001' });
    expect(retry.statusCode).toBe(201);
    expect(retry.json().id).not.toBe(first.json().id);
    expect(await server.eventCount()).toBe(before + 1);
    // And the key now holds the new answer.
    const again = await create(cup, { 'idempotency-key': 'crashed-before-append-0001' });
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json().id).toBe(retry.json().id);
  });
});

describe('GET /api/products/:id', () => {
  it('answers the product with its ETag', async () => {
    const { id } = (await create()).json();
    const response = await server.app.inject({ url: `/api/products/${id}` });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ id, ...cup });
    expect(response.headers.etag).toBe('"1"');
  });

  it('answers 404 for an unknown id', async () => {
    const response = await server.app.inject({ url: '/api/products/3f1c2a4e-7b9d-4e8a-9c1f-2d3e4f5a6b7c' });
    expect(response.statusCode).toBe(404);
    expect(response.json().code).toBe('not_found');
  });

  it('answers 400 for an id that is not a UUID', async () => {
    const response = await server.app.inject({ url: '/api/products/not-a-uuid' });
    expect(response.statusCode).toBe(400);
    expect(response.json().errors[0].field).toBe('id');
  });
});

describe('PUT /api/products/:id', () => {
  it('changes the given fields and bumps the version', async () => {
    const { id } = (await create()).json();
    const response = await server.app.inject({
      method: 'PUT',
      url: `/api/products/${id}`,
      headers: { ...admin, 'if-match': '"1"' },
      payload: { price: { amount: 1499, currency: 'USD' }, name: 'Double espresso cup' },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ name: 'Double espresso cup', price: { amount: 1499 }, description: cup.description, version: 3 });
    expect(response.headers.etag).toBe('"3"');
  });

  it('refuses a stale If-Match with 412 and the current version, appending nothing', async () => {
    const { id } = (await create()).json();
    await server.app.inject({ method: 'PUT', url: `/api/products/${id}`, headers: admin, payload: { name: 'Cup v2' } });
    const before = await server.eventCount();
    const response = await server.app.inject({
      method: 'PUT',
      url: `/api/products/${id}`,
      headers: { ...admin, 'if-match': '"1"' },
      payload: { name: 'Cup v3' },
    });
    expect(response.statusCode).toBe(412);
    expect(response.json()).toMatchObject({ code: 'version_mismatch', currentVersion: 2 });
    expect(await server.eventCount()).toBe(before);
  });

  it('refuses a malformed If-Match with 400', async () => {
    const { id } = (await create()).json();
    const response = await server.app.inject({ method: 'PUT', url: `/api/products/${id}`, headers: { ...admin, 'if-match': 'yesterday' }, payload: { name: 'x' } });
    expect(response.statusCode).toBe(400);
    expect(response.json().errors[0].field).toBe('If-Match');
  });

  it('answers 404 for an unknown product and appends nothing', async () => {
    const before = await server.eventCount();
    const response = await server.app.inject({ method: 'PUT', url: '/api/products/3f1c2a4e-7b9d-4e8a-9c1f-2d3e4f5a6b7c', headers: admin, payload: { name: 'x' } });
    expect(response.statusCode).toBe(404);
    expect(await server.eventCount()).toBe(before);
  });

  it('loses no write when many admins change one product at once', async () => {
    const { id } = (await create()).json();
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        server.app.inject({ method: 'PUT', url: `/api/products/${id}`, headers: admin, payload: { price: { amount: 2000 + i, currency: 'USD' } } }),
      ),
    );
    expect(responses.map((r) => r.statusCode)).toEqual(Array(20).fill(200));
    const final = (await server.app.inject({ url: `/api/products/${id}` })).json();
    expect(final.version).toBe(21);
  });
});

describe('DELETE /api/products/:id', () => {
  it('discontinues: the product leaves listings and search but stays readable', async () => {
    const unique = { ...cup, name: 'Discontinued zebra mug', description: 'zebra pattern' };
    const { id } = (await create(unique)).json();
    const response = await server.app.inject({ method: 'DELETE', url: `/api/products/${id}`, headers: admin });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ id, status: 'discontinued', version: 2 });
    expect((await server.app.inject({ url: `/api/products/${id}` })).json().status).toBe('discontinued');
    expect((await server.app.inject({ url: '/api/products/search?q=zebra' })).json().items).toEqual([]);
    const listed = (await server.app.inject({ url: '/api/products?limit=100' })).json().items.map((p: { id: string }) => p.id);
    expect(listed).not.toContain(id);
    const again = await server.app.inject({ method: 'DELETE', url: `/api/products/${id}`, headers: admin });
    expect(again.statusCode).toBe(409);
    expect(again.json().detail).toMatch(/already discontinued/);
  });

  it('refuses a body', async () => {
    const { id } = (await create()).json();
    const response = await server.app.inject({ method: 'DELETE', url: `/api/products/${id}`, headers: admin, payload: { reason: 'x' } });
    expect(response.statusCode).toBe(400);
  });
});

describe('listing, search and categories', () => {
  let ids: string[] = [];
  beforeAll(async () => {
    const seed = [
      { name: 'Walnut cutting board', description: 'Hardwood board for bread', price: { amount: 4500, currency: 'USD' }, categoryId: 'boards' },
      { name: 'Bamboo cutting board', description: 'Light board', price: { amount: 2500, currency: 'USD' }, categoryId: 'boards' },
      { name: 'Bread knife', description: 'Serrated knife for walnut bread', price: { amount: 3500, currency: 'USD' }, categoryId: 'knives' },
      { name: 'Chef knife', description: 'Eight inch chef knife', price: { amount: 9900, currency: 'USD' }, categoryId: 'knives' },
      { name: 'Paring knife', description: 'Small knife', price: { amount: 1500, currency: 'USD' }, categoryId: 'knives' },
    ];
    ids = [];
    for (const product of seed) ids.push((await create(product)).json().id);
  });

  it('search ranks name matches above description matches', async () => {
    const response = await server.app.inject({ url: '/api/products/search?q=walnut' });
    const names = response.json().items.map((p: { name: string }) => p.name);
    expect(names).toEqual(['Walnut cutting board', 'Bread knife']);
  });

  it('search filters by price and pages with a cursor', async () => {
    const first = (await server.app.inject({ url: '/api/products/search?q=knife&price_max=9000&currency=USD&limit=1' })).json();
    expect(first.items).toHaveLength(1);
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = (await server.app.inject({ url: `/api/products/search?q=knife&price_max=9000&currency=USD&limit=1&cursor=${first.nextCursor}` })).json();
    const names = [...first.items, ...second.items].map((p: { name: string }) => p.name).sort();
    expect(names).toEqual(['Bread knife', 'Paring knife']);
    expect(second.nextCursor).toBeNull();
  });

  it.each(['-walnut', 'the', 'can -knife'])('refuses the search %j, which has no word to look for, with 400', async (q) => {
    const response = await server.app.inject({ url: `/api/products/search?q=${encodeURIComponent(q)}` });
    expect(response.statusCode).toBe(400);
    expect(response.json().errors).toEqual([{ field: 'q', message: expect.stringMatching(/at least one word/) }]);
  });

  it('still honours exclusions next to a word to look for', async () => {
    const response = await server.app.inject({ url: `/api/products/search?q=${encodeURIComponent('knife -bread')}` });
    expect(response.json().items.map((p: { name: string }) => p.name).sort()).toEqual(['Chef knife', 'Paring knife']);
  });

  it('lists a category by name', async () => {
    const response = await server.app.inject({ url: '/api/products/category/knives' });
    expect(response.json().items.map((p: { name: string }) => p.name)).toEqual(['Bread knife', 'Chef knife', 'Paring knife']);
  });

  it('lists by price range in a stable order across pages', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const url: string = `/api/products?price_min=2500&price_max=4500&currency=USD&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const page = (await server.app.inject({ url })).json();
      seen.push(...page.items.map((p: { name: string }) => p.name));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(['Bamboo cutting board', 'Bread knife', 'Walnut cutting board']);
  });

  it.each([
    ['/api/products?price_min=cheap', 'price_min'],
    ['/api/products?limit=0', 'limit'],
    ['/api/products?limit=1000', 'limit'],
    ['/api/products?cursor=garbage', 'cursor'],
    ['/api/products?cursor=WyJ4Iiwibm90LWEtdXVpZCJd', 'cursor'],
    ['/api/products?pricemin=1', 'pricemin'],
    ['/api/products/search', 'q'],
    ['/api/products/search?q=', 'q'],
    ['/api/products/category/NOT%20A%20SLUG', 'categoryId'],
  ])('refuses %s with a 400 naming %s', async (url, field) => {
    const response = await server.app.inject({ url });
    expect(response.statusCode).toBe(400);
    expect(response.json().errors.map((e: { field: string }) => e.field)).toContain(field);
  });

  it('answers 404 problems for routes that do not exist', async () => {
    const response = await server.app.inject({ url: '/api/nothing-here' });
    expect(response.statusCode).toBe(404);
    expect(response.headers['content-type']).toContain('application/problem+json');
  });
});

describe('price filters and ranks', () => {
  const priced = (name: string, amount: number, currency: string) =>
    create({ name, description: 'price filter fixture', price: { amount, currency }, categoryId: 'pricing' });

  it('compares prices within the currency the filter names, never across currencies', async () => {
    const dollars = (await priced('Pricing kettle', 2200, 'USD')).json().id;
    const euros = (await priced('Pricing teapot', 2200, 'EUR')).json().id;
    const inUsd = (await server.app.inject({ url: '/api/products?price_min=2000&price_max=2500&currency=USD&limit=100' })).json();
    const ids = inUsd.items.map((p: { id: string }) => p.id);
    expect(ids).toContain(dollars);
    expect(ids).not.toContain(euros);
    const searched = (await server.app.inject({ url: '/api/products/search?q=pricing&currency=EUR' })).json();
    expect(searched.items.map((p: { id: string }) => p.id)).toEqual([euros]);
  });

  it.each([
    ['/api/products?price_min=2000', 'currency'],
    ['/api/products/search?q=pricing&price_max=2500', 'currency'],
    ['/api/products?price_min=2500&price_max=2000&currency=USD', 'price_min'],
    ['/api/products/search?q=pricing&price_min=3&price_max=2&currency=USD', 'price_min'],
  ])('refuses %s with 400 naming %s', async (url, field) => {
    const response = await server.app.inject({ url });
    expect(response.statusCode).toBe(400);
    expect(response.json().errors.map((e: { field: string }) => e.field)).toEqual([field]);
  });

  it('rounds ranks to the digits the ranking has', async () => {
    // A description match weighs 0.4, which a float4 holds as 0.4000000059604645.
    await priced('Rounding walnut bowl', 100, 'USD');
    const hits = (await server.app.inject({ url: '/api/products/search?q=fixture' })).json().items as { rank: number }[];
    expect(hits.length).toBeGreaterThan(0);
    for (const { rank } of hits) expect(Number(rank.toPrecision(6))).toBe(rank);
  });
});
