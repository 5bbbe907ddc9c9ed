import type { PostgresEventStore } from '@event-driven-io/emmett-postgresql';
import type { Pool } from '../../infra/database/pool.js';
import { handleCommand, type EventMetadata } from '../../infra/eventstore.js';
import { userKeyring } from '../../infra/privacy/keyring.js';
import { sealingUserDecider } from './personal-fields.js';
import { userStreamName, type UserCommand } from './users.js';

/**
 * Runs one command against a user's stream through the sealing boundary: the account's key is
 * read first (it is the only I/O the boundary needs), then Emmett reads, decides and appends
 * with optimistic concurrency as for any other stream.
 */
export const userCommandRunner = (deps: { pool: Pool; eventStore: PostgresEventStore }) => {
  const keyring = userKeyring(deps.pool);
  return async (command: UserCommand, options: { metadata: EventMetadata; expectedVersion?: number | undefined }) => {
    const { userId } = command.data;
    return handleCommand(deps.eventStore, sealingUserDecider(userId, await keyring.find(userId)), {
      streamName: userStreamName(userId),
      command,
      metadata: options.metadata,
      expectedVersion: options.expectedVersion,
    });
  };
};

export type UserCommandRunner = ReturnType<typeof userCommandRunner>;
