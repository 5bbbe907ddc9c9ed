import type { EventMetadata } from '../eventstore.js';
import type { StoredLogEvent } from '../log/log-reader.js';

/**
 * The metadata of what a reactor appends because of `event`: the same correlation id (so one
 * checkout's events, its fulfillment's included, share it), caused by that event, done by the
 * system as `by` (the reactor's name). The trace needs nothing here: the command runs inside the
 * batch's span, which handleCommand records as the new events' traceparent.
 */
export const metadataCausedBy = (event: Pick<StoredLogEvent, 'eventId' | 'metadata'>, by: string, occurredAt: Date): EventMetadata => ({
  correlationId: typeof event.metadata.correlationId === 'string' ? event.metadata.correlationId : event.eventId,
  causationId: event.eventId,
  actorId: null,
  requestId: by,
  occurredAt: occurredAt.toISOString(),
});
