import type { Handlers } from '../../infra/http/operations.js';
import type { UserCommandRunner } from './commands.js';
import { actorOf } from './principal.js';
import { accountOf, type AccountQueries } from './projections.js';

export type AdminDependencies = { accounts: AccountQueries; runUserCommand: UserCommandRunner };

type AdminOperation = 'users.list' | 'users.get' | 'users.grantRole' | 'users.revokeRole' | 'users.disable' | 'users.enable';

/** Administration of other accounts; the contract lets only admins (or admin-role keys) reach these. */
export const adminHandlers = ({ accounts, runUserCommand }: AdminDependencies): Handlers<AdminOperation> => {
  const view = async (userId: string) => (await accountOf(accounts, userId)).view;

  return {
    'users.list': async ({ role, status, limit, cursor }) => accounts.list({ role, status, limit, cursor }),

    'users.get': async ({ id }) => view(id),

    'users.grantRole': async ({ id, role, expectedVersion }, { principal, now, metadata }) => {
      await runUserCommand({ type: 'GrantRole', data: { userId: id, role, actorId: actorOf(principal), now } }, { metadata, expectedVersion });
      return view(id);
    },

    'users.revokeRole': async ({ id, role, expectedVersion }, { principal, now, metadata }) => {
      await runUserCommand({ type: 'RevokeRole', data: { userId: id, role, actorId: actorOf(principal), now } }, { metadata, expectedVersion });
      return view(id);
    },

    'users.disable': async ({ id, expectedVersion }, { principal, now, metadata }) => {
      await runUserCommand({ type: 'DisableUser', data: { userId: id, actorId: actorOf(principal), now } }, { metadata, expectedVersion });
      return view(id);
    },

    'users.enable': async ({ id, expectedVersion }, { principal, now, metadata }) => {
      await runUserCommand({ type: 'EnableUser', data: { userId: id, actorId: actorOf(principal), now } }, { metadata, expectedVersion });
      return view(id);
    },
  };
};
