import type { TokenService } from '../../infra/auth/tokens.js';
import { decoyHash, verifyPassword } from '../../infra/auth/passwords.js';
import type { Handlers, OperationIdsOf } from '../../infra/http/operations.js';
import { HttpProblem } from '../../infra/http/problems.js';
import { rateLimiter } from '../../infra/http/rate-limit.js';
import type { Clock } from '../../infra/clock.js';
import { normalizeEmail } from './accounts.js';
import type { accountQueries } from './projections.js';

export type AuthModuleDependencies = {
  accounts: ReturnType<typeof accountQueries>;
  tokens: TokenService;
  clock: Clock;
};

const invalidCredentials = () =>
  new HttpProblem(401, 'invalid_credentials', 'Email or password is wrong', 'Check both and try again.');

export const authHandlers = ({ accounts, tokens, clock }: AuthModuleDependencies): Handlers<OperationIdsOf<'auth'>> => {
  const perAddress = rateLimiter({ limit: 20, windowMs: 60_000, now: () => clock.now().getTime() });
  return {
    'auth.login': async ({ email, password }, { now, ip }) => {
      perAddress.hit(ip, 'Too many sign-in attempts from your address.');
      const account = await accounts.findForLogin(normalizeEmail(email));
      // Verify against a decoy when the email is unknown, so both failures take as long.
      const valid = await verifyPassword(password, account?.password_hash ?? (await decoyHash));
      if (!account || !valid || account.status !== 'active') throw invalidCredentials();
      const { token, expiresAt } = await tokens.issue({ userId: account.id, roles: account.roles, email: account.email }, now);
      return {
        token,
        expiresAt: expiresAt.toISOString(),
        user: { id: account.id, email: account.email, name: account.name, roles: account.roles },
      };
    },
  };
};
