import { EVENT_TYPE_NAMES, type LoggedEvent, type opsOperations } from '@eventshop/sdk/contract';
import { decodeCursor, DEFAULT_PAGE_SIZE, encodeCursor } from '../infra/http/cursor.js';
import type { Handlers } from '../infra/http/operations.js';
import { RequestValidationError } from '../infra/http/problems.js';
import { startingAfter } from '../infra/http/event-stream.js';
import { LOG_START, logReader, type LogCursor, type LogFilter } from '../infra/log/log-reader.js';
import type { CommitWakeups } from '../infra/log/commit-wakeups.js';
import type { Queryable } from '../infra/privacy/keyring.js';
import type { SnapshotStore } from '../infra/snapshots.js';
import type { ModuleDeclaration } from '../modules/module.js';
import { diffStates } from './diff.js';
import { eventCatalogue } from './event-catalogue.js';
import { revealForHistory } from './history-events.js';
import { followLog } from './live-tail.js';
import { streamReader } from './stream-reader.js';
import { timeTravel, type HistoryPoint } from './time-travel.js';

const FEED_PAGE_SIZE = 100;
const DIFF_EVENTS_SHOWN = 1000;
const KNOWN_TYPES = new Set<string>(EVENT_TYPE_NAMES);

type FilterInput = { types?: string | undefined; streamType?: string | undefined; since?: string | undefined; until?: string | undefined };

/** The contract's filter fields as the reader takes them; an event type nobody records is a typo, so it is refused. */
const toLogFilter = (input: FilterInput): LogFilter => {
  const types = input.types?.split(',');
  const unknown = types?.filter((type) => !KNOWN_TYPES.has(type)) ?? [];
  if (unknown.length > 0) {
    throw new RequestValidationError([{ field: 'types', message: `Unknown event type(s): ${unknown.join(', ')}. See GET /api/ops/event-types.` }]);
  }
  return {
    types,
    streamType: input.streamType,
    since: input.since === undefined ? undefined : parseInstant(input.since, 'since'),
    until: input.until === undefined ? undefined : parseInstant(input.until, 'until'),
  };
};

const parseInstant = (text: string, field: string): Date => {
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) throw new RequestValidationError([{ field, message: 'Give an ISO 8601 instant such as 2026-11-20T10:00:00Z' }]);
  return date;
};

/** "12" is a version, anything else the contract let through is an instant. */
const toHistoryPoint = (text: string, field: string): HistoryPoint => (/^\d+$/.test(text) ? { version: Number(text) } : { at: parseInstant(text, field) });

/** Operations on history, over every declared module's streams and events. */
export const opsHandlers = (deps: {
  db: Queryable;
  snapshots: SnapshotStore;
  modules: readonly ModuleDeclaration[];
  /** This instance's appends as they commit, so the live tail sends them at once. */
  wakeups?: CommitWakeups;
}): Handlers<keyof typeof opsOperations> => {
  const reader = logReader(deps.db);
  const streams = streamReader(deps.db);
  const streamTypes = new Map(deps.modules.flatMap((module) => module.streams).map((stream) => [stream.prefix, stream]));
  const travel = timeTravel({ db: deps.db, snapshots: deps.snapshots, streamTypes });
  const catalogue = eventCatalogue(deps.modules);

  const cursorAfter = async (position: number | undefined, fallback: () => Promise<LogCursor>): Promise<LogCursor> => {
    if (position === undefined) return fallback();
    const cursor = await reader.cursorAfter(position);
    if (!cursor) throw new RequestValidationError([{ field: 'after', message: `No event has position ${position}; pass a position this log gave out, or 0 for the start` }]);
    return cursor;
  };

  return {
    'ops.events.list': async ({ after, limit, ...filter }) => {
      const pageSize = limit ?? FEED_PAGE_SIZE;
      const page = await reader.read(await cursorAfter(after, async () => LOG_START), toLogFilter(filter), pageSize);
      const last = page[page.length - 1];
      return { items: await revealForHistory(deps.db, page), nextAfter: page.length === pageSize && last ? last.position : null };
    },

    'ops.events.count': async ({ after, ...filter }) =>
      reader.count(await cursorAfter(after, async () => LOG_START), toLogFilter(filter)),

    'ops.events.live': async ({ after, ...filter }, { signal }) => {
      const start = await cursorAfter(after, () => reader.head());
      return startingAfter(start.position, followLog(deps.db, start, toLogFilter(filter), signal, { wakeups: deps.wakeups }));
    },

    'ops.events.types': async () => ({ items: catalogue }),

    'ops.streams.list': async ({ type, limit, cursor }) => {
      const pageSize = limit ?? DEFAULT_PAGE_SIZE;
      const afterId = cursor === undefined ? null : (decodeCursor(cursor, ['string'])[0] as string);
      const rows = await streams.list({ type, afterId, limit: pageSize + 1 });
      const more = rows.length > pageSize;
      const items = more ? rows.slice(0, pageSize) : rows;
      return { items, nextCursor: more ? encodeCursor([items[items.length - 1]!.streamId]) : null };
    },

    'ops.streams.events': async ({ streamId, from, to, limit }) => {
      const pageSize = limit ?? FEED_PAGE_SIZE;
      const start = from ?? 1;
      if ((await streams.version(streamId)) === 0) await travel.stateAt(streamId); // the one place that says "no such stream"
      const page = await streams.events(streamId, { from: start, to, limit: pageSize });
      const last = page[page.length - 1];
      return { items: await revealForHistory(deps.db, page), nextFrom: page.length === pageSize && last && (to === undefined || last.version < to) ? last.version + 1 : null };
    },

    'ops.streams.state': async ({ streamId, version, at }) =>
      travel.stateAt(streamId, { version, at: at === undefined ? undefined : parseInstant(at, 'at') }),

    'ops.streams.diff': async ({ streamId, from, to }) => {
      const before = await travel.stateAt(streamId, toHistoryPoint(from, 'from'));
      const after = await travel.stateAt(streamId, to === undefined ? {} : toHistoryPoint(to, 'to'));
      const [low, high] = before.version <= after.version ? [before, after] : [after, before];
      const between =
        high.version > low.version ? await streams.events(streamId, { from: low.version + 1, to: high.version, limit: DIFF_EVENTS_SHOWN }) : [];
      const point = ({ version, occurredAt }: { version: number; occurredAt: string }) => ({ version, occurredAt });
      return {
        streamId,
        from: point(before),
        to: point(after),
        changes: diffStates(before.state, after.state),
        events: (await revealForHistory(deps.db, between)) as LoggedEvent[],
      };
    },
  };
};


