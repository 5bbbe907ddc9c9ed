import type { ShopClient } from '@eventshop/sdk';
import { callOperation } from '../generated/sdk-calls.js';

/** Which part of the log a replay goes through, as the SDK's `EventFilter` spells it. */
export type ReplayFilter = { after?: number; types?: string[]; streamType?: string; since?: string; until?: string };
export type ReplayProgress = { done: number; total: number; position: number | null; eventsPerSecond: number; secondsLeft: number };
export type ReplaySummary = { events: number; firstPosition: number | null; lastPosition: number | null; seconds: number; eventsPerSecond: number };
export type EventCount = { count: number; firstPosition: number | null; lastPosition: number | null; firstAt: string | null; lastAt: string | null };
type LoggedEventLike = { position: number; eventId: string; type: string };

/** The handler threw: where, and what it threw. The same shape as the SDK's own ReplayError. */
export class ReplayError extends Error {
  readonly position: number;
  readonly eventId: string;
  readonly eventType: string;

  constructor(event: LoggedEventLike, cause: unknown) {
    super(`The handler failed on event ${event.position} (${event.type}): ${(cause as Error)?.message ?? String(cause)}`, { cause });
    this.name = 'ReplayError';
    this.position = event.position;
    this.eventId = event.eventId;
    this.eventType = event.type;
  }
}

/** The SDK's ReplayError or ours: both say where the handler failed and why. */
export const isReplayError = (error: unknown): error is Pick<ReplayError, 'position' | 'eventId' | 'eventType' | 'cause'> =>
  error instanceof Error && error.name === 'ReplayError' && typeof (error as Partial<ReplayError>).position === 'number';

/** The filter as the feed's operations take it: event types comma-separated. */
const feedInput = ({ types, ...rest }: ReplayFilter): Record<string, unknown> => ({ ...rest, ...(types && types.length > 0 ? { types: types.join(',') } : {}) });

/** How many events the filter matches, and the range they span (`ops.events.count`). */
export const countEvents = async (client: ShopClient, filter: ReplayFilter): Promise<EventCount> =>
  (await callOperation(client, 'ops.events.count', feedInput(filter))).data as EventCount;

const PAGE_SIZE = 1000;

type ReplayOptions = { onProgress?: (progress: ReplayProgress) => void; signal?: AbortSignal };
type SdkReplay = (filter: ReplayFilter, handler: (event: LoggedEventLike) => unknown, options: ReplayOptions) => Promise<ReplaySummary>;

/**
 * Runs `handler` over every event the filter matches, oldest first, reporting progress as it goes:
 * through the SDK's `client.ops.events.replay` where it has one (same filter, progress, summary and
 * ReplayError), else by paging the feed (`ops.events.list`) here, until every SDK shopctl is built
 * with has it.
 */
export const replayEvents = async (
  client: ShopClient,
  filter: ReplayFilter,
  handler: (event: LoggedEventLike) => unknown,
  options: ReplayOptions = {},
): Promise<ReplaySummary> => {
  const history = (client as unknown as { ops?: { events?: { replay?: SdkReplay } } }).ops?.events;
  if (typeof history?.replay === 'function') return history.replay(filter, handler, options);
  const started = performance.now();
  const { count: total } = await countEvents(client, filter);
  let done = 0;
  let firstPosition: number | null = null;
  let lastPosition: number | null = null;
  const rate = () => done / Math.max((performance.now() - started) / 1000, 0.001);
  let after = filter.after;
  for (;;) {
    options.signal?.throwIfAborted();
    const page = (await callOperation(client, 'ops.events.list', { ...feedInput(filter), after, limit: PAGE_SIZE })).data as { items: LoggedEventLike[]; nextAfter: number | null };
    for (const event of page.items) {
      try {
        await handler(event);
      } catch (error) {
        throw new ReplayError(event, error);
      }
      done++;
      firstPosition ??= event.position;
      lastPosition = event.position;
    }
    if (lastPosition !== null) {
      const eventsPerSecond = rate();
      const left = Math.max(total - done, 0);
      options.onProgress?.({ done, total: Math.max(total, done), position: lastPosition, eventsPerSecond, secondsLeft: eventsPerSecond > 0 ? left / eventsPerSecond : 0 });
    }
    if (page.nextAfter === null || page.items.length === 0) break;
    after = page.nextAfter;
  }
  const seconds = (performance.now() - started) / 1000;
  return { events: done, firstPosition, lastPosition, seconds, eventsPerSecond: done / Math.max(seconds, 0.001) };
};
