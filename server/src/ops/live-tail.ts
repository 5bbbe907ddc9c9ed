import type { LoggedEvent } from '@eventshop/sdk/contract';
import { cursorOf, logReader, type LogCursor, type LogFilter, type StoredLogEvent } from '../infra/log/log-reader.js';
import type { Queryable } from '../infra/privacy/keyring.js';
import { revealForHistory } from './history-events.js';

const PAGE = 500;
/** How long a caught-up follower waits before looking again: the bound on delivery latency when idle. */
export const FOLLOW_POLL_MS = 50;

/** Whether an event passes a filter; the follower reads every event and filters here, so its cursor moves over the rest. */
export const matchesFilter = (event: StoredLogEvent, filter: LogFilter): boolean =>
  (!filter.types || filter.types.length === 0 || filter.types.includes(event.type)) &&
  (!filter.streamType || event.streamType === filter.streamType) &&
  (!filter.since || new Date(event.occurredAt) >= filter.since) &&
  (!filter.until || new Date(event.occurredAt) < filter.until);

/**
 * Follows the log from `cursor` for as long as `signal` allows: everything already recorded
 * first, then each new event as soon as every transaction before it has finished. The cursor
 * moves over events the filter drops, so a quiet filter costs one indexed read per poll.
 */
export async function* followLog(
  db: Queryable,
  cursor: LogCursor,
  filter: LogFilter,
  signal: AbortSignal,
  /** A narrower choice than the filter can say (one order's story, say). */
  accept: (event: StoredLogEvent) => boolean = () => true,
): AsyncGenerator<LoggedEvent> {
  const reader = logReader(db);
  let at = cursor;
  while (!signal.aborted) {
    const page = await reader.read(at, {}, PAGE);
    if (page.length > 0) at = cursorOf(page[page.length - 1]!);
    const wanted = page.filter((event) => matchesFilter(event, filter) && accept(event));
    if (wanted.length > 0) yield* await revealForHistory(db, wanted);
    if (page.length < PAGE) await pause(FOLLOW_POLL_MS, signal);
  }
}

const pause = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
