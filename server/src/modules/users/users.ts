import { userEvents, type DomainEventOf, type Role } from '@eventshop/sdk/contract';
import { InvalidStateError, NotFoundError } from '../../infra/http/problems.js';

/** An account keeps a bounded address book, so its stream (read on every command) stays small. */
export const MAX_ADDRESSES = 20;

export type AddressFields = {
  recipientName: string;
  line1: string;
  line2: string | null;
  city: string;
  region: string | null;
  postalCode: string;
  country: string;
};

// ---- Events: past-tense facts (schemas in the contract). Personal fields are sealed on their way into the log (personal-fields.ts). ----

export type UserRegistered = DomainEventOf<typeof userEvents.UserRegistered>;
export type UserProfileChanged = DomainEventOf<typeof userEvents.UserProfileChanged>;
export type UserPasswordChanged = DomainEventOf<typeof userEvents.UserPasswordChanged>;
export type UserRoleGranted = DomainEventOf<typeof userEvents.UserRoleGranted>;
export type UserRoleRevoked = DomainEventOf<typeof userEvents.UserRoleRevoked>;
export type UserDisabled = DomainEventOf<typeof userEvents.UserDisabled>;
export type UserEnabled = DomainEventOf<typeof userEvents.UserEnabled>;
export type ShippingAddressAdded = DomainEventOf<typeof userEvents.ShippingAddressAdded>;
export type ShippingAddressChanged = DomainEventOf<typeof userEvents.ShippingAddressChanged>;
export type DefaultShippingAddressSet = DomainEventOf<typeof userEvents.DefaultShippingAddressSet>;
export type ShippingAddressRemoved = DomainEventOf<typeof userEvents.ShippingAddressRemoved>;
export type UserForgotten = DomainEventOf<typeof userEvents.UserForgotten>;

export type UserEvent =
  | UserRegistered
  | UserProfileChanged
  | UserPasswordChanged
  | UserRoleGranted
  | UserRoleRevoked
  | UserDisabled
  | UserEnabled
  | ShippingAddressAdded
  | ShippingAddressChanged
  | DefaultShippingAddressSet
  | ShippingAddressRemoved
  | UserForgotten;

export const userEventTypes = Object.keys(userEvents) as UserEvent['type'][];

// ---- Commands: imperatives carrying their time and, for admin ones, who acts ----

export type RegisterUser = {
  type: 'RegisterUser';
  data: { userId: string; email: string; name: string; phone: string | null; roles: Role[]; now: Date };
};
export type ChangeProfile = {
  type: 'ChangeProfile';
  data: { userId: string; email?: string; name?: string; phone?: string | null; now: Date };
};
export type ChangePassword = { type: 'ChangePassword'; data: { userId: string; now: Date } };
export type GrantRole = { type: 'GrantRole'; data: { userId: string; role: Role; actorId: string; now: Date } };
export type RevokeRole = { type: 'RevokeRole'; data: { userId: string; role: Role; actorId: string; now: Date } };
export type DisableUser = { type: 'DisableUser'; data: { userId: string; actorId: string; now: Date } };
export type EnableUser = { type: 'EnableUser'; data: { userId: string; actorId: string; now: Date } };
export type AddShippingAddress = {
  type: 'AddShippingAddress';
  data: { userId: string; addressId: string; address: AddressFields; makeDefault: boolean; now: Date };
};
export type ChangeShippingAddress = {
  type: 'ChangeShippingAddress';
  data: { userId: string; addressId: string; changes: Partial<AddressFields>; makeDefault?: boolean; now: Date };
};
export type RemoveShippingAddress = { type: 'RemoveShippingAddress'; data: { userId: string; addressId: string; now: Date } };
export type ForgetUser = { type: 'ForgetUser'; data: { userId: string; now: Date } };

export type UserCommand =
  | RegisterUser
  | ChangeProfile
  | ChangePassword
  | GrantRole
  | RevokeRole
  | DisableUser
  | EnableUser
  | AddShippingAddress
  | ChangeShippingAddress
  | RemoveShippingAddress
  | ForgetUser;

// ---- State ----

export type Address = AddressFields & { addressId: string };

type Account = {
  email: string;
  name: string;
  phone: string | null;
  roles: Role[];
  /** Oldest first: when the default goes, the oldest remaining one takes its place. */
  addresses: Address[];
  defaultAddressId: string | null;
};

export type User =
  | { status: 'empty' }
  | ({ status: 'active' } & Account)
  | ({ status: 'disabled' } & Account)
  | { status: 'forgotten' };

type OpenUser = Extract<User, { status: 'active' | 'disabled' }>;

export const initialState = (): User => ({ status: 'empty' });

const ADDRESS_FIELDS = ['recipientName', 'line1', 'line2', 'city', 'region', 'postalCode', 'country'] as const satisfies readonly (keyof AddressFields)[];

const addressChanges = (data: Partial<AddressFields>): Partial<AddressFields> => {
  const changes: Partial<AddressFields> = {};
  for (const field of ADDRESS_FIELDS) if (data[field] !== undefined) Object.assign(changes, { [field]: data[field] });
  return changes;
};

const evolveOpen = (state: OpenUser, event: UserEvent): User => {
  switch (event.type) {
    case 'UserProfileChanged': {
      const { email, name, phone } = event.data;
      return { ...state, email: email ?? state.email, name: name ?? state.name, phone: phone === undefined ? state.phone : phone };
    }
    case 'UserRoleGranted':
      return state.roles.includes(event.data.role) ? state : { ...state, roles: [...state.roles, event.data.role] };
    case 'UserRoleRevoked':
      return { ...state, roles: state.roles.filter((role) => role !== event.data.role) };
    case 'UserDisabled':
      return { ...state, status: 'disabled' };
    case 'UserEnabled':
      return { ...state, status: 'active' };
    case 'ShippingAddressAdded': {
      const { userId: _user, addedAt: _at, ...address } = event.data;
      return { ...state, addresses: [...state.addresses, address] };
    }
    case 'ShippingAddressChanged': {
      const changes = addressChanges(event.data);
      return {
        ...state,
        addresses: state.addresses.map((address) => (address.addressId === event.data.addressId ? { ...address, ...changes } : address)),
      };
    }
    case 'DefaultShippingAddressSet':
      return { ...state, defaultAddressId: event.data.addressId };
    case 'ShippingAddressRemoved':
      return {
        ...state,
        addresses: state.addresses.filter((address) => address.addressId !== event.data.addressId),
        defaultAddressId: state.defaultAddressId === event.data.addressId ? null : state.defaultAddressId,
      };
    case 'UserForgotten':
      return { status: 'forgotten' };
    case 'UserRegistered':
    case 'UserPasswordChanged':
      return state;
    default: {
      const _exhaustive: never = event;
      return state;
    }
  }
};

export const evolve = (state: User, event: UserEvent): User => {
  if (event.type === 'UserRegistered') {
    const { email, name, phone, roles } = event.data;
    return { status: 'active', email, name, phone, roles, addresses: [], defaultAddressId: null };
  }
  // Nothing follows a forgetting, and nothing but registering starts an account.
  if (state.status === 'empty' || state.status === 'forgotten') return state;
  return evolveOpen(state, event);
};

// ---- Decisions ----

const existing = (state: User, userId: string): OpenUser => {
  if (state.status === 'empty') throw new NotFoundError('User', userId);
  if (state.status === 'forgotten') throw new InvalidStateError('The account was closed and its personal data forgotten');
  return state;
};

/** Self-service changes need an account that is open for its owner. */
const active = (state: User, userId: string) => {
  const account = existing(state, userId);
  if (account.status === 'disabled') throw new InvalidStateError('The account is disabled');
  return account;
};

const register = ({ data }: RegisterUser, state: User): UserRegistered => {
  if (state.status !== 'empty') throw new InvalidStateError('User already exists');
  const { userId, email, name, phone, roles, now } = data;
  return { type: 'UserRegistered', data: { userId, email, name, phone, roles, registeredAt: now.toISOString() } };
};

/** Only what actually differs becomes an event; a change to nothing appends nothing. */
const changeProfile = ({ data }: ChangeProfile, state: User): UserProfileChanged[] => {
  const account = active(state, data.userId);
  const changed: Pick<UserProfileChanged['data'], 'email' | 'name' | 'phone'> = {};
  if (data.email !== undefined && data.email !== account.email) changed.email = data.email;
  if (data.name !== undefined && data.name !== account.name) changed.name = data.name;
  if (data.phone !== undefined && data.phone !== account.phone) changed.phone = data.phone;
  if (Object.keys(changed).length === 0) return [];
  return [{ type: 'UserProfileChanged', data: { userId: data.userId, ...changed, changedAt: data.now.toISOString() } }];
};

const changePassword = ({ data }: ChangePassword, state: User): UserPasswordChanged => {
  active(state, data.userId);
  return { type: 'UserPasswordChanged', data: { userId: data.userId, changedAt: data.now.toISOString() } };
};

const grantRole = ({ data }: GrantRole, state: User): UserRoleGranted[] => {
  const account = existing(state, data.userId);
  if (account.roles.includes(data.role)) return [];
  return [{ type: 'UserRoleGranted', data: { userId: data.userId, role: data.role, grantedBy: data.actorId, grantedAt: data.now.toISOString() } }];
};

const revokeRole = ({ data }: RevokeRole, state: User): UserRoleRevoked[] => {
  const account = existing(state, data.userId);
  // Otherwise the last admin could lock everyone out of administration by accident.
  if (data.role === 'admin' && data.actorId === data.userId) throw new InvalidStateError('You cannot revoke your own admin role');
  if (!account.roles.includes(data.role)) return [];
  return [{ type: 'UserRoleRevoked', data: { userId: data.userId, role: data.role, revokedBy: data.actorId, revokedAt: data.now.toISOString() } }];
};

const disable = ({ data }: DisableUser, state: User): UserDisabled => {
  const account = existing(state, data.userId);
  if (data.actorId === data.userId) throw new InvalidStateError('You cannot disable your own account');
  if (account.status === 'disabled') throw new InvalidStateError('The account is already disabled');
  return { type: 'UserDisabled', data: { userId: data.userId, disabledBy: data.actorId, disabledAt: data.now.toISOString() } };
};

const enable = ({ data }: EnableUser, state: User): UserEnabled => {
  const account = existing(state, data.userId);
  if (account.status !== 'disabled') throw new InvalidStateError('The account is not disabled');
  return { type: 'UserEnabled', data: { userId: data.userId, enabledBy: data.actorId, enabledAt: data.now.toISOString() } };
};

const addAddress = ({ data }: AddShippingAddress, state: User): UserEvent[] => {
  const account = active(state, data.userId);
  if (account.addresses.some((address) => address.addressId === data.addressId)) throw new InvalidStateError('That address already exists');
  if (account.addresses.length >= MAX_ADDRESSES) {
    throw new InvalidStateError(`An account keeps at most ${MAX_ADDRESSES} addresses; remove one first`);
  }
  const at = data.now.toISOString();
  const added: ShippingAddressAdded = { type: 'ShippingAddressAdded', data: { userId: data.userId, addressId: data.addressId, ...data.address, addedAt: at } };
  // The first address is the default whatever was asked: an address book is never without one.
  if (!data.makeDefault && account.defaultAddressId !== null) return [added];
  return [added, defaultSet(data.userId, data.addressId, account.defaultAddressId, at)];
};

const defaultSet = (userId: string, addressId: string, previousAddressId: string | null, setAt: string): DefaultShippingAddressSet => ({
  type: 'DefaultShippingAddressSet',
  data: { userId, addressId, previousAddressId, setAt },
});

const changeAddress = ({ data }: ChangeShippingAddress, state: User): UserEvent[] => {
  const account = active(state, data.userId);
  const address = account.addresses.find((each) => each.addressId === data.addressId);
  if (!address) throw new NotFoundError('Address', data.addressId);
  const isDefault = account.defaultAddressId === data.addressId;
  if (data.makeDefault === false && isDefault) {
    throw new InvalidStateError('This is your default address; make another address the default instead');
  }
  const at = data.now.toISOString();
  const events: UserEvent[] = [];
  const changed: Partial<AddressFields> = {};
  for (const [field, value] of Object.entries(addressChanges(data.changes)) as [keyof AddressFields, string | null][]) {
    if (value !== address[field]) Object.assign(changed, { [field]: value });
  }
  if (Object.keys(changed).length > 0) {
    events.push({ type: 'ShippingAddressChanged', data: { userId: data.userId, addressId: data.addressId, ...changed, changedAt: at } });
  }
  if (data.makeDefault === true && !isDefault) events.push(defaultSet(data.userId, data.addressId, account.defaultAddressId, at));
  return events;
};

const removeAddress = ({ data }: RemoveShippingAddress, state: User): UserEvent[] => {
  const account = active(state, data.userId);
  if (!account.addresses.some((address) => address.addressId === data.addressId)) throw new NotFoundError('Address', data.addressId);
  const at = data.now.toISOString();
  const removed: ShippingAddressRemoved = { type: 'ShippingAddressRemoved', data: { userId: data.userId, addressId: data.addressId, removedAt: at } };
  if (account.defaultAddressId !== data.addressId) return [removed];
  const oldestRemaining = account.addresses.find((address) => address.addressId !== data.addressId);
  return oldestRemaining ? [removed, defaultSet(data.userId, oldestRemaining.addressId, null, at)] : [removed];
};

const forget = ({ data }: ForgetUser, state: User): UserForgotten => {
  existing(state, data.userId);
  return { type: 'UserForgotten', data: { userId: data.userId, forgottenAt: data.now.toISOString() } };
};

export const decide = (command: UserCommand, state: User): UserEvent | UserEvent[] => {
  switch (command.type) {
    case 'RegisterUser':
      return register(command, state);
    case 'ChangeProfile':
      return changeProfile(command, state);
    case 'ChangePassword':
      return changePassword(command, state);
    case 'GrantRole':
      return grantRole(command, state);
    case 'RevokeRole':
      return revokeRole(command, state);
    case 'DisableUser':
      return disable(command, state);
    case 'EnableUser':
      return enable(command, state);
    case 'AddShippingAddress':
      return addAddress(command, state);
    case 'ChangeShippingAddress':
      return changeAddress(command, state);
    case 'RemoveShippingAddress':
      return removeAddress(command, state);
    case 'ForgetUser':
      return forget(command, state);
    default: {
      const _exhaustive: never = command;
      throw new Error(`Unknown command ${(_exhaustive as UserCommand).type}`);
    }
  }
};

/** When an event happened, by its own account of it (read models stamp `updated_at` with this, never a clock). */
export const occurredAt = (event: UserEvent): string => {
  switch (event.type) {
    case 'UserRegistered':
      return event.data.registeredAt;
    case 'UserProfileChanged':
    case 'UserPasswordChanged':
    case 'ShippingAddressChanged':
      return event.data.changedAt;
    case 'UserRoleGranted':
      return event.data.grantedAt;
    case 'UserRoleRevoked':
      return event.data.revokedAt;
    case 'UserDisabled':
      return event.data.disabledAt;
    case 'UserEnabled':
      return event.data.enabledAt;
    case 'ShippingAddressAdded':
      return event.data.addedAt;
    case 'DefaultShippingAddressSet':
      return event.data.setAt;
    case 'ShippingAddressRemoved':
      return event.data.removedAt;
    case 'UserForgotten':
      return event.data.forgottenAt;
    default: {
      const _exhaustive: never = event;
      throw new Error(`Unknown event ${(_exhaustive as UserEvent).type}`);
    }
  }
};

export const userDecider = { decide, evolve, initialState };
export const userStreamName = (userId: string) => `user-${userId}`;
