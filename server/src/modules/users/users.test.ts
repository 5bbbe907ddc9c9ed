import { DeciderSpecification } from '@event-driven-io/emmett';
import { describe, expect, it } from 'vitest';
import { InvalidStateError, NotFoundError } from '../../infra/http/problems.js';
import {
  MAX_ADDRESSES,
  decide,
  evolve,
  initialState,
  userDecider,
  type AddressFields,
  type UserCommand,
  type ShippingAddressAdded,
  type UserDisabled,
  type UserEvent,
  type UserForgotten,
  type UserRegistered,
} from './users.js';

const specification = DeciderSpecification.for(userDecider);

/**
 * Stories in Emmett's shape. Its `then` matches a subset of each event (extra fields pass) and
 * fails on null values, so the events decided are compared exactly here instead.
 */
const given = (events: UserEvent[]) => ({
  when: (command: UserCommand) => ({
    then: (expected: UserEvent[]) => {
      const decided = decide(command, events.reduce(evolve, initialState()));
      expect(Array.isArray(decided) ? decided : [decided]).toEqual(expected);
    },
    thenNothingHappened: () => specification(events).when(command).thenNothingHappened(),
    thenThrows: (check: (error: Error) => boolean) => specification(events).when(command).thenThrows(check),
  }),
});
const now = new Date('2026-11-24T12:00:00.000Z');
const at = now.toISOString();
const userId = '3f1c2a4e-7b9d-4e8a-9c1f-2d3e4f5a6b7c';
const adminId = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';
const homeId = '11111111-1111-4111-8111-111111111111';
const workId = '22222222-2222-4222-8222-222222222222';
const cabinId = '33333333-3333-4333-8333-333333333333';

const home: AddressFields = { recipientName: 'Ada Lovelace', line1: '12 St James Square', line2: null, city: 'London', region: null, postalCode: 'SW1Y 4JH', country: 'GB' };
const work: AddressFields = { ...home, line1: '1 Analytical Way', postalCode: 'EC1A 1BB' };

const registered: UserRegistered = {
  type: 'UserRegistered',
  data: { userId, email: 'ada@example.com', name: 'Ada Lovelace', phone: null, roles: ['customer'], registeredAt: at },
};
const added = (addressId: string, address: AddressFields): ShippingAddressAdded => ({
  type: 'ShippingAddressAdded',
  data: { userId, addressId, ...address, addedAt: at },
});
const defaultSet = (addressId: string, previousAddressId: string | null): UserEvent => ({
  type: 'DefaultShippingAddressSet',
  data: { userId, addressId, previousAddressId, setAt: at },
});
const disabled: UserDisabled = { type: 'UserDisabled', data: { userId, disabledBy: adminId, disabledAt: at } };
const forgotten: UserForgotten = { type: 'UserForgotten', data: { userId, forgottenAt: at } };
const withHome = [registered, added(homeId, home), defaultSet(homeId, null)];
const withHomeAndWork = [...withHome, added(workId, work)];

const conflict = (pattern: RegExp) => (error: unknown) => error instanceof InvalidStateError && pattern.test(error.message);
const notFound = (error: unknown) => error instanceof NotFoundError;

describe('user decider', () => {
  describe('when the account does not exist', () => {
    it('registers it', () =>
      given([])
        .when({ type: 'RegisterUser', data: { userId, email: 'ada@example.com', name: 'Ada Lovelace', phone: null, roles: ['customer'], now } })
        .then([registered]));

    it.each([
      ['change its profile', { type: 'ChangeProfile', data: { userId, name: 'Ada', now } }],
      ['grant it a role', { type: 'GrantRole', data: { userId, role: 'operator', actorId: adminId, now } }],
      ['disable it', { type: 'DisableUser', data: { userId, actorId: adminId, now } }],
      ['add an address', { type: 'AddShippingAddress', data: { userId, addressId: homeId, address: home, makeDefault: false, now } }],
      ['forget it', { type: 'ForgetUser', data: { userId, now } }],
    ] as const)('refuses to %s: not found', (_label, command) => given([]).when(command).thenThrows(notFound));
  });

  describe('when active', () => {
    it('refuses to register it again', () =>
      given([registered])
        .when({ type: 'RegisterUser', data: { userId, email: 'ada@example.com', name: 'Ada', phone: null, roles: ['customer'], now } })
        .thenThrows(conflict(/already exists/)));

    it('records only the profile fields that differ', () =>
      given([registered])
        .when({ type: 'ChangeProfile', data: { userId, name: 'Ada Lovelace', email: 'ada@lovelace.org', phone: '+447700900123', now } })
        .then([{ type: 'UserProfileChanged', data: { userId, email: 'ada@lovelace.org', phone: '+447700900123', changedAt: at } }]));

    it('records a phone number being removed', () =>
      given([registered, { type: 'UserProfileChanged', data: { userId, phone: '+447700900123', changedAt: at } }])
        .when({ type: 'ChangeProfile', data: { userId, phone: null, now } })
        .then([{ type: 'UserProfileChanged', data: { userId, phone: null, changedAt: at } }]));

    it('appends nothing when the profile does not change', () =>
      given([registered]).when({ type: 'ChangeProfile', data: { userId, name: 'Ada Lovelace', now } }).thenNothingHappened());

    it('records a password change (and never the password)', () =>
      given([registered]).when({ type: 'ChangePassword', data: { userId, now } }).then([{ type: 'UserPasswordChanged', data: { userId, changedAt: at } }]));

    it('grants a role it does not have', () =>
      given([registered])
        .when({ type: 'GrantRole', data: { userId, role: 'operator', actorId: adminId, now } })
        .then([{ type: 'UserRoleGranted', data: { userId, role: 'operator', grantedBy: adminId, grantedAt: at } }]));

    it('appends nothing when granting a role it has', () =>
      given([registered]).when({ type: 'GrantRole', data: { userId, role: 'customer', actorId: adminId, now } }).thenNothingHappened());

    it('revokes a role it has', () =>
      given([registered])
        .when({ type: 'RevokeRole', data: { userId, role: 'customer', actorId: adminId, now } })
        .then([{ type: 'UserRoleRevoked', data: { userId, role: 'customer', revokedBy: adminId, revokedAt: at } }]));

    it('refuses an admin revoking their own admin role', () =>
      given([{ ...registered, data: { ...registered.data, roles: ['admin'] } }])
        .when({ type: 'RevokeRole', data: { userId, role: 'admin', actorId: userId, now } })
        .thenThrows(conflict(/your own admin role/)));

    it('is disabled by an admin', () =>
      given([registered]).when({ type: 'DisableUser', data: { userId, actorId: adminId, now } }).then([disabled]));

    it('refuses to disable itself', () =>
      given([registered]).when({ type: 'DisableUser', data: { userId, actorId: userId, now } }).thenThrows(conflict(/your own account/)));

    it('refuses to be enabled', () =>
      given([registered]).when({ type: 'EnableUser', data: { userId, actorId: adminId, now } }).thenThrows(conflict(/not disabled/)));

    it('is forgotten', () => given([registered]).when({ type: 'ForgetUser', data: { userId, now } }).then([forgotten]));
  });

  describe('when active without addresses', () => {
    it('makes the first address the default even when not asked to', () =>
      given([registered])
        .when({ type: 'AddShippingAddress', data: { userId, addressId: homeId, address: home, makeDefault: false, now } })
        .then([added(homeId, home), defaultSet(homeId, null)]));

    it('answers 404 for any address id, such as another account’s', () =>
      given([registered])
        .when({ type: 'ChangeShippingAddress', data: { userId, addressId: homeId, changes: { city: 'Paris' }, now } })
        .thenThrows(notFound));
  });

  describe('when active with a default address', () => {
    it('adds a second address without moving the default', () =>
      given(withHome)
        .when({ type: 'AddShippingAddress', data: { userId, addressId: workId, address: work, makeDefault: false, now } })
        .then([added(workId, work)]));

    it('moves the default to a new address asked to be the default, in the same append', () =>
      given(withHome)
        .when({ type: 'AddShippingAddress', data: { userId, addressId: workId, address: work, makeDefault: true, now } })
        .then([added(workId, work), defaultSet(workId, homeId)]));

    it(`refuses a ${MAX_ADDRESSES + 1}th address`, () => {
      const many = Array.from({ length: MAX_ADDRESSES }, (_, i) => added(`00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, home));
      return given([registered, ...many])
        .when({ type: 'AddShippingAddress', data: { userId, addressId: cabinId, address: home, makeDefault: false, now } })
        .thenThrows(conflict(/at most 20 addresses/));
    });

    it('records only the address fields that differ, clearing line2 with null', () =>
      given([registered, added(homeId, { ...home, line2: 'Flat 3' }), defaultSet(homeId, null)])
        .when({ type: 'ChangeShippingAddress', data: { userId, addressId: homeId, changes: { city: 'London', line2: null, postalCode: 'SW1Y 4JJ' }, now } })
        .then([{ type: 'ShippingAddressChanged', data: { userId, addressId: homeId, line2: null, postalCode: 'SW1Y 4JJ', changedAt: at } }]));

    it('makes another address the default, naming the previous one', () =>
      given(withHomeAndWork)
        .when({ type: 'ChangeShippingAddress', data: { userId, addressId: workId, changes: {}, makeDefault: true, now } })
        .then([defaultSet(workId, homeId)]));

    it('refuses to un-default the default address', () =>
      given(withHomeAndWork)
        .when({ type: 'ChangeShippingAddress', data: { userId, addressId: homeId, changes: {}, makeDefault: false, now } })
        .thenThrows(conflict(/make another address the default/)));

    it('promotes the oldest remaining address when the default is removed', () =>
      given([...withHomeAndWork, added(cabinId, home)])
        .when({ type: 'RemoveShippingAddress', data: { userId, addressId: homeId, now } })
        .then([{ type: 'ShippingAddressRemoved', data: { userId, addressId: homeId, removedAt: at } }, defaultSet(workId, null)]));

    it('leaves no default when the last address is removed', () =>
      given(withHome)
        .when({ type: 'RemoveShippingAddress', data: { userId, addressId: homeId, now } })
        .then([{ type: 'ShippingAddressRemoved', data: { userId, addressId: homeId, removedAt: at } }]));

    it('keeps the default when another address is removed', () =>
      given(withHomeAndWork)
        .when({ type: 'RemoveShippingAddress', data: { userId, addressId: workId, now } })
        .then([{ type: 'ShippingAddressRemoved', data: { userId, addressId: workId, removedAt: at } }]));

    it('answers 404 for removing an address it does not have', () =>
      given(withHome).when({ type: 'RemoveShippingAddress', data: { userId, addressId: cabinId, now } }).thenThrows(notFound));

    it('holds exactly one default after any of these', () => {
      const state = [...withHomeAndWork, defaultSet(workId, homeId), { type: 'ShippingAddressRemoved', data: { userId, addressId: workId, removedAt: at } } as UserEvent, defaultSet(homeId, null)].reduce(
        evolve,
        initialState(),
      );
      expect(state).toMatchObject({ status: 'active', defaultAddressId: homeId, addresses: [{ addressId: homeId }] });
    });
  });

  describe('when disabled', () => {
    it('is enabled by an admin', () =>
      given([registered, disabled])
        .when({ type: 'EnableUser', data: { userId, actorId: adminId, now } })
        .then([{ type: 'UserEnabled', data: { userId, enabledBy: adminId, enabledAt: at } }]));

    it('refuses to be disabled twice', () =>
      given([registered, disabled]).when({ type: 'DisableUser', data: { userId, actorId: adminId, now } }).thenThrows(conflict(/already disabled/)));

    it.each([
      ['profile changes', { type: 'ChangeProfile', data: { userId, name: 'Ada', now } }],
      ['password changes', { type: 'ChangePassword', data: { userId, now } }],
      ['new addresses', { type: 'AddShippingAddress', data: { userId, addressId: homeId, address: home, makeDefault: false, now } }],
    ] as const)('refuses %s', (_label, command) => given([registered, disabled]).when(command).thenThrows(conflict(/disabled/)));

    it('still lets an admin change its roles', () =>
      given([registered, disabled])
        .when({ type: 'GrantRole', data: { userId, role: 'operator', actorId: adminId, now } })
        .then([{ type: 'UserRoleGranted', data: { userId, role: 'operator', grantedBy: adminId, grantedAt: at } }]));
  });

  describe('when forgotten', () => {
    it.each([
      ['profile changes', { type: 'ChangeProfile', data: { userId, name: 'Ada', now } }],
      ['role grants', { type: 'GrantRole', data: { userId, role: 'admin', actorId: adminId, now } }],
      ['enabling', { type: 'EnableUser', data: { userId, actorId: adminId, now } }],
      ['a second forgetting', { type: 'ForgetUser', data: { userId, now } }],
      ['new addresses', { type: 'AddShippingAddress', data: { userId, addressId: homeId, address: home, makeDefault: false, now } }],
    ] as const)('refuses %s', (_label, command) => given([...withHome, forgotten]).when(command).thenThrows(conflict(/forgotten/)));

    it('keeps nothing of the account in its state', () =>
      expect([...withHomeAndWork, forgotten].reduce(evolve, initialState())).toEqual({ status: 'forgotten' }));
  });
});
