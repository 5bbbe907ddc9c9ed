import type { Event } from '@event-driven-io/emmett';
import { personalFieldsOf, userEvents } from '@eventshop/sdk/contract';
import { reveal, seal, type DataKey } from '../../infra/privacy/personal-data.js';
import { userDecider, type User, type UserCommand, type UserEvent } from './users.js';

/**
 * Which fields of each user event are personal data, sealed with the user's key before they reach
 * the log: read from the contract, where each such field is declared with `personal(...)`.
 */
const PERSONAL_FIELDS: Record<UserEvent['type'], readonly string[]> = Object.fromEntries(
  Object.values(userEvents).map((definition) => [definition.type, personalFieldsOf(definition)]),
) as unknown as Record<UserEvent["type"], readonly string[]>;

/** A user event as the log holds it: the same type, its personal fields sealed. */
export type StoredUserEvent = Event<UserEvent['type'], Record<string, unknown>>;

const sealUserEvent = (event: UserEvent, key: DataKey | undefined): StoredUserEvent => {
  const data: Record<string, unknown> = { ...event.data };
  for (const field of PERSONAL_FIELDS[event.type] as readonly string[]) {
    const value = data[field];
    // null and absent carry no personal data; only text is sealed.
    if (typeof value !== 'string') continue;
    if (key === undefined) throw new Error(`Cannot record ${event.type}: the data key of ${event.data.userId} is gone`);
    data[field] = seal(value, event.data.userId, key);
  }
  return { type: event.type, data };
};

/** Opens a stored user event; with its key gone, every personal field reads FORGOTTEN. */
export const revealUserEvent = <E extends StoredUserEvent>(event: E, keys: ReadonlyMap<string, DataKey>): E & UserEvent =>
  ({ ...event, data: reveal(event.data, keys) }) as E & UserEvent;

/**
 * The user decider at the log's boundary: it reads sealed events and writes sealed ones, while
 * the decider inside stays pure and sees plain values. The key is looked up once, before the
 * command runs, because Emmett's evolve and decide are synchronous.
 */
export const sealingUserDecider = (userId: string, key: DataKey | undefined) => {
  const keys = new Map(key ? [[userId, key]] : []);
  return {
    initialState: userDecider.initialState,
    evolve: (state: User, event: StoredUserEvent): User => userDecider.evolve(state, revealUserEvent(event, keys)),
    decide: (command: UserCommand, state: User): StoredUserEvent[] => {
      const decided = userDecider.decide(command, state);
      return (Array.isArray(decided) ? decided : [decided]).map((event) => sealUserEvent(event, key));
    },
  };
};
