import { randomUUID } from 'node:crypto';
import { SignJWT, type JWTPayload } from 'jose';
import { describe, expect, it } from 'vitest';
import { CLOCK_SKEW_SECONDS, createTokenService } from './tokens.js';

const secret = new TextEncoder().encode('a-secret-of-enough-length-for-hs256');
const TTL = 3600;
const now = new Date('2026-11-24T12:00:00.000Z');
const nowSeconds = now.getTime() / 1000;
const tokens = createTokenService(secret, TTL);

/** A token signed with the server's own secret, with whatever claims an attacker who had it would choose. */
const forged = (claims: JWTPayload) => {
  const jwt = new SignJWT({ roles: ['customer'], gen: 0, ...claims }).setProtectedHeader({ alg: 'HS256' }).setIssuer('eventshop').setIssuedAt(nowSeconds);
  return jwt.sign(secret);
};

const refusedAs = (code: string) => expect.objectContaining({ status: 401, code });

describe('token service', () => {
  it('accepts what it issued, until it expires', async () => {
    const userId = randomUUID();
    const { token } = await tokens.issue({ userId, roles: ['customer'], generation: 2 }, now);
    expect(await tokens.verify(token, now)).toEqual({ userId, roles: ['customer'], generation: 2 });
    await expect(tokens.verify(token, new Date(now.getTime() + TTL * 1000))).rejects.toEqual(refusedAs('token_expired'));
  });

  it('refuses a correctly signed token without an expiry', async () => {
    await expect(tokens.verify(await forged({ sub: randomUUID() }), now)).rejects.toEqual(refusedAs('invalid_token'));
  });

  it('refuses a correctly signed token that would live past the configured lifetime, allowing for clock skew', async () => {
    const sub = randomUUID();
    await expect(tokens.verify(await forged({ sub, exp: nowSeconds + 300 * 365 * 86400 }), now)).rejects.toEqual(refusedAs('invalid_token'));
    await expect(tokens.verify(await forged({ sub, exp: nowSeconds + TTL + CLOCK_SKEW_SECONDS + 1 }), now)).rejects.toEqual(refusedAs('invalid_token'));
    expect(await tokens.verify(await forged({ sub, exp: nowSeconds + TTL + CLOCK_SKEW_SECONDS }), now)).toMatchObject({ userId: sub });
  });

  it('refuses a correctly signed token whose subject is not an account id', async () => {
    for (const sub of ['not-a-uuid', "x' OR 1=1", '']) {
      await expect(tokens.verify(await forged({ sub, exp: nowSeconds + 60 }), now)).rejects.toEqual(refusedAs('invalid_token'));
    }
    await expect(tokens.verify(await forged({ exp: nowSeconds + 60 }), now)).rejects.toEqual(refusedAs('invalid_token'));
  });
});
