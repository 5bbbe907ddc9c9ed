import { z } from 'zod';
import { Cursor, Limit, Timestamp, page } from './common.js';
import {
  EntityDiff,
  EntityState,
  EventTypeInfo,
  HistoryPoint,
  LoggedEvent,
  Position,
  StreamId,
  StreamSummary,
  StreamType,
  feedFilterFields,
} from './history.js';
import { operation } from './operation.js';

const FeedLimit = z.number().int().min(1).max(1000).describe('Events per page (1-1000, default 100)').meta({ examples: [100] });

const eventColumns = ['position', 'occurredAt', 'type', 'streamId', 'version'] as const;

/**
 * Operations on history: the global feed, streams, time travel, diffs, the live tail and the
 * event catalogue. Ids are `ops.<noun>.<verb>`: the SDK nests them (`client.ops.streams.state`)
 * and shopctl uses the noun and verb (`shopctl streams state`).
 */
export const opsOperations = {
  'ops.events.list': operation({
    id: 'ops.events.list',
    method: 'GET',
    path: '/api/ops/events',
    kind: 'query',
    auth: 'operator',
    summary: 'Read the event log',
    description:
      'Every event in commit order, a page at a time. Pass the last page’s `nextAfter` as `after`: paging never skips an event and never shows one twice, even while writers commit out of order.',
    input: z
      .object({
        after: Position.optional().describe('Start after this position (default: the beginning)'),
        ...feedFilterFields,
        limit: FeedLimit.optional(),
      })
      .strict(),
    output: z.object({
      items: z.array(LoggedEvent),
      nextAfter: Position.nullable().describe('Pass as `after` for the next page; null when the log has nothing more yet'),
    }),
    pagination: { cursorField: 'after', itemsField: 'items', nextCursorField: 'nextAfter' },
    tableColumns: eventColumns,
  }),
  'ops.events.count': operation({
    id: 'ops.events.count',
    method: 'GET',
    path: '/api/ops/events/count',
    kind: 'query',
    auth: 'operator',
    summary: 'Count events',
    description: 'How many events match a filter, and the range they span: what a replay will go through.',
    input: z.object({ after: Position.optional().describe('Count only events after this position'), ...feedFilterFields }).strict(),
    output: z.object({
      count: z.number().int(),
      firstPosition: Position.nullable(),
      lastPosition: Position.nullable(),
      firstAt: Timestamp.nullable(),
      lastAt: Timestamp.nullable(),
    }),
    cliName: 'count',
  }),
  'ops.events.live': operation({
    id: 'ops.events.live',
    method: 'GET',
    path: '/api/ops/events/live',
    kind: 'stream',
    auth: 'operator',
    summary: 'Follow the event log live',
    description:
      'Server-Sent Events: every new event, in commit order, as it is recorded. Each event’s position is its SSE `id`; reconnect with `Last-Event-ID` (or `after`) to resume with nothing lost or repeated. A comment line is sent every 15 s when idle.',
    input: z
      .object({
        after: Position.optional().describe('Start after this position (default: only events recorded from now on)'),
        ...feedFilterFields,
      })
      .strict(),
    output: LoggedEvent,
    resume: { inputField: 'after', idField: 'position' },
    cliName: 'tail',
  }),
  'ops.events.types': operation({
    id: 'ops.events.types',
    method: 'GET',
    path: '/api/ops/event-types',
    kind: 'query',
    auth: 'operator',
    summary: 'List every event type',
    description: 'The event catalogue, generated from the contract: each type with its module, stream type, description and JSON Schema.',
    input: z.object({}).strict(),
    output: z.object({ items: z.array(EventTypeInfo) }),
    cliName: 'types',
    tableColumns: ['type', 'module', 'streamType', 'description'],
  }),
  'ops.streams.list': operation({
    id: 'ops.streams.list',
    method: 'GET',
    path: '/api/ops/streams',
    kind: 'query',
    auth: 'operator',
    summary: 'List streams',
    description: 'Streams with their type, version and first and last event time, in stream id order.',
    input: z.object({ type: StreamType.optional(), limit: Limit.optional(), cursor: Cursor.optional() }).strict(),
    output: page(StreamSummary),
    pagination: { cursorField: 'cursor', itemsField: 'items', nextCursorField: 'nextCursor' },
    tableColumns: ['streamId', 'streamType', 'version', 'firstEventAt', 'lastEventAt'],
  }),
  'ops.streams.events': operation({
    id: 'ops.streams.events',
    method: 'GET',
    path: '/api/ops/streams/:streamId/events',
    kind: 'query',
    auth: 'operator',
    summary: 'Read one stream’s events',
    description: 'The events of one stream, oldest first, from version `from` to version `to`.',
    input: z
      .object({
        streamId: StreamId,
        from: z.number().int().min(1).optional().describe('First version to read (default 1)'),
        to: z.number().int().min(1).optional().describe('Last version to read (default: the end)'),
        limit: FeedLimit.optional(),
      })
      .strict(),
    output: z.object({
      items: z.array(LoggedEvent),
      nextFrom: z.number().int().nullable().describe('Pass as `from` for the next page; null on the last'),
    }),
    pagination: { cursorField: 'from', itemsField: 'items', nextCursorField: 'nextFrom' },
    tableColumns: eventColumns,
  }),
  'ops.streams.state': operation({
    id: 'ops.streams.state',
    method: 'GET',
    path: '/api/ops/streams/:streamId/state',
    kind: 'query',
    auth: 'operator',
    summary: 'See an entity as it was',
    description:
      'Time travel: the entity at a version or an instant (default: now), computed with its module’s own evolve. An instant before the stream began is 404; a version past the end is 409.',
    input: z
      .object({
        streamId: StreamId,
        version: z.number().int().min(1).optional().describe('The version to show'),
        at: Timestamp.optional().describe('The instant to show (ISO 8601)'),
      })
      .strict()
      .refine((input) => input.version === undefined || input.at === undefined, { message: 'Give version or at, not both', path: ['at'] }),
    output: EntityState,
    errors: { 409: 'The version asked for is past the stream’s end (`currentVersion` says where it is)' },
  }),
  'ops.streams.diff': operation({
    id: 'ops.streams.diff',
    method: 'GET',
    path: '/api/ops/streams/:streamId/diff',
    kind: 'query',
    auth: 'operator',
    summary: 'Compare an entity at two moments',
    description: 'What changed field by field between two points (versions or instants), and the events in between.',
    input: z
      .object({
        streamId: StreamId,
        from: HistoryPoint.describe('From: a version (1) or an instant'),
        to: HistoryPoint.optional().describe('To: a version or an instant (default: now)'),
      })
      .strict(),
    output: EntityDiff,
    errors: { 409: 'A version asked for is past the stream’s end (`currentVersion` says where it is)' },
  }),
} as const;


