import type { Principal } from '../../infra/auth/tokens.js';
import { ForbiddenError, UnauthorizedError } from '../../infra/http/problems.js';

/**
 * The account a self-service operation acts on: always the caller's own, never one named in
 * the request, so there is no other account's id to try.
 */
export const ownAccountId = (principal: Principal | undefined): string => {
  if (!principal) throw new UnauthorizedError();
  if (principal.kind !== 'user') throw new ForbiddenError('An API key has no account of its own; sign in as a user for this.');
  return principal.id;
};

/** Who performs an admin command, for the events' record. */
export const actorOf = (principal: Principal | undefined): string => {
  if (!principal) throw new UnauthorizedError();
  return principal.id;
};
