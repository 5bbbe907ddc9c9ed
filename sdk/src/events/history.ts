import type { EventTypeName, LoggedEvent, LoggedEventOf } from '../contract/index.js';
import type { StreamOptions } from './follow-stream.js';

/**
 * Which events to read, replay or follow. `types` narrows what the iterators yield:
 * `read({ types: ['ProductPriceChanged'] })` gives `LoggedEventOf<'ProductPriceChanged'>`.
 */
export type EventFilter<Type extends EventTypeName = EventTypeName> = {
  /** Only these event types. */
  types?: readonly Type[] | undefined;
  /** Only streams of this type (`product`, `user`, ...). */
  streamType?: string | undefined;
  /** Only events that happened at or after this instant (ISO 8601 or a Date). */
  since?: string | Date | undefined;
  /** Only events that happened before this instant. */
  until?: string | Date | undefined;
  /** Start after this global position (an event's `position`); default: the beginning of the log. */
  after?: number | undefined;
};

/** The event a filter lets through: one type's events when `types` names it, else the whole union. */
export type FilteredEvent<Type extends EventTypeName> = EventTypeName extends Type ? LoggedEvent : LoggedEventOf<Type>;

export type ReadOptions = {
  signal?: AbortSignal | undefined;
  /** Events per request (1-1000, default 1000). Memory holds one page at a time. */
  pageSize?: number | undefined;
};

export type ReplayProgress = {
  /** Events handled so far. */
  done: number;
  /** Events the filter matched when the replay started (`ops.events.count`). */
  total: number;
  /** Position of the last event handled. */
  position: number | null;
  eventsPerSecond: number;
  /** At the current rate, for what is left of `total`. */
  secondsLeft: number;
};

export type ReplayOptions = ReadOptions & {
  /** Called after each page, the last one included, so the final call has every event done. */
  onProgress?: ((progress: ReplayProgress) => void) | undefined;
};

export type ReplaySummary = {
  events: number;
  firstPosition: number | null;
  lastPosition: number | null;
  seconds: number;
  eventsPerSecond: number;
};

export type SubscribeOptions = Omit<StreamOptions, 'signal'> & {
  signal?: AbortSignal | undefined;
  /** Start after this position (one you saved); default: only events recorded from now on. */
  after?: number | undefined;
};

/** A replay handler threw: where it stopped, and why. */
export class ReplayError extends Error {
  /** Global position of the event the handler failed on. */
  readonly position: number;
  readonly eventId: string;
  readonly eventType: string;

  constructor(event: LoggedEvent, cause: unknown) {
    super(`The handler failed on event ${event.position} (${event.type}): ${(cause as Error)?.message ?? String(cause)}`, { cause });
    this.name = 'ReplayError';
    this.position = event.position;
    this.eventId = event.eventId;
    this.eventType = event.type;
  }
}

/** What `client.ops.events` offers beyond the contract's operations. */
export type EventHistory = {
  /** Every event the filter matches, in commit order, fetched a page at a time: constant memory, however long the log. */
  read<Type extends EventTypeName = EventTypeName>(filter?: EventFilter<Type>, options?: ReadOptions): AsyncIterableIterator<FilteredEvent<Type>>;
  /**
   * Runs `handler` over every event the filter matches, one at a time and in order (an async
   * handler is awaited before the next event). Rejects with ReplayError when the handler throws.
   */
  replay<Type extends EventTypeName = EventTypeName>(
    filter: EventFilter<Type>,
    handler: (event: FilteredEvent<Type>) => unknown,
    options?: ReplayOptions,
  ): Promise<ReplaySummary>;
  /** The live tail: each new event as it is recorded, reconnecting by itself; ends cleanly when `signal` aborts. */
  subscribe<Type extends EventTypeName = EventTypeName>(filter?: EventFilter<Type>, options?: SubscribeOptions): AsyncIterableIterator<FilteredEvent<Type>>;
};

type FilterInput = { types?: string; streamType?: string; since?: string; until?: string; after?: number };

/** The filter as the contract's operations take it: types comma-separated, instants as ISO text. */
export const toFilterInput = (filter: EventFilter = {}): FilterInput => {
  const input: FilterInput = {};
  if (filter.types !== undefined && filter.types.length > 0) input.types = filter.types.join(',');
  if (filter.streamType !== undefined) input.streamType = filter.streamType;
  if (filter.since !== undefined) input.since = instant(filter.since);
  if (filter.until !== undefined) input.until = instant(filter.until);
  if (filter.after !== undefined) input.after = filter.after;
  return input;
};

const instant = (value: string | Date) => (value instanceof Date ? value.toISOString() : value);

const DEFAULT_READ_PAGE_SIZE = 1000;

type Page = { items: LoggedEvent[]; nextAfter: number | null };

export const eventHistory = (operations: {
  list(input: FilterInput & { limit?: number }, options: { signal?: AbortSignal | undefined }): Promise<Page>;
  count(input: FilterInput, options: { signal?: AbortSignal | undefined }): Promise<{ count: number }>;
  live(input: FilterInput, options: StreamOptions): AsyncIterableIterator<LoggedEvent>;
}): EventHistory => {
  async function* pages(filter: EventFilter | undefined, options: ReadOptions = {}): AsyncGenerator<LoggedEvent[]> {
    const input = toFilterInput(filter);
    const limit = options.pageSize ?? DEFAULT_READ_PAGE_SIZE;
    let after = input.after;
    for (;;) {
      const page = await operations.list({ ...input, after, limit }, { signal: options.signal });
      yield page.items;
      if (page.nextAfter === null) return;
      after = page.nextAfter;
    }
  }

  async function* read(filter?: EventFilter, options?: ReadOptions): AsyncGenerator<LoggedEvent> {
    for await (const page of pages(filter, options)) yield* page;
  }

  const replay = async (filter: EventFilter, handler: (event: LoggedEvent) => unknown, options: ReplayOptions = {}): Promise<ReplaySummary> => {
    const started = performance.now();
    const { count: total } = await operations.count(toFilterInput(filter), { signal: options.signal });
    let done = 0;
    let firstPosition: number | null = null;
    let lastPosition: number | null = null;
    const rate = () => {
      const seconds = (performance.now() - started) / 1000;
      return { seconds, eventsPerSecond: seconds > 0 ? done / seconds : 0 };
    };
    const report = () => {
      const { eventsPerSecond } = rate();
      const left = Math.max(0, total - done);
      options.onProgress?.({ done, total, position: lastPosition, eventsPerSecond, secondsLeft: eventsPerSecond > 0 ? left / eventsPerSecond : 0 });
    };
    for await (const page of pages(filter, options)) {
      for (const event of page) {
        try {
          await handler(event);
        } catch (cause) {
          throw new ReplayError(event, cause);
        }
        done++;
        firstPosition ??= event.position;
        lastPosition = event.position;
      }
      report();
    }
    return { events: done, firstPosition, lastPosition, ...rate() };
  };

  const subscribe = (filter?: EventFilter, options: SubscribeOptions = {}) => {
    const { after, ...streamOptions } = options;
    const input = toFilterInput(filter);
    return operations.live(after === undefined ? input : { ...input, after }, streamOptions);
  };

  return { read, replay, subscribe } as unknown as EventHistory;
};
