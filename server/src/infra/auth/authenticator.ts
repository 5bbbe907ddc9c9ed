import type { Role } from '@eventshop/sdk/contract';
import { UnauthorizedError } from '../http/problems.js';
import { hashApiKey, looksLikeApiKey } from './api-key-secrets.js';
import type { Principal, TokenService } from './tokens.js';

/** Turns a bearer credential into the principal it stands for, or refuses it with 401. */
export type Authenticator = (credential: string, now: Date) => Promise<Principal>;

/** What the authenticator reads on every request: indexed SELECTs, batched with other requests' but never cached. */
export type PrincipalDirectory = {
  userAccess(userId: string): Promise<{ status: 'active' | 'disabled' | 'forgotten'; roles: Role[]; tokenGeneration: number } | undefined>;
  activeApiKey(keyHash: string): Promise<{ id: string; role: Role } | undefined>;
};

/**
 * A token proves who signed in and when; the account says whether that still counts. Reading
 * the account on every request is what makes disabling, password changes and role revocations
 * take effect at once rather than when the token expires.
 */
export const createAuthenticator = (tokens: TokenService, directory: PrincipalDirectory): Authenticator => async (credential, now) => {
  if (looksLikeApiKey(credential)) {
    const key = await directory.activeApiKey(hashApiKey(credential));
    if (!key) throw new UnauthorizedError('This API key is not valid or was revoked.', 'invalid_api_key');
    return { kind: 'apiKey', id: key.id, roles: [key.role] };
  }
  const claims = await tokens.verify(credential, now);
  const access = await directory.userAccess(claims.userId);
  if (!access || access.status === 'forgotten') throw new UnauthorizedError('This account no longer exists.', 'invalid_token');
  if (access.status === 'disabled') throw new UnauthorizedError('This account is disabled. Ask an administrator.', 'account_disabled');
  if (claims.generation !== access.tokenGeneration) {
    throw new UnauthorizedError('This token was revoked (the password changed or the account was disabled). Sign in again.', 'token_revoked');
  }
  return { kind: 'user', id: claims.userId, roles: access.roles };
};
