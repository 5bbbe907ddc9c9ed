import { z } from 'zod';
import { Cursor, Limit, Timestamp, page } from './common.js';
import { Position } from './history.js';
import { operation } from './operation.js';

const ProcessorName = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,62}$/, 'Use a processor name from GET /api/ops/processors (lowercase letters, digits, underscores)')
  .describe('Processor (or read model) name')
  .meta({ examples: ['catalog_category_stats'] });

// A string of digits: path parameters arrive as text, and only query values are coerced to numbers.
const FailureId = z.string().regex(/^[1-9]\d{0,14}$/, 'Use a failure id from GET /api/ops/failures').describe('Failure id').meta({ examples: ['1'] });

export const RebuildProgress = z
  .object({
    status: z.enum(['running', 'done', 'failed']),
    eventsDone: z.number().int(),
    eventsTotal: z.number().int().describe('Events to replay, as counted when the rebuild started plus what arrived since'),
    eventsPerSecond: z.number().describe('Replay rate so far'),
    secondsLeft: z.number().nullable().describe('At the rate so far; null until it is known'),
    startedAt: Timestamp,
    finishedAt: Timestamp.nullable(),
    comparison: z
      .object({
        equal: z.boolean().describe('The rebuilt copy held exactly the live copy’s rows'),
        tables: z.array(
          z.object({
            table: z.string(),
            liveRows: z.number().int(),
            rebuiltRows: z.number().int(),
            onlyLive: z.number().int().describe('Rows in the live copy the rebuild did not produce'),
            onlyRebuilt: z.number().int().describe('Rows the rebuild produced that the live copy lacked'),
          }),
        ),
      })
      .nullable()
      .describe('Row-for-row comparison made just before the switch'),
    error: z.string().nullable(),
  })
  .describe('A read model rebuild');

export const ProcessorStatus = z
  .object({
    name: ProcessorName,
    kind: z.enum(['read-model', 'reactor', 'scheduled']).describe('scheduled: a task run every few seconds (reservation expiry), led like a processor; it reads no log, so its lag is 0'),
    module: z.string(),
    handles: z.array(z.string()).describe('The event types it is given (none for a scheduled task)'),
    status: z
      .enum(['running', 'catching_up', 'rebuilding', 'paused', 'failing', 'stopped'])
      .describe('stopped: no instance holds it; failing: retrying an event or has parked ones (a scheduled task: its last pass failed)'),
    checkpoint: Position.describe('Position of the last event it has handled (0: none yet)'),
    head: Position.describe('Position of the newest event it will handle'),
    lagEvents: z.number().int().describe('Events it handles that are committed and not yet handled'),
    lagSeconds: z.number().describe('Age of the oldest such event (0 when caught up)'),
    heldBy: z.string().nullable().describe('The instance running it (host:pid), null when none'),
    parked: z.number().int().describe('Parked and blocked events waiting for an operator'),
    lastError: z.string().nullable(),
    updatedAt: Timestamp.describe('When its checkpoint last moved (a scheduled task: its last pass)'),
    rebuild: RebuildProgress.nullable().describe('The running or last rebuild (read models)'),
  })
  .describe('A background processor');

export const Failure = z
  .object({
    id: z.number().int(),
    processor: z.string(),
    position: Position,
    eventId: z.string(),
    streamId: z.string(),
    eventType: z.string(),
    error: z.string().nullable().describe('The last error (null for an event blocked behind another)'),
    attempts: z.number().int(),
    parkedAt: Timestamp,
    status: z.enum(['parked', 'blocked', 'retried', 'skipped']).describe('blocked: held back behind a parked event of its stream'),
    reason: z.string().nullable().describe('Why it was skipped'),
    resolvedAt: Timestamp.nullable(),
    resolvedBy: z.string().nullable(),
  })
  .describe('An event a processor parked');

const processorColumns = ['name', 'status', 'checkpoint', 'head', 'lagEvents', 'lagSeconds', 'heldBy', 'parked'] as const;
const failureColumns = ['id', 'processor', 'status', 'eventType', 'streamId', 'attempts', 'error'] as const;

/** Background processors, their parked failures and read model rebuilds: role operator. */
export const processorOperations = {
  'ops.processors.list': operation({
    id: 'ops.processors.list',
    method: 'GET',
    path: '/api/ops/processors',
    kind: 'query',
    auth: 'operator',
    summary: 'List background processors',
    description:
      'Every declared processor, read model kept after commit and scheduled task: checkpoint, head, lag in events and seconds, who runs it, status and parked count.',
    input: z.object({}).strict(),
    output: z.object({ items: z.array(ProcessorStatus) }),
    tableColumns: processorColumns,
  }),
  'ops.processors.pause': operation({
    id: 'ops.processors.pause',
    method: 'POST',
    path: '/api/ops/processors/:name/pause',
    kind: 'command',
    auth: 'operator',
    summary: 'Pause a processor',
    description:
      'It finishes the batch in flight and handles nothing more until resumed; events wait in the log, none are lost. A scheduled task finishes its pass and makes no other until resumed.',
    input: z.object({ name: ProcessorName }).strict(),
    output: ProcessorStatus,
    tableColumns: processorColumns,
  }),
  'ops.processors.resume': operation({
    id: 'ops.processors.resume',
    method: 'POST',
    path: '/api/ops/processors/:name/resume',
    kind: 'command',
    auth: 'operator',
    summary: 'Resume a paused processor',
    description: 'It carries on from its checkpoint.',
    input: z.object({ name: ProcessorName }).strict(),
    output: ProcessorStatus,
    tableColumns: processorColumns,
  }),
  'ops.failures.list': operation({
    id: 'ops.failures.list',
    method: 'GET',
    path: '/api/ops/failures',
    kind: 'query',
    auth: 'operator',
    summary: 'List parked events',
    description: 'Events processors gave up on after their retries, and events held back behind them, newest first.',
    input: z
      .object({
        processor: ProcessorName.optional(),
        status: z.enum(['parked', 'blocked', 'retried', 'skipped']).optional(),
        limit: Limit.optional(),
        cursor: Cursor.optional(),
      })
      .strict(),
    output: page(Failure),
    pagination: { cursorField: 'cursor', itemsField: 'items', nextCursorField: 'nextCursor' },
    tableColumns: failureColumns,
  }),
  'ops.failures.get': operation({
    id: 'ops.failures.get',
    method: 'GET',
    path: '/api/ops/failures/:id',
    kind: 'query',
    auth: 'operator',
    summary: 'Show a parked event',
    input: z.object({ id: FailureId }).strict(),
    output: Failure,
    cliName: 'show',
  }),
  'ops.failures.retry': operation({
    id: 'ops.failures.retry',
    method: 'POST',
    path: '/api/ops/failures/:id/retry',
    kind: 'command',
    auth: 'operator',
    summary: 'Retry a parked event',
    description:
      'Runs the processor’s handler on the event again, now. On success it is marked retried and the events blocked behind it follow; a failure answers 409 with the new error and the event stays parked.',
    input: z.object({ id: FailureId }).strict(),
    output: Failure,
    tableColumns: failureColumns,
  }),
  'ops.failures.skip': operation({
    id: 'ops.failures.skip',
    method: 'POST',
    path: '/api/ops/failures/:id/skip',
    kind: 'command',
    auth: 'operator',
    summary: 'Skip a parked event for good',
    confirm: 'Skip this event for good? The processor will never handle it.',
    description: 'Records why, and who; the events blocked behind it follow.',
    input: z.object({ id: FailureId, reason: z.string().trim().min(1).max(500).describe('Why it is skipped (kept with it)').meta({ examples: ['test order, never shipped'] }) }).strict(),
    output: Failure,
    tableColumns: failureColumns,
  }),
  'ops.readModels.rebuild': operation({
    id: 'ops.readModels.rebuild',
    method: 'POST',
    path: '/api/ops/read-models/:name/rebuild',
    kind: 'command',
    auth: 'operator',
    summary: 'Rebuild a read model without downtime',
    description:
      'Replays the log into a fresh copy beside the live one (reads keep using the live one, new events keep flowing), catches up, compares row for row, then switches in one transaction. Answers 202 at once; follow it with `ops.readModels.progress`. 409 while one runs.',
    input: z.object({ name: ProcessorName }).strict(),
    output: RebuildProgress,
    successStatus: 202,
    followWith: 'ops.readModels.watch',
  }),
  'ops.readModels.watch': operation({
    id: 'ops.readModels.watch',
    method: 'GET',
    path: '/api/ops/read-models/:name/rebuild/watch',
    kind: 'stream',
    finite: true,
    auth: 'operator',
    summary: 'Watch a read model rebuild to its end',
    description:
      'Server-Sent Events: the rebuild’s progress (events done, events per second, time left) every `interval` ms while it runs, then its final state with the row-for-row comparison, then an `end` event and the stream closes. A rebuild that is not running answers its last state at once and ends. 404 when it was never rebuilt.',
    input: z
      .object({
        name: ProcessorName,
        interval: z.number().int().min(100).max(10_000).optional().describe('Milliseconds between progress messages (100-10000, default 1000)').meta({ examples: [1000] }),
      })
      .strict(),
    output: RebuildProgress,
  }),
  'ops.readModels.progress': operation({
    id: 'ops.readModels.progress',
    method: 'GET',
    path: '/api/ops/read-models/:name/rebuild',
    kind: 'query',
    auth: 'operator',
    summary: 'Follow a read model rebuild',
    description: 'The running or last rebuild: events done, rate, time left, and the comparison once it has switched. 404 when it was never rebuilt.',
    input: z.object({ name: ProcessorName }).strict(),
    output: RebuildProgress,
  }),
  'ops.readModels.rows': operation({
    id: 'ops.readModels.rows',
    method: 'GET',
    path: '/api/ops/read-models/:name/tables/:table/rows',
    kind: 'query',
    auth: 'operator',
    summary: 'Read a read model’s live rows, a page at a time',
    description:
      'Every row of one of the read model’s tables, in primary-key order, with the read model’s checkpoint as of the same snapshot: what `shopctl read-models what-if` compares a changed projection with. Pass `nextAfter` back as `after` for the next page.',
    input: z
      .object({
        name: ProcessorName,
        table: z.string().regex(/^[a-z][a-z0-9_]{0,62}$/, 'Use one of the read model’s tables').describe('One of the read model’s tables').meta({ examples: ['catalog_category_stats'] }),
        after: z.string().max(2000).optional().describe('The last page’s `nextAfter` (default: the first page)'),
        limit: z.number().int().min(1).max(1000).optional().describe('Rows per page (1-1000, default 500)').meta({ examples: [500] }),
      })
      .strict(),
    output: z.object({
      table: z.string(),
      key: z.array(z.string()).describe('The primary key’s columns: how rows are matched'),
      checkpoint: Position.describe('Position of the last event the live read model had applied when this page was read'),
      items: z.array(z.record(z.string(), z.unknown())),
      nextAfter: z.string().nullable().describe('Pass as `after` for the next page; null on the last'),
    }),
    pagination: { cursorField: 'after', itemsField: 'items', nextCursorField: 'nextAfter' },
  }),
  'ops.readModels.get': operation({
    id: 'ops.readModels.get',
    method: 'GET',
    path: '/api/ops/read-models/:name/:id',
    kind: 'query',
    auth: 'operator',
    summary: 'See a read model’s rows for one entity as they were',
    description:
      'Replays the log up to `at` with the read model’s own projection into a scratch copy (in a transaction that is rolled back) and answers that copy’s rows for the entity. Without `at`, now. It replays history, so it takes as long as a rebuild up to that instant.',
    input: z
      .object({
        name: ProcessorName,
        id: z.string().min(1).max(200).describe('The entity, as the read model keys it (a category slug for catalog_category_stats)').meta({ examples: ['kitchen'] }),
        at: Timestamp.optional().describe('The instant (ISO 8601; default now)'),
      })
      .strict(),
    output: z.object({
      name: z.string(),
      id: z.string(),
      at: Timestamp,
      replayedEvents: z.number().int(),
      rows: z.array(z.record(z.string(), z.unknown())),
    }),
  }),
} as const;
