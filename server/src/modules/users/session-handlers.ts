import type { PostgresEventStore } from '@event-driven-io/emmett-postgresql';
import type { LoginThrottle } from '../../infra/auth/login-throttle.js';
import { decoyHash, hashPassword, verifyPassword } from '../../infra/auth/passwords.js';
import type { TokenService } from '../../infra/auth/tokens.js';
import type { Pool } from '../../infra/database/pool.js';
import type { Handlers } from '../../infra/http/operations.js';
import { HttpProblem, RequestValidationError, UnauthorizedError } from '../../infra/http/problems.js';
import { addressKey, rateLimiter } from '../../infra/http/rate-limit.js';
import type { Clock } from '../../infra/clock.js';
import { credentialStore, normalizeEmail, registerAccount } from './accounts.js';
import type { UserCommandRunner } from './commands.js';
import { ownAccountId } from './principal.js';
import { accountOf, type Account, type AccountQueries } from './projections.js';

export type SessionDependencies = {
  pool: Pool;
  eventStore: PostgresEventStore;
  accounts: AccountQueries;
  runUserCommand: UserCommandRunner;
  tokens: TokenService;
  clock: Clock;
  /** Shared by sign-in and password changes: both are password guesses against one account. */
  throttle: LoginThrottle;
  /** Registrations accepted from one address per window. */
  signUpLimit: { perAddress: number; windowSeconds: number };
};

const invalidCredentials = () =>
  new HttpProblem(401, 'invalid_credentials', 'Email or password is wrong', 'Check both and try again.');

/** Sign-in, registration and password changes: the operations that handle passwords and hand out tokens. */
export const sessionHandlers = (deps: SessionDependencies): Handlers<'auth.login' | 'users.register' | 'users.changePassword'> => {
  const { accounts, tokens, throttle } = deps;
  const credentials = credentialStore(deps.pool);
  const perAddress = rateLimiter({ limit: 20, windowMs: 60_000, now: () => deps.clock.now().getTime() });
  // Every attempt counts, taken email or not: the API says an email is taken (people need to know),
  // and this limit is what keeps that answer from being a lookup service for who has an account.
  const signUpsPerAddress = rateLimiter({
    limit: deps.signUpLimit.perAddress,
    windowMs: deps.signUpLimit.windowSeconds * 1000,
    now: () => deps.clock.now().getTime(),
  });

  /** A token for the account as it was just read, in its current token generation. */
  const signIn = async ({ view, tokenGeneration }: Account, now: Date) => {
    const { token, expiresAt } = await tokens.issue({ userId: view.id, roles: view.roles, generation: tokenGeneration }, now);
    return { token, expiresAt: expiresAt.toISOString(), user: view };
  };

  return {
    'auth.login': async ({ email, password }, { now, ip }) => {
      perAddress.hit(addressKey(ip), 'Too many sign-in attempts from your address.');
      const accountKey = normalizeEmail(email);
      throttle.check(accountKey);
      const account = await accounts.findForLogin(accountKey);
      // Verify against a decoy when the email is unknown, so both failures take as long.
      const valid = await verifyPassword(password, account?.passwordHash ?? (await decoyHash));
      if (!account || !valid || account.view.status !== 'active') {
        throttle.recordFailure(accountKey);
        throw invalidCredentials();
      }
      throttle.recordSuccess(accountKey);
      // findForLogin read the whole account already; only the view and generation go on, never the hash.
      return signIn(account, now);
    },

    'users.register': async ({ email, password, name, phone }, { now, metadata, ip }) => {
      signUpsPerAddress.hit(addressKey(ip), 'Too many sign-ups from your address.');
      const userId = await registerAccount(deps, { email, password, name, phone: phone ?? null, roles: ['customer'], now, metadata });
      return signIn(await accountOf(accounts, userId), now);
    },

    'users.changePassword': async ({ currentPassword, newPassword }, { principal, now, metadata }) => {
      const userId = ownAccountId(principal);
      const current = await credentials.findByUser(userId);
      if (!current) throw new UnauthorizedError('This account no longer exists.', 'invalid_token');
      throttle.check(current.emailNormalized);
      if (!(await verifyPassword(currentPassword, current.passwordHash))) {
        throttle.recordFailure(current.emailNormalized);
        throw new RequestValidationError([{ field: 'currentPassword', message: 'That is not your current password' }]);
      }
      throttle.recordSuccess(current.emailNormalized);
      const nextHash = await hashPassword(newPassword);
      if (!(await credentials.replacePasswordHash(userId, current.passwordHash, nextHash, now))) {
        throw new HttpProblem(409, 'password_changed_meanwhile', 'Your password was changed meanwhile', 'Sign in again with the new password.');
      }
      try {
        // The event moves the account to its next token generation, which revokes every earlier token.
        await deps.runUserCommand({ type: 'ChangePassword', data: { userId, now } }, { metadata });
      } catch (error) {
        await credentials.replacePasswordHash(userId, nextHash, current.passwordHash, now);
        throw error;
      }
      return signIn(await accountOf(accounts, userId), now);
    },
  };
};
