import { randomBytes } from 'node:crypto';
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import type { Role } from '@eventshop/sdk/contract';
import type { Pool } from '../database/pool.js';
import { UnauthorizedError } from '../http/problems.js';

export type Principal = { userId: string; roles: Role[]; email: string };

const ISSUER = 'eventshop';

export type TokenService = {
  issue(principal: Principal, now: Date): Promise<{ token: string; expiresAt: Date }>;
  verify(token: string, now: Date): Promise<Principal>;
};

export const createTokenService = (secret: Uint8Array, ttlSeconds: number): TokenService => ({
  async issue(principal, now) {
    const issuedAt = Math.floor(now.getTime() / 1000);
    const expiresAt = new Date((issuedAt + ttlSeconds) * 1000);
    const token = await new SignJWT({ roles: principal.roles, email: principal.email })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(principal.userId)
      .setIssuer(ISSUER)
      .setIssuedAt(issuedAt)
      .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
      .sign(secret);
    return { token, expiresAt };
  },
  async verify(token, now) {
    try {
      const { payload } = await jwtVerify(token, secret, {
        issuer: ISSUER,
        algorithms: ['HS256'],
        currentDate: now,
      });
      return { userId: String(payload.sub), roles: (payload.roles as Role[]) ?? [], email: String(payload.email ?? '') };
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) {
        throw new UnauthorizedError('Your token has expired. Sign in again.', 'token_expired');
      }
      throw new UnauthorizedError('The token is not valid. Sign in again.', 'invalid_token');
    }
  },
});

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
