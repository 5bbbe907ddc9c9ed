import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { ADMIN_EMAIL, ADMIN_PASSWORD, injectTransport, startTestServer, type TestServer } from '../../test/server.js';
import { createShopClient, type ShopClient } from './client.js';
import type { ProductView } from './contract/index.js';
import { ConflictError, NotFoundError, PreconditionFailedError, UnauthorizedError, ValidationError } from './errors.js';
import type { Transport } from './transport.js';

let server: TestServer;
let admin: ShopClient;
let anonymous: ShopClient;

beforeAll(async () => {
  server = await startTestServer();
  admin = server.client({ token: await server.adminToken() });
  anonymous = server.client();
});
afterAll(() => server?.close());

/** A category of its own per test, so listings only hold what the test made. */
const freshCategory = () => `sdk-${randomUUID().slice(0, 8)}`;

const cup = (categoryId: string, name = 'Espresso cup') => ({
  name,
  description: 'Porcelain cup for a double shot',
  price: { amount: 1299, currency: 'USD' },
  categoryId,
});

describe('the SDK against the real server', () => {
  it('creates, reads, changes, finds, lists and discontinues a product', async () => {
    const categoryId = freshCategory();
    const created = await admin.products.create({ ...cup(categoryId, 'Lungo cup'), sku: 'CUP-LUNGO-1' });
    expectTypeOf(created).toEqualTypeOf<ProductView>();
    expect(created).toMatchObject({ name: 'Lungo cup', sku: 'CUP-LUNGO-1', status: 'active', version: 1, categoryId });

    await expect(anonymous.products.get({ id: created.id })).resolves.toEqual(created);

    const changed = await admin.products.update({ id: created.id, price: { amount: 1499, currency: 'USD' }, expectedVersion: 1 });
    expect(changed).toMatchObject({ id: created.id, name: 'Lungo cup', price: { amount: 1499, currency: 'USD' }, version: 2 });

    const found = await anonymous.products.search({ q: 'lungo', price_min: 1400, price_max: 1500, currency: 'USD' });
    expect(found.items.map((hit) => hit.id)).toContain(created.id);
    expect(found.items.find((hit) => hit.id === created.id)!.rank).toBeGreaterThan(0);

    const listed = await anonymous.products.list({ price_min: 1499, price_max: 1499, currency: 'USD' });
    expect(listed.items.map((item) => item.id)).toContain(created.id);
    const inCategory = await anonymous.products.listByCategory({ categoryId });
    expect(inCategory).toEqual({ items: [changed], nextCursor: null });

    const discontinued = await admin.products.delete({ id: created.id, expectedVersion: 2 });
    expect(discontinued).toMatchObject({ status: 'discontinued', version: 3 });
    await expect(anonymous.products.listByCategory({ categoryId })).resolves.toEqual({ items: [], nextCursor: null });
    await expect(anonymous.products.get({ id: created.id })).resolves.toMatchObject({ status: 'discontinued' });
  });

  it('answers the system operations with no input', async () => {
    await expect(anonymous.system.health()).resolves.toMatchObject({ status: 'ok' });
    await expect(anonymous.system.ready()).resolves.toMatchObject({ status: 'ready' });
  });

  it('pages through a listing with .all(), yielding every item once', async () => {
    const categoryId = freshCategory();
    const made = [];
    for (const name of ['Cup A', 'Cup B', 'Cup C', 'Cup D', 'Cup E']) made.push(await admin.products.create(cup(categoryId, name)));

    const pages: string[] = [];
    const counting: Transport = {
      request: (request) => {
        pages.push(new URL(request.url).search);
        return injectTransport(server.app).request(request);
      },
    };
    const client = createShopClient({ baseUrl: 'http://test.local', transport: counting });
    const seen: string[] = [];
    for await (const product of client.products.listByCategory.all({ categoryId, limit: 2 })) seen.push(product.id);

    expect(seen).toEqual(made.map((product) => product.id)); // ordered by name, A to E
    expect(new Set(seen).size).toBe(5);
    expect(pages).toHaveLength(3);
    expect(pages[0]).toBe('?limit=2');
    expect(pages.slice(1).every((search) => search.startsWith('?limit=2&cursor='))).toBe(true);
  });

  it('pages through search results with .all()', async () => {
    const word = `zq${randomUUID().slice(0, 6)}`;
    const categoryId = freshCategory();
    for (const name of [`${word} one`, `${word} two`, `${word} three`]) await admin.products.create(cup(categoryId, name));
    const names: string[] = [];
    for await (const hit of anonymous.products.search.all({ q: word, limit: 2 })) names.push(hit.name);
    expect(names.sort()).toEqual([`${word} one`, `${word} three`, `${word} two`]);
  });

  it('rejects a stale expectedVersion with PreconditionFailedError carrying the current version', async () => {
    const product = await admin.products.create(cup(freshCategory()));
    await admin.products.update({ id: product.id, name: 'Renamed once', expectedVersion: 1 });
    const before = await server.eventCount();

    const stale = admin.products.update({ id: product.id, name: 'Renamed from a stale read', expectedVersion: 1 });
    await expect(stale).rejects.toBeInstanceOf(PreconditionFailedError);
    const error = (await stale.catch((caught: unknown) => caught)) as PreconditionFailedError;
    expect(error).toBeInstanceOf(ConflictError);
    expect(error).toMatchObject({ status: 412, code: 'version_mismatch', currentVersion: 2 });
    expect(error.requestId).toBeTruthy();
    expect(await server.eventCount()).toBe(before);
    await expect(admin.products.get({ id: product.id })).resolves.toMatchObject({ name: 'Renamed once', version: 2 });
  });

  it('returns the same product for a repeated idempotencyKey and appends nothing the second time', async () => {
    const idempotencyKey = `create-${randomUUID()}`;
    const input = cup(freshCategory(), 'Idempotent cup');
    const first = await admin.callWithResponse('products.create', input, { idempotencyKey });
    const afterFirst = await server.eventCount();

    const again = await admin.callWithResponse('products.create', input, { idempotencyKey });
    expect(again.data).toEqual(first.data);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(await server.eventCount()).toBe(afterFirst);
  });

  it('creates one product when the first answer is lost and the SDK retries', async () => {
    let attempts = 0;
    // The first request reaches the server and is done, but its answer never comes back.
    const losesFirstAnswer: Transport = {
      async request(request) {
        attempts++;
        const response = await injectTransport(server.app).request(request);
        if (attempts === 1) throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
        return response;
      },
    };
    const client = createShopClient({ baseUrl: 'http://test.local', token: await server.adminToken(), transport: losesFirstAnswer });
    const categoryId = freshCategory();
    const before = await server.eventCount();

    const product = await client.products.create(cup(categoryId, 'Lost answer cup'));

    expect(attempts).toBe(2);
    expect(await server.eventCount()).toBe(before + 1);
    await expect(anonymous.products.listByCategory({ categoryId })).resolves.toEqual({ items: [product], nextCursor: null });
  });

  it('turns the server’s problems into typed errors', async () => {
    await expect(anonymous.products.create(cup(freshCategory()))).rejects.toBeInstanceOf(UnauthorizedError);
    await expect(anonymous.products.get({ id: randomUUID() })).rejects.toMatchObject({ name: 'NotFoundError', status: 404, code: 'not_found' });
    await expect(anonymous.products.get({ id: randomUUID() })).rejects.toBeInstanceOf(NotFoundError);
    const badCursor = (await anonymous.products.list({ cursor: 'not-a-cursor' }).catch((caught: unknown) => caught)) as ValidationError;
    expect(badCursor).toBeInstanceOf(ValidationError);
    expect(badCursor).toMatchObject({ status: 400, code: 'validation_failed' });
    expect(badCursor.fieldErrors).toEqual([{ field: 'cursor', message: expect.any(String) }]);
  });

  it('signs in with auth.login and uses the token after setToken', async () => {
    const client = server.client();
    const { token, user } = await client.auth.login({ email: ADMIN_EMAIL, password: ADMIN_PASSWORD });
    expect(user.roles).toContain('admin');
    client.setToken(token);
    await expect(client.products.create(cup(freshCategory()))).resolves.toMatchObject({ version: 1 });
  });
});
