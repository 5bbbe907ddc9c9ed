import type { LoggedEvent } from '@eventshop/sdk/contract';
import type { StoredLogEvent } from '../infra/log/log-reader.js';
import { userKeyring, type Queryable } from '../infra/privacy/keyring.js';

/**
 * Events as readers of history receive them: personal fields opened with the keys that exist
 * now, `null` where their owner has been forgotten. One key lookup per batch, and none when
 * nothing in the batch is sealed.
 */
export const revealForHistory = async (db: Queryable, events: readonly StoredLogEvent[]): Promise<LoggedEvent[]> => {
  const data = await userKeyring(db).reveal<Record<string, unknown>[]>(
    events.map((event) => event.data),
    null,
  );
  return events.map(
    (event, index) =>
      ({
        position: event.position,
        eventId: event.eventId,
        streamId: event.streamId,
        streamType: event.streamType,
        version: event.version,
        occurredAt: event.occurredAt,
        type: event.type,
        data: data[index],
        metadata: event.metadata,
      }) as LoggedEvent,
  );
};
