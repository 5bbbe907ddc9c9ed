import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, type TestUser } from '../../../../test/server.js';
import { accountQueries } from '../../modules/users/projections.js';
import { createPool, type Pool } from '../database/pool.js';

let server: TestServer;
let customer: TestUser;
let pool: Pool;

beforeAll(async () => {
  server = await startTestServer();
  customer = await server.registerCustomer();
  pool = createPool(server.databaseUrl, 2);
});
afterAll(async () => {
  await pool?.end();
  await server?.close();
});

/** Signed with the test server's secret: what someone holding the secret, or a bug in issuing, could produce. */
const tokenFor = (subject: string) =>
  new SignJWT({ roles: ['customer'], gen: 0 })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(subject)
    .setIssuer('eventshop')
    .setIssuedAt(Math.floor(server.clock.now().getTime() / 1000))
    .setExpirationTime(Math.floor(server.clock.now().getTime() / 1000) + 600)
    .sign(new TextEncoder().encode('test-secret-test-secret-test-secret'));

describe('one bad credential among many requests', () => {
  it('fails alone: a token whose subject is not an account id answers 401 while the 190 requests beside it answer 200', async () => {
    const profile = (authorization: string) => server.app.inject({ method: 'GET', url: '/api/users/profile', headers: { authorization } });
    const malformed = `Bearer ${await tokenFor('not-a-uuid')}`;
    const responses = await Promise.all([
      ...Array.from({ length: 95 }, () => profile(customer.headers.authorization!)),
      profile(malformed),
      ...Array.from({ length: 95 }, () => profile(customer.headers.authorization!)),
    ]);
    const statuses = responses.map((response) => response.statusCode);
    expect(statuses[95]).toBe(401);
    expect(responses[95]!.json()).toMatchObject({ code: 'invalid_token' });
    expect(statuses.filter((status) => status === 200)).toHaveLength(190);
  });

  it('looks up the accounts of a batch even when one id in it is not a UUID: only that one fails', async () => {
    const accounts = accountQueries(pool);
    const ids = [customer.id, 'not-a-uuid', randomUUID(), customer.id];
    const results = await Promise.allSettled(ids.map((id) => accounts.access(id)));
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect(results[0]).toMatchObject({ value: { status: 'active', roles: ['customer'] } });
    expect(results[2]).toMatchObject({ value: undefined });
  });
});
