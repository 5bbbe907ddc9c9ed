import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, type TestUser } from '../../../../test/server.js';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.close());

const home = { recipientName: 'Ada Lovelace', line1: '12 St James Square', city: 'London', postalCode: 'SW1Y 4JH', country: 'GB' };
const work = { ...home, line1: '1 Analytical Way', postalCode: 'EC1A 1BB', line2: 'Floor 2' };
const cabin = { ...home, line1: 'Lakeside Road', city: 'Keswick', postalCode: 'CA12 5DJ', region: 'Cumbria' };

const add = (user: TestUser, payload: object, headers: Record<string, string> = {}) =>
  server.app.inject({ method: 'POST', url: '/api/users/addresses', headers: { ...user.headers, ...headers }, payload });
const book = async (user: TestUser) => (await server.app.inject({ url: '/api/users/addresses', headers: user.headers })).json();

describe('POST /api/users/addresses', () => {
  it('adds the first address as the default: 201 with Location and the account’s version as ETag', async () => {
    const user = await server.registerCustomer();
    const response = await add(user, home);
    expect(response.statusCode).toBe(201);
    const address = response.json();
    expect(address).toMatchObject({ ...home, line2: null, region: null, isDefault: true, version: 3 });
    expect(response.headers.location).toBe(`/api/users/addresses/${address.id}`);
    expect(response.headers.etag).toBe('"3"');
  });

  it('moves the default to a new address asked to be the default, leaving exactly one', async () => {
    const user = await server.registerCustomer();
    const first = (await add(user, home)).json();
    const second = (await add(user, work)).json();
    expect(second.isDefault).toBe(false);
    const third = (await add(user, { ...cabin, isDefault: true })).json();
    const addresses = await book(user);
    expect(addresses.items.map((a: { id: string }) => a.id)).toEqual([first.id, second.id, third.id]);
    expect(addresses.items.filter((a: { isDefault: boolean }) => a.isDefault).map((a: { id: string }) => a.id)).toEqual([third.id]);
    expect(addresses.defaultAddressId).toBe(third.id);
  });

  it('refuses a stale If-Match with 412', async () => {
    const user = await server.registerCustomer();
    await add(user, home);
    await server.expectRefusedWithNothingAppended(() => add(user, work, { 'if-match': '"1"' }), 412);
  });

  it.each([
    ['a missing city', { ...home, city: undefined }, 'city'],
    ['a lowercase country', { ...home, country: 'gb' }, 'country'],
    ['a postal code with symbols', { ...home, postalCode: '<script>' }, 'postalCode'],
    ['an over-long line', { ...home, line1: 'x'.repeat(201) }, 'line1'],
    ['isDefault as a string', { ...home, isDefault: 'yes' }, 'isDefault'],
    ['a user id', { ...home, userId: randomUUID() }, 'userId'],
    ['an unknown field', { ...home, instructions: 'leave by the door' }, 'instructions'],
  ])('refuses %s with 400 and appends nothing', async (_label, payload, field) => {
    const user = await server.registerCustomer();
    await server.expectRefusedWithNothingAppended(() => add(user, payload), 400, field);
  });

  it('refuses a 21st address with 409', async () => {
    const user = await server.registerCustomer();
    for (let i = 0; i < 20; i++) expect((await add(user, { ...home, line1: `${i} Long Street` })).statusCode).toBe(201);
    const response = await server.expectRefusedWithNothingAppended(() => add(user, home), 409);
    expect(response.json().detail).toMatch(/at most 20/);
  });
});

describe('PUT /api/users/addresses/:id', () => {
  it('changes the given fields, clears line2 with null and can take over the default', async () => {
    const user = await server.registerCustomer();
    const first = (await add(user, home)).json();
    const second = (await add(user, work)).json();
    const response = await server.app.inject({
      method: 'PUT',
      url: `/api/users/addresses/${second.id}`,
      headers: { ...user.headers, 'if-match': `"${second.version}"` },
      payload: { city: 'Manchester', line2: null, isDefault: true },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ id: second.id, city: 'Manchester', line2: null, line1: work.line1, isDefault: true });
    const addresses = await book(user);
    expect(addresses.items.find((a: { id: string }) => a.id === first.id).isDefault).toBe(false);
    expect(addresses.version).toBe(response.json().version);
  });

  it('refuses to un-default the default address: 409', async () => {
    const user = await server.registerCustomer();
    const first = (await add(user, home)).json();
    const response = await server.expectRefusedWithNothingAppended(
      () => server.app.inject({ method: 'PUT', url: `/api/users/addresses/${first.id}`, headers: user.headers, payload: { isDefault: false } }),
      409,
    );
    expect(response.json().detail).toMatch(/make another address the default/);
  });

  it('answers 404 for another account’s address, as for one that does not exist, and appends nothing', async () => {
    const owner = await server.registerCustomer();
    const stranger = await server.registerCustomer();
    const theirs = (await add(owner, home)).json();
    for (const id of [theirs.id, randomUUID()]) {
      const response = await server.expectRefusedWithNothingAppended(
        () => server.app.inject({ method: 'PUT', url: `/api/users/addresses/${id}`, headers: stranger.headers, payload: { city: 'Elsewhere' } }),
        404,
      );
      expect(response.json().detail).toBe(`No address has id ${id}`);
    }
    expect((await book(owner)).items[0]).toMatchObject({ city: 'London' });
  });

  it.each([
    ['an id that is not a UUID', 'not-a-uuid', { city: 'x' }, 'id'],
    ['an empty recipient', randomUUID(), { recipientName: '' }, 'recipientName'],
    ['a numeric city', randomUUID(), { city: 42 }, 'city'],
  ])('refuses %s with 400 and appends nothing', async (_label, id, payload, field) => {
    const user = await server.registerCustomer();
    await server.expectRefusedWithNothingAppended(
      () => server.app.inject({ method: 'PUT', url: `/api/users/addresses/${id}`, headers: user.headers, payload }),
      400,
      field,
    );
  });
});

describe('DELETE /api/users/addresses/:id', () => {
  it('promotes the oldest remaining address when the default goes, then leaves none', async () => {
    const user = await server.registerCustomer();
    const first = (await add(user, home)).json();
    const second = (await add(user, work)).json();
    const third = (await add(user, cabin)).json();
    const afterFirst = (await server.app.inject({ method: 'DELETE', url: `/api/users/addresses/${first.id}`, headers: user.headers })).json();
    expect(afterFirst.items.map((a: { id: string; isDefault: boolean }) => [a.id, a.isDefault])).toEqual([
      [second.id, true],
      [third.id, false],
    ]);
    await server.app.inject({ method: 'DELETE', url: `/api/users/addresses/${third.id}`, headers: user.headers });
    const last = await server.app.inject({ method: 'DELETE', url: `/api/users/addresses/${second.id}`, headers: user.headers });
    expect(last.json()).toMatchObject({ items: [], defaultAddressId: null });
    expect(last.headers.etag).toBe(`"${last.json().version}"`);
  });

  it('answers 404 for another account’s address and leaves it in place', async () => {
    const owner = await server.registerCustomer();
    const stranger = await server.registerCustomer();
    const theirs = (await add(owner, home)).json();
    await server.expectRefusedWithNothingAppended(
      () => server.app.inject({ method: 'DELETE', url: `/api/users/addresses/${theirs.id}`, headers: stranger.headers }),
      404,
    );
    expect((await book(owner)).items).toHaveLength(1);
  });

  it('refuses a body with 400', async () => {
    const user = await server.registerCustomer();
    const address = (await add(user, home)).json();
    await server.expectRefusedWithNothingAppended(
      () => server.app.inject({ method: 'DELETE', url: `/api/users/addresses/${address.id}`, headers: user.headers, payload: { reason: 'moved' } }),
      400,
    );
  });
});

describe('GET /api/users/addresses', () => {
  it('lists only the caller’s addresses', async () => {
    const owner = await server.registerCustomer();
    const stranger = await server.registerCustomer();
    await add(owner, home);
    expect((await book(stranger)).items).toEqual([]);
    expect((await book(owner)).items).toHaveLength(1);
  });

  it('refuses query parameters it does not know, such as a user id', async () => {
    const user = await server.registerCustomer();
    const response = await server.app.inject({ url: `/api/users/addresses?userId=${randomUUID()}`, headers: user.headers });
    expect(response.statusCode).toBe(400);
  });
});

describe('the SDK', () => {
  it('manages addresses with client.users.*', async () => {
    const user = await server.registerCustomer();
    const client = server.client({ token: user.token });
    const created = await client.users.addAddress(home);
    const changed = await client.users.updateAddress({ id: created.id, city: 'Bath', expectedVersion: created.version });
    expect(changed).toMatchObject({ city: 'Bath', isDefault: true });
    const remaining = await client.users.removeAddress({ id: created.id });
    expect(remaining.items).toEqual([]);
  });
});
