import { z } from 'zod';
import { apiKeyEvents } from './api-keys.js';
import { inventoryEvents } from './inventory.js';
import { paymentEvents } from './payments.js';
import { orderEvents } from './order-events.js';
import { Timestamp } from './common.js';
import { revealedDataSchema, type EventDefinition, type Revealed } from './event.js';
import { productEvents } from './products.js';
import { userEvents } from './users.js';

/** Every event type the shop records, keyed by type. The event catalogue is a walk over this. */
export const events = { ...productEvents, ...userEvents, ...apiKeyEvents, ...inventoryEvents, ...paymentEvents, ...orderEvents } as const;
export type Events = typeof events;
export type EventTypeName = keyof Events;

export const EVENT_TYPE_NAMES = Object.keys(events) as EventTypeName[];

/** Why and by whom an event was recorded. Present on every event the server appends. */
export const EventMetadata = z
  .object({
    correlationId: z.string().describe('Shared by everything one business request caused, across streams'),
    causationId: z.string().describe('The request or message that caused this event'),
    actorId: z.string().nullable().describe('The user or API key that acted; null for the system'),
    requestId: z.string().describe('The HTTP request that recorded it'),
    occurredAt: Timestamp.optional().describe('When it happened, by the server’s clock'),
  })
  .catchall(z.unknown())
  .describe('Why and by whom an event was recorded');
export type EventMetadata = z.infer<typeof EventMetadata>;

const positionDescription = 'Global position in the log: unique, and the cursor to resume after this event';

const loggedEventBase = {
  position: z.number().int().describe(positionDescription),
  eventId: z.string().describe('Unique id of the event'),
  streamId: z.string().describe('The stream it belongs to (`<type>-<id>`)'),
  streamType: z.string().describe('The stream’s type (`product`, `user`, ...)'),
  version: z.number().int().describe('Its position in the stream: the stream’s version after it'),
  occurredAt: Timestamp.describe('When it happened'),
  metadata: EventMetadata,
};

/** One event as history shows it, typed by its `type`: `event.type === 'ProductPriceChanged'` narrows `event.data`. */
export type LoggedEventOf<Type extends EventTypeName> = {
  position: number;
  eventId: string;
  streamId: string;
  streamType: string;
  version: number;
  occurredAt: string;
  metadata: EventMetadata;
  type: Type;
  data: Revealed<z.output<Events[Type]['data']>>;
};

/** The union of every event the shop records, as readers of history receive them. */
export type LoggedEvent = { [Type in EventTypeName]: LoggedEventOf<Type> }[EventTypeName];

const loggedEventSchema = (definition: EventDefinition) =>
  z
    .object({ ...loggedEventBase, type: z.literal(definition.type), data: revealedDataSchema(definition) })
    .describe(`${definition.type}: ${definition.description}`);

export const LoggedEvent = z
  .discriminatedUnion(
    'type',
    Object.values(events).map(loggedEventSchema) as unknown as [z.ZodObject, ...z.ZodObject[]],
  )
  .describe('An event as recorded in the log') as unknown as z.ZodType<LoggedEvent>;

// ---- Filters shared by the feed, the live tail and replays ----

const EventTypesFilter = z
  .string()
  .regex(/^[A-Za-z]+(,[A-Za-z]+)*$/, 'Give event types separated by commas, such as ProductCreated,ProductPriceChanged')
  .describe('Only these event types, comma-separated')
  .meta({ examples: ['ProductCreated,ProductPriceChanged'] });

export const StreamType = z
  .string()
  .regex(/^[a-z][a-z0-9]{0,39}$/, 'Use a stream type such as product or user')
  .describe('Only streams of this type')
  .meta({ examples: ['product'] });

export const Position = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).describe('A global position in the log');

export const feedFilterFields = {
  types: EventTypesFilter.optional(),
  streamType: StreamType.optional(),
  since: Timestamp.optional().describe('Only events that happened at or after this instant'),
  until: Timestamp.optional().describe('Only events that happened before this instant'),
};

export const StreamId = z
  .string()
  .regex(/^[a-z][a-z0-9]{0,39}-[A-Za-z0-9._:-]{1,200}$/, 'Use a stream id such as product-3f1c2a4e-7b9d-4e8a-9c1f-2d3e4f5a6b7c')
  .describe('Stream id: `<type>-<id>`')
  .meta({ examples: ['product-3f1c2a4e-7b9d-4e8a-9c1f-2d3e4f5a6b7c'] });

/** A point in a stream's history: a version (`12`) or an ISO instant (`2026-11-20T10:00:00Z`). */
export const HistoryPoint = z
  .string()
  .regex(
    /^(\d{1,15}|\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))$/,
    'Give a version such as 12 or an ISO instant such as 2026-11-20T10:00:00Z',
  )
  .describe('A version (12) or an ISO 8601 instant with its offset (2026-11-20T10:00:00Z)')
  .meta({ instant: true, examples: ['2'] });

export const StreamSummary = z
  .object({
    streamId: z.string(),
    streamType: z.string(),
    version: z.number().int().describe('Number of events in the stream'),
    firstEventAt: Timestamp,
    lastEventAt: Timestamp,
  })
  .describe('A stream of events');

export const EntityState = z
  .object({
    streamId: z.string(),
    streamType: z.string(),
    version: z.number().int().describe('The version the state reflects'),
    occurredAt: Timestamp.describe('When the event of that version happened'),
    currentVersion: z.number().int().describe('The stream’s version now'),
    state: z.record(z.string(), z.unknown()).describe('The entity as it was, computed by its module’s own evolve'),
  })
  .describe('An entity as it was at a version or an instant');

export const FieldChange = z
  .object({
    path: z.string().describe('Dotted path of the field (`price.amount`)'),
    before: z.unknown().optional().describe('Value before; absent when the field was added'),
    after: z.unknown().optional().describe('Value after; absent when the field was removed'),
  })
  .describe('One field that changed');

export const EntityDiff = z
  .object({
    streamId: z.string(),
    from: EntityState.omit({ state: true, streamId: true, streamType: true, currentVersion: true }),
    to: EntityState.omit({ state: true, streamId: true, streamType: true, currentVersion: true }),
    changes: z.array(FieldChange),
    events: z.array(LoggedEvent).describe('The events between the two points'),
  })
  .describe('What changed in an entity between two points of its history');

export const EventTypeInfo = z
  .object({
    type: z.string(),
    module: z.string(),
    streamType: z.string(),
    description: z.string(),
    personalFields: z.array(z.string()).describe('Fields encrypted at rest; null once their owner is forgotten'),
    schema: z.record(z.string(), z.unknown()).describe('JSON Schema of the event’s data'),
  })
  .describe('An event type of the catalogue');


