import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../../../test/server.js';

let server: TestServer;

// 3 sign-ups per address (production allows 10) in the production window of 10 minutes, so the tests hash less.
const PER_ADDRESS = 3;
beforeAll(async () => {
  server = await startTestServer({ signUpLimit: { perAddress: PER_ADDRESS } });
});
afterAll(() => server?.close());

const PASSWORD = 'a password for flooding';
const uniqueEmail = (label: string) => `${label}-${randomUUID()}@test.local`;
const register = (email: string, remoteAddress: string) =>
  server.app.inject({ method: 'POST', url: '/api/users/register', remoteAddress, payload: { email, password: PASSWORD, name: 'Flood' } });
const login = (email: string, remoteAddress: string) =>
  server.app.inject({ method: 'POST', url: '/api/users/login', remoteAddress, payload: { email, password: PASSWORD } });
const statuses = (responses: { statusCode: number }[]) =>
  responses.reduce<Record<number, number>>((counts, { statusCode }) => ({ ...counts, [statusCode]: (counts[statusCode] ?? 0) + 1 }), {});
const credentialRows = async () => (await server.query<{ count: number }>('SELECT count(*)::int AS count FROM user_credentials'))[0]!.count;

describe('sign-ups per address', () => {
  it('lets the allowed number of 20 racing registrations from one address through and refuses the rest with 429 and Retry-After, creating nothing for them', async () => {
    const before = await credentialRows();
    const responses = await Promise.all(Array.from({ length: 20 }, () => register(uniqueEmail('race'), '198.51.100.1')));
    expect(statuses(responses)).toEqual({ 201: PER_ADDRESS, 429: 20 - PER_ADDRESS });
    const refused = responses.find((response) => response.statusCode === 429)!;
    expect(refused.headers['content-type']).toContain('application/problem+json');
    expect(refused.json()).toMatchObject({ code: 'rate_limited' });
    expect(Number(refused.headers['retry-after'])).toBe(10 * 60);
    expect(await credentialRows()).toBe(before + PER_ADDRESS);
  });

  it('counts taken emails too, so 409 email_taken cannot be used to look up who has an account', async () => {
    const taken = uniqueEmail('known');
    expect((await register(taken, '198.51.100.2')).statusCode).toBe(201);
    const probes = await Promise.all(Array.from({ length: 20 }, () => register(taken.toUpperCase(), '198.51.100.2')));
    expect(statuses(probes)).toEqual({ 409: PER_ADDRESS - 1, 429: 21 - PER_ADDRESS });
    // An unknown email from that address is refused the same way: the 429 says nothing about the email.
    expect((await register(uniqueEmail('unknown'), '198.51.100.2')).statusCode).toBe(429);
  });

  it('limits each address on its own, and opens again when the window ends', async () => {
    for (let index = 0; index < PER_ADDRESS; index++) expect((await register(uniqueEmail('window'), '198.51.100.3')).statusCode).toBe(201);
    expect((await register(uniqueEmail('window'), '198.51.100.3')).statusCode).toBe(429);
    expect((await register(uniqueEmail('elsewhere'), '198.51.100.4')).statusCode).toBe(201);
    server.clock.advance(10 * 60_000);
    expect((await register(uniqueEmail('window'), '198.51.100.3')).statusCode).toBe(201);
  });
});

describe('what counts as one address', () => {
  it('counts every address of an IPv6 /64 as one, since a subscriber is given the whole network', async () => {
    for (let index = 0; index < PER_ADDRESS; index++) {
      expect((await register(uniqueEmail('v6'), `2001:db8:7:7::${index + 1}`)).statusCode).toBe(201);
    }
    expect((await register(uniqueEmail('v6'), '2001:db8:7:7:ffff::9')).statusCode).toBe(429);
    expect((await register(uniqueEmail('v6'), '2001:db8:7:8::1')).statusCode).toBe(201);
  });
});

describe('password hashing under a sign-up flood from many addresses', () => {
  // Nine scrypt hashes one after another: a few seconds, but far more on a machine shared with other suites.
  it('refuses what it cannot queue with 429 and Retry-After, never 5xx, and answers a sign-in ahead of the waiting registrations', { timeout: 90_000 }, async () => {
    const regular = uniqueEmail('regular');
    expect((await register(regular, '192.0.2.200')).statusCode).toBe(201);
    const before = await credentialRows();
    const finished: string[] = [];
    // Each flooder from its own address, so the per-address limit is not what stops them.
    const flood = Array.from({ length: 40 }, (_, index) =>
      register(uniqueEmail('flood'), `10.0.${Math.floor(index / 250)}.${(index % 250) + 1}`).then((response) => {
        finished.push(`register ${response.statusCode}`);
        return response;
      }),
    );
    const signIn = login(regular, '192.0.2.201').then((response) => {
      finished.push('login');
      return response;
    });
    const [responses, signedIn] = await Promise.all([Promise.all(flood), signIn]);

    expect(signedIn.statusCode).toBe(200);
    const counts = statuses(responses);
    expect(Object.keys(counts).sort()).toEqual(['201', '429']);
    const refused = responses.find((response) => response.statusCode === 429)!;
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(await credentialRows()).toBe(before + counts[201]!);
    // The sign-in did not wait its turn behind the queued hashes: most accepted registrations finished after it.
    const acceptedBeforeLogin = finished.slice(0, finished.indexOf('login')).filter((entry) => entry === 'register 201').length;
    expect(acceptedBeforeLogin).toBeLessThan(counts[201]! / 2);
  });
});
