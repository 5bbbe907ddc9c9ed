import { randomBytes } from 'node:crypto';
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import { Id, type Role } from '@eventshop/sdk/contract';
import type { Pool } from '../database/pool.js';
import { UnauthorizedError } from '../http/problems.js';

/**
 * Who is calling, as the guard established it for this request. A user's roles are read from
 * their account on every request, not trusted from the token, so a revoked role stops at once.
 * An API key acts as a principal of its own (id = the key's id) with the key's one role.
 */
export type Principal = { kind: 'user' | 'apiKey'; id: string; roles: Role[] };

/**
 * What a user token says. `generation` is the account's token generation when it was issued:
 * a password change, disabling or forgetting moves the account to the next one, which kills every
 * earlier token exactly, even one issued in the same second (a timestamp cannot tell those apart).
 * `roles` is a snapshot for clients to read; the server does not trust it.
 */
export type TokenClaims = { userId: string; roles: Role[]; generation: number };

const ISSUER = 'eventshop';

export type TokenService = {
  issue(claims: TokenClaims, now: Date): Promise<{ token: string; expiresAt: Date }>;
  verify(token: string, now: Date): Promise<TokenClaims>;
};

/** Verified tokens by their text, so each token's signature is checked once (the profile showed jose's HMAC verify on every request). */
const VERIFIED_CACHE_SIZE = 10_000;

/**
 * How far the clocks of the instance that issued a token and the one that checks it may disagree.
 * A token may live at most the configured lifetime plus this: one without `exp`, or whose `exp`
 * lies further ahead, was not issued by this server as configured (a leaked secret, an old
 * setting), and a signature alone must not make it valid for ever.
 */
export const CLOCK_SKEW_SECONDS = 60;

const expired = () => new UnauthorizedError('Your token has expired. Sign in again.', 'token_expired');

export const createTokenService = (secret: Uint8Array, ttlSeconds: number): TokenService => {
  // The signature and claims of a given token never change, so they are checked once; expiry is
  // still checked against the clock on every use, and revocation is the account row's job.
  const verified = new Map<string, { claims: TokenClaims; expiresAtSeconds: number }>();
  return {
    async issue(claims, now) {
      const issuedAt = Math.floor(now.getTime() / 1000);
      const expiresAt = new Date((issuedAt + ttlSeconds) * 1000);
      // No email or name in the token: it is personal data, and it would go stale on a profile change.
      const token = await new SignJWT({ roles: claims.roles, gen: claims.generation })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(claims.userId)
        .setIssuer(ISSUER)
        .setIssuedAt(issuedAt)
        .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
        .sign(secret);
      return { token, expiresAt };
    },
    async verify(token, now) {
      const known = verified.get(token);
      if (known) {
        if (now.getTime() / 1000 >= known.expiresAtSeconds) throw expired();
        return known.claims;
      }
      try {
        const { payload } = await jwtVerify(token, secret, {
          issuer: ISSUER,
          algorithms: ['HS256'],
          currentDate: now,
          requiredClaims: ['exp', 'sub'],
        });
        const generation = payload.gen ?? 0;
        if (payload.exp! > now.getTime() / 1000 + ttlSeconds + CLOCK_SKEW_SECONDS) throw new Error('lives longer than a token may');
        // The subject goes into the account lookup that other requests share (see batcher): it must be an account id.
        if (!Id.safeParse(payload.sub).success || typeof generation !== 'number') throw new Error('claims of the wrong shape');
        const claims = { userId: payload.sub!, roles: (payload.roles as Role[]) ?? [], generation };
        if (verified.size >= VERIFIED_CACHE_SIZE) verified.delete(verified.keys().next().value!);
        verified.set(token, { claims, expiresAtSeconds: payload.exp! });
        return claims;
      } catch (error) {
        if (error instanceof joseErrors.JWTExpired) {
          throw expired();
        }
        throw new UnauthorizedError('The token is not valid. Sign in again.', 'invalid_token');
      }
    },
  };
};

/**
 * The signing secret: from configuration, or generated once and kept in the database so
 * tokens survive restarts and every instance sharing the database accepts them.
 */
export const loadSigningSecret = async (pool: Pool, configured: string | undefined): Promise<Uint8Array> => {
  if (configured) return new TextEncoder().encode(configured);
  const candidate = randomBytes(32).toString('base64url');
  await pool.query(`INSERT INTO eventshop_settings (key, value) VALUES ('jwt_secret', $1) ON CONFLICT (key) DO NOTHING`, [candidate]);
  const { rows } = await pool.query<{ value: string }>(`SELECT value FROM eventshop_settings WHERE key = 'jwt_secret'`);
  return new TextEncoder().encode(rows[0]!.value);
};
