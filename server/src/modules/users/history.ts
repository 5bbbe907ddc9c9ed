import type { PostgresEventStore } from '@event-driven-io/emmett-postgresql';
import { userKeyring, type Queryable } from '../../infra/privacy/keyring.js';
import { revealUserEvent, type StoredUserEvent } from './personal-fields.js';
import { userDecider, userStreamName, type User, type UserEvent } from './users.js';

/**
 * Reading a user's history the only way it should be read: through Emmett's read-side upcast,
 * which opens the sealed personal fields with the account's key as it is now. Once the account
 * is forgotten, every version of it, however old, reads FORGOTTEN.
 */
export const userHistory = (deps: { eventStore: PostgresEventStore; db: Queryable }) => {
  const upcastWithCurrentKey = async (userId: string) => {
    const key = await userKeyring(deps.db).find(userId);
    const keys = new Map(key ? [[userId, key]] : []);
    return (event: StoredUserEvent): UserEvent => revealUserEvent(event, keys);
  };

  return {
    /** The account's events, oldest first, up to `toVersion` when given. */
    async events(userId: string, options: { toVersion?: number } = {}) {
      const upcast = await upcastWithCurrentKey(userId);
      const { events } = await deps.eventStore.readStream<UserEvent, StoredUserEvent>(userStreamName(userId), {
        ...(options.toVersion !== undefined ? { to: BigInt(options.toVersion) } : {}),
        schema: { versioning: { upcast } },
      });
      return events;
    },

    /** Time travel: the account as it stood at `version`. */
    async stateAt(userId: string, version: number): Promise<{ state: User; version: number }> {
      const upcast = await upcastWithCurrentKey(userId);
      const result = await deps.eventStore.aggregateStream<User, UserEvent, StoredUserEvent>(userStreamName(userId), {
        evolve: userDecider.evolve,
        initialState: userDecider.initialState,
        read: { to: BigInt(version), schema: { versioning: { upcast } } },
      });
      return { state: result.state, version: Number(result.currentStreamVersion) };
    },
  };
};
