import { z } from 'zod';
import { Email, Role } from './auth.js';
import { Cursor, ExpectedVersion, Id, Limit, Timestamp, page } from './common.js';
import { eventType, personal } from './event.js';
import { operation } from './operation.js';
import { nonBlankText, secret } from './text.js';

// ---- Fields a client sends ----

const newPassword = (description: string) =>
  secret(
    z
      .string()
      .min(12, 'Use at least 12 characters; a few unrelated words are easy to remember and hard to guess')
      .max(1024)
      .describe(description)
      .meta({ examples: ['correct horse battery staple'] }),
  );
export const NewPassword = newPassword('Password, at least 12 characters');

const PersonName = nonBlankText(200).describe('Full name').meta({ examples: ['Ada Lovelace'] });

const Phone = z
  .string()
  .regex(/^\+[1-9][0-9]{6,14}$/, 'Use the international format: + and country code, digits only (+447700900123)')
  .describe('Phone number in international (E.164) format')
  .meta({ examples: ['+447700900123'] });

const RecipientName = nonBlankText(200).describe('Who receives the parcel').meta({ examples: ['Ada Lovelace'] });
const AddressLine1 = nonBlankText(200).describe('Street and number').meta({ examples: ['12 St James Square'] });
const AddressLine2 = z.string().trim().max(200).describe('Flat, floor, building (optional)').meta({ examples: ['Flat 3'] });
const City = nonBlankText(100).describe('City or town').meta({ examples: ['London'] });
const Region = z.string().trim().max(100).describe('State, county or province (optional)').meta({ examples: ['Greater London'] });
const PostalCode = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9 -]{1,11}$/, 'Use 2 to 12 letters, digits, spaces or dashes, starting with a letter or digit (SW1Y 4JH, 94105, ABCD)')
  .describe('Postal code')
  .meta({ examples: ['SW1Y 4JH'] });
const Country = z
  .string()
  .regex(/^[A-Z]{2}$/, 'Use a two-letter ISO 3166 code in capitals, such as GB')
  .describe('Country (ISO 3166-1 alpha-2)')
  .meta({ examples: ['GB'] });
const MakeDefault = z.boolean().describe('Make this the default shipping address').meta({ examples: [true] });

export const AccountStatus = z.enum(['active', 'disabled', 'forgotten']).describe('Account status');

// ---- What the server answers ----

export const UserView = z
  .object({
    id: Id,
    email: z.string().describe('Email address; "[forgotten]" once the account is forgotten'),
    name: z.string(),
    phone: z.string().nullable(),
    roles: z.array(Role),
    status: AccountStatus,
    version: z.number().int().describe('Stream version; send it back as expectedVersion (If-Match)'),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .describe('A user account');
export type UserView = z.infer<typeof UserView>;

export const AddressView = z
  .object({
    id: Id,
    recipientName: z.string(),
    line1: z.string(),
    line2: z.string().nullable(),
    city: z.string(),
    region: z.string().nullable(),
    postalCode: z.string(),
    country: z.string(),
    isDefault: z.boolean(),
    version: z
      .number()
      .int()
      .describe('Version of the account the address belongs to; send it back as expectedVersion (If-Match)'),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .describe('A shipping address');
export type AddressView = z.infer<typeof AddressView>;

export const AddressBook = z
  .object({
    items: z.array(AddressView),
    defaultAddressId: Id.nullable(),
    version: z.number().int().describe('Version of the account; send it back as expectedVersion (If-Match)'),
  })
  .describe('Your shipping addresses, oldest first');

/** A signed-in session: the same shape whether it came from registering or changing the password. */
export const UserSession = z.object({
  token: z.string().describe('Bearer token for the Authorization header'),
  expiresAt: Timestamp,
  user: UserView,
});

const userColumns = ['id', 'email', 'name', 'roles', 'status', 'version'] as const;
const addressColumns = ['id', 'recipientName', 'line1', 'city', 'postalCode', 'country', 'isDefault'] as const;
const listPagination = { cursorField: 'cursor', itemsField: 'items', nextCursorField: 'nextCursor' } as const;

export const addressFields = {
  recipientName: RecipientName,
  line1: AddressLine1,
  line2: AddressLine2.optional(),
  city: City,
  region: Region.optional(),
  postalCode: PostalCode,
  country: Country,
};

export const userOperations = {
  'users.register': operation({
    id: 'users.register',
    method: 'POST',
    path: '/api/users/register',
    kind: 'command',
    auth: 'public',
    summary: 'Create an account',
    description:
      'Creates a customer account and signs it in. An email can hold one account (letter case does not matter); a taken email answers 409.',
    errors: {
      409: 'The email is already registered (`email_taken`)',
      429: 'Too many sign-ups from your address; see Retry-After',
    },
    input: z.object({ email: Email.meta({ examples: ['ada@example.com'] }), password: NewPassword, name: PersonName, phone: Phone.optional() }).strict(),
    output: UserSession,
    successStatus: 201,
    tableColumns: ['expiresAt', 'user'],
  }),
  'users.profile': operation({
    id: 'users.profile',
    method: 'GET',
    path: '/api/users/profile',
    kind: 'query',
    auth: 'customer',
    summary: 'Read your profile',
    input: z.object({}).strict(),
    output: UserView,
    tableColumns: userColumns,
  }),
  'users.updateProfile': operation({
    id: 'users.updateProfile',
    method: 'PUT',
    path: '/api/users/profile',
    kind: 'command',
    auth: 'customer',
    summary: 'Change your profile',
    description:
      'Changes the given fields and leaves the others. `phone: null` removes the phone number. A new email must not belong to another account (409).',
    errors: {
      409: 'The new email belongs to another account (`email_taken`), the account is closed, or the Idempotency-Key is in use',
    },
    input: z
      .object({
        name: PersonName.optional(),
        email: Email.optional(),
        phone: Phone.nullable().optional(),
        expectedVersion: ExpectedVersion.optional(),
      })
      .strict(),
    output: UserView,
    tableColumns: userColumns,
  }),
  'users.changePassword': operation({
    id: 'users.changePassword',
    method: 'PUT',
    path: '/api/users/password',
    kind: 'command',
    auth: 'customer',
    summary: 'Change your password',
    description:
      'Needs the current password. Every token issued before the change stops working; the answer carries a fresh one so you stay signed in.',
    errors: {
      400: 'Invalid input, or `currentPassword` is not your current password',
      429: 'Too many wrong current passwords: they count against the account’s sign-in limit; see Retry-After',
    },
    input: z
      .object({
        currentPassword: secret(z.string().min(1).max(1024).describe('Your password now').meta({ examples: ['correct horse battery staple'] })),
        newPassword: newPassword('The new password, at least 12 characters'),
      })
      .strict(),
    output: UserSession,
    renewsSession: true,
    tableColumns: ['expiresAt', 'user'],
  }),
  'users.forget': operation({
    id: 'users.forget',
    method: 'DELETE',
    path: '/api/users/profile',
    kind: 'command',
    auth: 'customer',
    summary: 'Close your account and forget your personal data',
    confirm: 'Forget your account? Your name, email, phone and addresses become unreadable for good.',
    endsSession: true,
    description:
      'Closes the account for good. Your name, email, phone and addresses become unreadable everywhere, including the event history (their key is destroyed); orders keep their history with those fields blanked. The email can be registered again.',
    input: z.object({}).strict(),
    output: UserView,
    tableColumns: userColumns,
  }),
  'users.listAddresses': operation({
    id: 'users.listAddresses',
    method: 'GET',
    path: '/api/users/addresses',
    kind: 'query',
    auth: 'customer',
    summary: 'List your shipping addresses',
    input: z.object({}).strict(),
    output: AddressBook,
    cliName: 'addresses',
    tableColumns: addressColumns,
  }),
  'users.addAddress': operation({
    id: 'users.addAddress',
    method: 'POST',
    path: '/api/users/addresses',
    kind: 'command',
    auth: 'customer',
    summary: 'Add a shipping address',
    description: 'Your first address becomes the default; `isDefault: true` makes a later one the default instead of the previous one.',
    input: z.object({ ...addressFields, isDefault: MakeDefault.optional(), expectedVersion: ExpectedVersion.optional() }).strict(),
    output: AddressView,
    successStatus: 201,
    tableColumns: addressColumns,
  }),
  'users.updateAddress': operation({
    id: 'users.updateAddress',
    method: 'PUT',
    path: '/api/users/addresses/:id',
    kind: 'command',
    auth: 'customer',
    summary: 'Change a shipping address',
    description:
      'Changes the given fields; `line2` or `region: null` clears them. `isDefault: true` makes it the default and the previous default stops being one; to move the default, make another address the default (409 otherwise). Another account’s address answers 404.',
    input: z
      .object({
        id: Id,
        recipientName: RecipientName.optional(),
        line1: AddressLine1.optional(),
        line2: AddressLine2.nullable().optional(),
        city: City.optional(),
        region: Region.nullable().optional(),
        postalCode: PostalCode.optional(),
        country: Country.optional(),
        isDefault: MakeDefault.optional(),
        expectedVersion: ExpectedVersion.optional(),
      })
      .strict(),
    output: AddressView,
    tableColumns: addressColumns,
  }),
  'users.removeAddress': operation({
    id: 'users.removeAddress',
    method: 'DELETE',
    path: '/api/users/addresses/:id',
    kind: 'command',
    auth: 'customer',
    summary: 'Remove a shipping address',
    description: 'Removing the default makes your oldest remaining address the default. Another account’s address answers 404.',
    input: z.object({ id: Id, expectedVersion: ExpectedVersion.optional() }).strict(),
    output: AddressBook,
    tableColumns: addressColumns,
  }),
  'users.list': operation({
    id: 'users.list',
    method: 'GET',
    path: '/api/users',
    kind: 'query',
    auth: 'admin',
    summary: 'List accounts',
    description: 'Every account, oldest first, a page at a time; filter by role or status.',
    input: z
      .object({
        role: Role.optional(),
        status: AccountStatus.optional(),
        limit: Limit.optional(),
        cursor: Cursor.optional(),
      })
      .strict(),
    output: page(UserView),
    pagination: listPagination,
    tableColumns: userColumns,
  }),
  'users.get': operation({
    id: 'users.get',
    method: 'GET',
    path: '/api/users/:id',
    kind: 'query',
    auth: 'admin',
    summary: 'Read an account',
    input: z.object({ id: Id }).strict(),
    output: UserView,
    tableColumns: userColumns,
  }),
  'users.grantRole': operation({
    id: 'users.grantRole',
    method: 'POST',
    path: '/api/users/:id/roles',
    kind: 'command',
    auth: 'admin',
    summary: 'Grant a role',
    description: 'Takes effect on the account’s next request; granting a role it already has changes nothing.',
    input: z.object({ id: Id, role: Role.meta({ examples: ['operator'] }), expectedVersion: ExpectedVersion.optional() }).strict(),
    output: UserView,
    cliPositional: 'role',
    tableColumns: userColumns,
  }),
  'users.revokeRole': operation({
    id: 'users.revokeRole',
    method: 'DELETE',
    path: '/api/users/:id/roles/:role',
    kind: 'command',
    auth: 'admin',
    summary: 'Revoke a role',
    description: 'Takes effect on the account’s next request. You cannot revoke your own admin role (409).',
    input: z.object({ id: Id, role: Role.meta({ examples: ['operator'] }), expectedVersion: ExpectedVersion.optional() }).strict(),
    output: UserView,
    tableColumns: userColumns,
  }),
  'users.disable': operation({
    id: 'users.disable',
    method: 'POST',
    path: '/api/users/:id/disable',
    kind: 'command',
    auth: 'admin',
    summary: 'Disable an account',
    confirm: 'Disable this account? Its sessions stop working at once.',
    description: 'Its tokens stop working at once and it cannot sign in until enabled again. You cannot disable yourself (409).',
    input: z.object({ id: Id, expectedVersion: ExpectedVersion.optional() }).strict(),
    output: UserView,
    tableColumns: userColumns,
  }),
  'users.enable': operation({
    id: 'users.enable',
    method: 'POST',
    path: '/api/users/:id/enable',
    kind: 'command',
    auth: 'admin',
    summary: 'Enable a disabled account',
    description: 'It can sign in again; tokens from before it was disabled stay invalid.',
    input: z.object({ id: Id, expectedVersion: ExpectedVersion.optional() }).strict(),
    output: UserView,
    tableColumns: userColumns,
  }),
} as const;

// ---- Events: what the users module records. Personal fields are sealed in the log with the user's key. ----

const UserIdField = Id.describe('The account');
const AddressIdField = Id.describe('The address');
const userEvent = <const Type extends string, Data extends z.ZodObject>(type: Type, description: string, data: Data) =>
  eventType({ type, module: 'users', streamType: 'user', description, data });

const addressData = {
  recipientName: personal(z.string().describe('Who receives the parcel')),
  line1: personal(z.string().describe('Street and number')),
  line2: personal(z.string().describe('Flat, floor, building')).nullable(),
  city: personal(z.string().describe('City or town')),
  region: personal(z.string().describe('State, county or province')).nullable(),
  postalCode: personal(z.string().describe('Postal code')),
  country: z.string().describe('Country (ISO 3166-1 alpha-2)'),
};

export const userEvents = {
  UserRegistered: userEvent(
    'UserRegistered',
    'An account was opened (by registering, or as the bootstrap admin).',
    z.object({
      userId: UserIdField,
      email: personal(z.string().describe('Email address')),
      name: personal(z.string().describe('Full name')),
      phone: personal(z.string().describe('Phone number')).nullable(),
      roles: z.array(Role).describe('Roles it started with'),
      registeredAt: Timestamp.describe('When it was opened'),
    }),
  ),
  UserProfileChanged: userEvent(
    'UserProfileChanged',
    'Some of the account’s email, name or phone changed; only the changed fields are present.',
    z.object({
      userId: UserIdField,
      email: personal(z.string().describe('New email address')).optional(),
      name: personal(z.string().describe('New name')).optional(),
      phone: personal(z.string().describe('New phone number; null when it was removed')).nullable().optional(),
      changedAt: Timestamp.describe('When it changed'),
    }),
  ),
  UserPasswordChanged: userEvent(
    'UserPasswordChanged',
    'The password changed and every earlier session ended (the hash is never recorded).',
    z.object({ userId: UserIdField, changedAt: Timestamp.describe('When it changed') }),
  ),
  UserRoleGranted: userEvent(
    'UserRoleGranted',
    'An admin granted a role.',
    z.object({
      userId: UserIdField,
      role: Role.describe('The role granted'),
      grantedBy: Id.describe('The admin who granted it'),
      grantedAt: Timestamp.describe('When'),
    }),
  ),
  UserRoleRevoked: userEvent(
    'UserRoleRevoked',
    'An admin revoked a role.',
    z.object({
      userId: UserIdField,
      role: Role.describe('The role revoked'),
      revokedBy: Id.describe('The admin who revoked it'),
      revokedAt: Timestamp.describe('When'),
    }),
  ),
  UserDisabled: userEvent(
    'UserDisabled',
    'An admin disabled the account; its sessions ended at once.',
    z.object({ userId: UserIdField, disabledBy: Id.describe('The admin'), disabledAt: Timestamp.describe('When') }),
  ),
  UserEnabled: userEvent(
    'UserEnabled',
    'An admin enabled a disabled account again.',
    z.object({ userId: UserIdField, enabledBy: Id.describe('The admin'), enabledAt: Timestamp.describe('When') }),
  ),
  ShippingAddressAdded: userEvent(
    'ShippingAddressAdded',
    'A shipping address was added to the address book.',
    z.object({ userId: UserIdField, addressId: AddressIdField, ...addressData, addedAt: Timestamp.describe('When') }),
  ),
  ShippingAddressChanged: userEvent(
    'ShippingAddressChanged',
    'Some fields of a shipping address changed; only the changed fields are present.',
    z.object({
      userId: UserIdField,
      addressId: AddressIdField,
      recipientName: addressData.recipientName.optional(),
      line1: addressData.line1.optional(),
      line2: addressData.line2.optional(),
      city: addressData.city.optional(),
      region: addressData.region.optional(),
      postalCode: addressData.postalCode.optional(),
      country: addressData.country.optional(),
      changedAt: Timestamp.describe('When'),
    }),
  ),
  DefaultShippingAddressSet: userEvent(
    'DefaultShippingAddressSet',
    'Another address became the default.',
    z.object({
      userId: UserIdField,
      addressId: AddressIdField,
      previousAddressId: Id.nullable().describe('The default before, if any'),
      setAt: Timestamp.describe('When'),
    }),
  ),
  ShippingAddressRemoved: userEvent(
    'ShippingAddressRemoved',
    'A shipping address was removed.',
    z.object({ userId: UserIdField, addressId: AddressIdField, removedAt: Timestamp.describe('When') }),
  ),
  UserForgotten: userEvent(
    'UserForgotten',
    'The account was closed and its personal data forgotten: its key is destroyed, so every personal field of its history reads null.',
    z.object({ userId: UserIdField, forgottenAt: Timestamp.describe('When') }),
  ),
} as const;
