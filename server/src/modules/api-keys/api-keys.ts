import { apiKeyEvents, type DomainEventOf, type Role } from '@eventshop/sdk/contract';
import { InvalidStateError, NotFoundError } from '../../infra/http/problems.js';

// ---- Events: the audit trail of partner access (schemas in the contract). The key and its hash never enter the log. ----

export type ApiKeyCreated = DomainEventOf<typeof apiKeyEvents.ApiKeyCreated>;
export type ApiKeyRevoked = DomainEventOf<typeof apiKeyEvents.ApiKeyRevoked>;
export type ApiKeyEvent = ApiKeyCreated | ApiKeyRevoked;
export const apiKeyEventTypes = Object.keys(apiKeyEvents) as ApiKeyEvent['type'][];

// ---- Commands ----

export type CreateApiKey = { type: 'CreateApiKey'; data: { keyId: string; name: string; role: Role; actorId: string; now: Date } };
export type RevokeApiKey = { type: 'RevokeApiKey'; data: { keyId: string; actorId: string; now: Date } };
export type ApiKeyCommand = CreateApiKey | RevokeApiKey;

// ---- State ----

export type ApiKey = { status: 'empty' } | { status: 'active'; name: string; role: Role } | { status: 'revoked'; name: string; role: Role };

export const initialState = (): ApiKey => ({ status: 'empty' });

export const evolve = (state: ApiKey, event: ApiKeyEvent): ApiKey => {
  switch (event.type) {
    case 'ApiKeyCreated':
      return { status: 'active', name: event.data.name, role: event.data.role };
    case 'ApiKeyRevoked':
      return state.status === 'empty' ? state : { ...state, status: 'revoked' };
    default: {
      const _exhaustive: never = event;
      return state;
    }
  }
};

// ---- Decisions ----

const create = ({ data }: CreateApiKey, state: ApiKey): ApiKeyCreated => {
  if (state.status !== 'empty') throw new InvalidStateError('API key already exists');
  return {
    type: 'ApiKeyCreated',
    data: { keyId: data.keyId, name: data.name, role: data.role, createdBy: data.actorId, createdAt: data.now.toISOString() },
  };
};

const revoke = ({ data }: RevokeApiKey, state: ApiKey): ApiKeyRevoked => {
  if (state.status === 'empty') throw new NotFoundError('API key', data.keyId);
  if (state.status === 'revoked') throw new InvalidStateError('The API key is already revoked');
  return { type: 'ApiKeyRevoked', data: { keyId: data.keyId, revokedBy: data.actorId, revokedAt: data.now.toISOString() } };
};

export const decide = (command: ApiKeyCommand, state: ApiKey): ApiKeyEvent => {
  switch (command.type) {
    case 'CreateApiKey':
      return create(command, state);
    case 'RevokeApiKey':
      return revoke(command, state);
    default: {
      const _exhaustive: never = command;
      throw new Error(`Unknown command ${(_exhaustive as ApiKeyCommand).type}`);
    }
  }
};

export const apiKeyDecider = { decide, evolve, initialState };
export const apiKeyStreamName = (keyId: string) => `apikey-${keyId}`;
