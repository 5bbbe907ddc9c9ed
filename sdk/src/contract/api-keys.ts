import { z } from 'zod';
import { Role } from './auth.js';
import { Cursor, Id, Limit, Timestamp, page } from './common.js';
import { eventType } from './event.js';
import { operation } from './operation.js';
import { nonBlankText } from './text.js';

export const ApiKeyView = z
  .object({
    id: Id,
    name: z.string(),
    role: Role,
    keyPrefix: z.string().describe('The first characters of the key, to tell keys apart; never the whole key'),
    createdBy: Id.describe('The admin who created it'),
    createdAt: Timestamp,
    revokedAt: Timestamp.nullable(),
    version: z.number().int().describe('Stream version'),
  })
  .describe('A partner API key (without its secret)');
export type ApiKeyView = z.infer<typeof ApiKeyView>;

export const CreatedApiKey = ApiKeyView.extend({
  key: z
    .string()
    .describe('The key itself, shown this once: store it now. Send it as "Authorization: Bearer <key>" (SDK: apiKey, CLI: login --api-key)'),
});

const apiKeyColumns = ['id', 'name', 'role', 'keyPrefix', 'createdAt', 'revokedAt'] as const;

export const apiKeyOperations = {
  'apiKeys.create': operation({
    id: 'apiKeys.create',
    method: 'POST',
    path: '/api/api-keys',
    kind: 'command',
    auth: 'admin',
    summary: 'Create a partner API key',
    description:
      'The answer holds the key once; the server keeps only its hash and can never show it again. The key acts with the given role (default `service`).',
    input: z
      .object({
        name: nonBlankText(100).describe('What the key is for').meta({ examples: ['Warehouse sync'] }),
        role: Role.default('service').meta({ examples: ['service'] }),
      })
      .strict(),
    output: CreatedApiKey,
    successStatus: 201,
    tableColumns: ['id', 'name', 'role', 'key'],
  }),
  'apiKeys.list': operation({
    id: 'apiKeys.list',
    method: 'GET',
    path: '/api/api-keys',
    kind: 'query',
    auth: 'admin',
    summary: 'List API keys',
    description: 'Every key, newest first, revoked ones included; never the secrets.',
    input: z.object({ limit: Limit.optional(), cursor: Cursor.optional() }).strict(),
    output: page(ApiKeyView),
    pagination: { cursorField: 'cursor', itemsField: 'items', nextCursorField: 'nextCursor' },
    tableColumns: apiKeyColumns,
  }),
  'apiKeys.revoke': operation({
    id: 'apiKeys.revoke',
    method: 'DELETE',
    path: '/api/api-keys/:id',
    kind: 'command',
    auth: 'admin',
    summary: 'Revoke an API key',
    confirm: 'Revoke this API key? Apps using it stop working at once.',
    description: 'The key stops working at once. Revoking is final.',
    input: z.object({ id: Id }).strict(),
    output: ApiKeyView,
    tableColumns: apiKeyColumns,
  }),
} as const;

// ---- Events: the audit trail of partner access; the key and its hash never enter the log ----

export const apiKeyEvents = {
  ApiKeyCreated: eventType({
    type: 'ApiKeyCreated',
    module: 'api-keys',
    streamType: 'apikey',
    description: 'An admin created a partner API key (its secret is never recorded).',
    data: z.object({
      keyId: Id.describe('The key'),
      name: z.string().describe('What the key is for'),
      role: Role.describe('The role the key acts with'),
      createdBy: Id.describe('The admin who created it'),
      createdAt: Timestamp.describe('When it was created'),
    }),
  }),
  ApiKeyRevoked: eventType({
    type: 'ApiKeyRevoked',
    module: 'api-keys',
    streamType: 'apikey',
    description: 'An admin revoked a partner API key; it is refused from then on.',
    data: z.object({
      keyId: Id.describe('The key'),
      revokedBy: Id.describe('The admin who revoked it'),
      revokedAt: Timestamp.describe('When it was revoked'),
    }),
  }),
} as const;
