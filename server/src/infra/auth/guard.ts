import type { AuthRequirement, Role } from '@eventshop/sdk/contract';
import { ForbiddenError, UnauthorizedError } from '../http/problems.js';
import type { Authenticator } from './authenticator.js';
import type { Principal } from './tokens.js';

/** Reads the bearer credential, if any. A malformed, expired or revoked one is refused even on public operations. */
export const authenticate = async (
  authorization: string | undefined,
  authenticator: Authenticator,
  now: Date,
): Promise<Principal | undefined> => {
  if (authorization === undefined || authorization === '') return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  if (!match) throw new UnauthorizedError('Send the token as "Authorization: Bearer <token>".', 'invalid_token');
  return authenticator(match[1]!, now);
};

/** Admins may do everything; otherwise the operation's role (or one it also allows) must be among the principal's. */
export const authorize = (requirement: AuthRequirement, principal: Principal | undefined, alsoAllowed: readonly Role[] = []): void => {
  if (requirement === 'public') return;
  if (!principal) throw new UnauthorizedError();
  if (requirement === 'customer' || principal.roles.includes('admin')) return;
  const allowed = [requirement as Role, ...alsoAllowed];
  if (!allowed.some((role) => principal.roles.includes(role))) {
    throw new ForbiddenError(`This needs the ${allowed.join(' or ')} role; you have ${principal.roles.join(', ') || 'no roles'}.`);
  }
};
