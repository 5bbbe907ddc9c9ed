import { randomUUID } from 'node:crypto';
import type { PostgresEventStore } from '@event-driven-io/emmett-postgresql';
import { generateApiKey, hashApiKey } from '../../infra/auth/api-key-secrets.js';
import type { Pool } from '../../infra/database/pool.js';
import { handleCommand } from '../../infra/eventstore.js';
import type { Handlers, OperationIdsOf } from '../../infra/http/operations.js';
import { ForbiddenError, NotFoundError } from '../../infra/http/problems.js';
import { actorOf } from '../users/principal.js';
import { apiKeyDecider, apiKeyStreamName } from './api-keys.js';
import type { ApiKeyQueries } from './projections.js';

export type ApiKeyModuleDependencies = { pool: Pool; eventStore: PostgresEventStore; apiKeys: ApiKeyQueries };

/**
 * The secret is generated here and its hash stored outside the log before the creation is
 * recorded; the key works only once both exist (the guard joins them), and it is in the answer
 * this once.
 */
export const apiKeyHandlers = ({ pool, eventStore, apiKeys }: ApiKeyModuleDependencies): Handlers<OperationIdsOf<'apiKeys'>> => {
  const current = async (id: string) => {
    const view = await apiKeys.getById(id);
    if (!view) throw new NotFoundError('API key', id);
    return view;
  };

  return {
    'apiKeys.create': async ({ name, role }, { principal, now, metadata }) => {
      // A leaked admin key must not be able to mint more admin keys that outlive its revocation:
      // handing out admin power takes a person signed in as an admin.
      if (role === 'admin' && principal?.kind !== 'user') {
        throw new ForbiddenError('An API key cannot create admin keys. Sign in as an admin and create it with your session.');
      }
      const actorId = actorOf(principal);
      const keyId = randomUUID();
      const { key, displayPrefix } = generateApiKey();
      await pool.query('INSERT INTO api_key_secrets (key_id, key_hash, key_prefix) VALUES ($1, $2, $3)', [keyId, hashApiKey(key), displayPrefix]);
      try {
        await handleCommand(eventStore, apiKeyDecider, {
          streamName: apiKeyStreamName(keyId),
          command: { type: 'CreateApiKey', data: { keyId, name, role, actorId, now } },
          metadata,
        });
      } catch (error) {
        await pool.query('DELETE FROM api_key_secrets WHERE key_id = $1', [keyId]);
        throw error;
      }
      return { ...(await current(keyId)), key };
    },

    'apiKeys.list': async ({ limit, cursor }) => apiKeys.list({ limit, cursor }),

    'apiKeys.revoke': async ({ id }, { principal, now, metadata }) => {
      await handleCommand(eventStore, apiKeyDecider, {
        streamName: apiKeyStreamName(id),
        command: { type: 'RevokeApiKey', data: { keyId: id, actorId: actorOf(principal), now } },
        metadata,
      });
      return current(id);
    },
  };
};
