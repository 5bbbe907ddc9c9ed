import type { PostgresEventStore } from '@event-driven-io/emmett-postgresql';
import { loginThrottle } from '../../infra/auth/login-throttle.js';
import type { TokenService } from '../../infra/auth/tokens.js';
import type { Clock } from '../../infra/clock.js';
import type { Pool } from '../../infra/database/pool.js';
import type { Handlers, OperationIdsOf } from '../../infra/http/operations.js';
import { adminHandlers } from './admin-handlers.js';
import { addressBookQueries } from './address-book.js';
import { userCommandRunner } from './commands.js';
import { profileHandlers } from './profile-handlers.js';
import { accountQueries } from './projections.js';
import { sessionHandlers } from './session-handlers.js';

export type UserModuleDependencies = {
  pool: Pool;
  eventStore: PostgresEventStore;
  tokens: TokenService;
  clock: Clock;
  signUpLimit?: { perAddress?: number; windowSeconds?: number };
};

/** Failed sign-ins allowed per account before it is refused for the rest of the window. */
const LOGIN_FAILURES_PER_ACCOUNT = 5;
const LOGIN_FAILURE_WINDOW_MS = 15 * 60_000;
/** Registrations per address: a few households' or an office's sign-ups, far from an enumeration's pace. */
const DEFAULT_SIGN_UP_LIMIT = { perAddress: 10, windowSeconds: 10 * 60 };

/** Contract operations of the users module (and sign-in, which the contract files under `auth`). */
export const userHandlers = (deps: UserModuleDependencies): Handlers<OperationIdsOf<'auth'> | OperationIdsOf<'users'>> => {
  const accounts = accountQueries(deps.pool);
  const runUserCommand = userCommandRunner(deps);
  const throttle = loginThrottle({
    maxFailures: LOGIN_FAILURES_PER_ACCOUNT,
    windowMs: LOGIN_FAILURE_WINDOW_MS,
    now: () => deps.clock.now().getTime(),
  });
  const signUpLimit = {
    perAddress: deps.signUpLimit?.perAddress ?? DEFAULT_SIGN_UP_LIMIT.perAddress,
    windowSeconds: deps.signUpLimit?.windowSeconds ?? DEFAULT_SIGN_UP_LIMIT.windowSeconds,
  };
  return {
    ...sessionHandlers({ ...deps, accounts, runUserCommand, throttle, signUpLimit }),
    ...profileHandlers({ pool: deps.pool, accounts, addressBook: addressBookQueries(deps.pool), runUserCommand }),
    ...adminHandlers({ accounts, runUserCommand }),
  };
};
