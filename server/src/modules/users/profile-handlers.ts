import { randomUUID } from 'node:crypto';
import type { Pool } from '../../infra/database/pool.js';
import type { Handlers } from '../../infra/http/operations.js';
import { NotFoundError } from '../../infra/http/problems.js';
import { credentialStore, normalizeEmail } from './accounts.js';
import type { AddressBookQueries } from './address-book.js';
import type { UserCommandRunner } from './commands.js';
import { erasePersonalData } from './erasure.js';
import { ownAccountId } from './principal.js';
import { accountOf, type AccountQueries } from './projections.js';
import type { AddressFields } from './users.js';

export type ProfileDependencies = {
  pool: Pool;
  accounts: AccountQueries;
  addressBook: AddressBookQueries;
  runUserCommand: UserCommandRunner;
};

type ProfileOperation =
  | 'users.profile'
  | 'users.updateProfile'
  | 'users.forget'
  | 'users.listAddresses'
  | 'users.addAddress'
  | 'users.updateAddress'
  | 'users.removeAddress';

/** An empty optional line is no line: store null, so "cleared" has one spelling. */
const orNull = (value: string | null | undefined) => (value === undefined ? undefined : value === null || value === '' ? null : value);

/**
 * Self-service: every operation acts on the caller's own account, and addresses are looked up
 * inside that account's own stream, so another account's address id is simply not found (404).
 */
export const profileHandlers = (deps: ProfileDependencies): Handlers<ProfileOperation> => {
  const { accounts, addressBook, runUserCommand } = deps;
  const credentials = credentialStore(deps.pool);

  const profileOf = async (userId: string) => (await accountOf(accounts, userId)).view;

  const addressOf = async (userId: string, addressId: string) => {
    const address = await addressBook.find(userId, addressId);
    if (!address) throw new NotFoundError('Address', addressId);
    return address;
  };

  return {
    'users.profile': async (_input, { principal }) => profileOf(ownAccountId(principal)),

    'users.updateProfile': async ({ name, email, phone, expectedVersion }, { principal, now, metadata }) => {
      const userId = ownAccountId(principal);
      // The email is claimed before the event is recorded, so two accounts can never both switch to it.
      const previousEmail = email === undefined ? undefined : await credentials.changeEmail(userId, normalizeEmail(email), now);
      try {
        await runUserCommand({ type: 'ChangeProfile', data: { userId, name, email: email?.trim(), phone, now } }, { metadata, expectedVersion });
      } catch (error) {
        if (previousEmail !== undefined) await credentials.changeEmail(userId, previousEmail, now);
        throw error;
      }
      return profileOf(userId);
    },

    'users.forget': async (_input, { principal, now, metadata }) => {
      const userId = ownAccountId(principal);
      // Recorded first, so the decision survives a crash; erasure is idempotent and finished at start-up if interrupted.
      await runUserCommand({ type: 'ForgetUser', data: { userId, now } }, { metadata });
      await erasePersonalData(deps.pool, userId);
      return profileOf(userId);
    },

    'users.listAddresses': async (_input, { principal }) => addressBook.list(ownAccountId(principal)),

    'users.addAddress': async ({ isDefault, expectedVersion, ...fields }, { principal, now, metadata }) => {
      const userId = ownAccountId(principal);
      const addressId = randomUUID();
      const address: AddressFields = { ...fields, line2: orNull(fields.line2) ?? null, region: orNull(fields.region) ?? null };
      await runUserCommand(
        { type: 'AddShippingAddress', data: { userId, addressId, address, makeDefault: isDefault ?? false, now } },
        { metadata, expectedVersion },
      );
      return addressOf(userId, addressId);
    },

    'users.updateAddress': async ({ id, isDefault, expectedVersion, ...fields }, { principal, now, metadata }) => {
      const userId = ownAccountId(principal);
      const changes: Partial<AddressFields> = { ...fields, line2: orNull(fields.line2), region: orNull(fields.region) };
      await runUserCommand(
        { type: 'ChangeShippingAddress', data: { userId, addressId: id, changes, makeDefault: isDefault, now } },
        { metadata, expectedVersion },
      );
      return addressOf(userId, id);
    },

    'users.removeAddress': async ({ id, expectedVersion }, { principal, now, metadata }) => {
      const userId = ownAccountId(principal);
      await runUserCommand({ type: 'RemoveShippingAddress', data: { userId, addressId: id, now } }, { metadata, expectedVersion });
      return addressBook.list(userId);
    },
  };
};
