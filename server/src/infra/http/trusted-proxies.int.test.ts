import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../../../test/server.js';
import { parseTrustedProxies } from './trusted-proxies.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Signs up a new account as sent by `remoteAddress`, saying it forwards for `forwardedFor`. */
const signUp = (from: { remoteAddress: string; forwardedFor?: string }) =>
  server!.app.inject({
    method: 'POST',
    url: '/api/users/register',
    remoteAddress: from.remoteAddress,
    headers: from.forwardedFor ? { 'x-forwarded-for': from.forwardedFor } : {},
    payload: { email: `proxy-${Math.random().toString(36).slice(2)}@test.local`, password: 'proxy-test-password', name: 'Proxy Test' },
  });

describe('behind a trusted load balancer (EVENTSHOP_TRUST_PROXY)', () => {
  it('counts the sign-up limit per client named in X-Forwarded-For', async () => {
    server = await startTestServer({ signUpLimit: { perAddress: 2 }, trustedProxies: ['10.0.0.0/8'] });
    const balancer = '10.1.2.3';
    for (let i = 0; i < 2; i++) expect((await signUp({ remoteAddress: balancer, forwardedFor: '203.0.113.7' })).statusCode).toBe(201);
    expect((await signUp({ remoteAddress: balancer, forwardedFor: '203.0.113.7' })).statusCode).toBe(429);
    // Another client behind the same balancer has its own allowance.
    expect((await signUp({ remoteAddress: balancer, forwardedFor: '203.0.113.8' })).statusCode).toBe(201);
  });

  it('ignores X-Forwarded-For from anyone else, so a client cannot pick its own address', async () => {
    server = await startTestServer({ signUpLimit: { perAddress: 2 }, trustedProxies: ['10.0.0.0/8'] });
    const client = '198.51.100.4';
    for (let i = 0; i < 2; i++) expect((await signUp({ remoteAddress: client, forwardedFor: `203.0.113.${i}` })).statusCode).toBe(201);
    expect((await signUp({ remoteAddress: client, forwardedFor: '203.0.113.99' })).statusCode).toBe(429);
  });

  it('trusts no proxy when unset: the header means nothing', async () => {
    server = await startTestServer({ signUpLimit: { perAddress: 2 } });
    for (let i = 0; i < 2; i++) expect((await signUp({ remoteAddress: '10.1.2.3', forwardedFor: `203.0.113.${i}` })).statusCode).toBe(201);
    expect((await signUp({ remoteAddress: '10.1.2.3', forwardedFor: '203.0.113.99' })).statusCode).toBe(429);
  });
});

describe('parseTrustedProxies', () => {
  it('reads addresses, CIDR ranges and the named ranges, and nothing when unset', () => {
    expect(parseTrustedProxies(undefined)).toBeUndefined();
    expect(parseTrustedProxies(' ')).toBeUndefined();
    expect(parseTrustedProxies('10.0.0.5, 192.168.0.0/16,loopback,uniquelocal')).toEqual(['10.0.0.5', '192.168.0.0/16', 'loopback', 'uniquelocal']);
  });

  it('refuses what is not an address, with what it takes', () => {
    expect(() => parseTrustedProxies('true')).toThrow(/EVENTSHOP_TRUST_PROXY must list your proxies' addresses or CIDR ranges/);
    expect(() => parseTrustedProxies('10.0.0.0/33')).toThrow(/EVENTSHOP_TRUST_PROXY/);
  });
});
