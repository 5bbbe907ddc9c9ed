import type { LoggedEvent } from '@eventshop/sdk/contract';
import { afterWakeRetryMs, wakeableRest, type CommitWakeups } from '../infra/log/commit-wakeups.js';
import { cursorOf, logReader, type LogCursor, type LogFilter, type StoredLogEvent } from '../infra/log/log-reader.js';
import type { Queryable } from '../infra/privacy/keyring.js';
import { revealForHistory } from './history-events.js';

const PAGE = 500;
/** How long a caught-up follower waits before looking again: the bound on delivery latency for another instance's appends. */
export const FOLLOW_POLL_MS = 50;
/**
 * The least time between two reads of a caught-up follower that its own instance's commits wake:
 * each wake-up costs a read per follower, and under a stream of appends this caps that at 40 a
 * second (twice the polling) while delivery stays within it.
 */
export const WOKEN_GAP_MS = 25;

/** Whether an event passes a filter; the follower reads every event and filters here, so its cursor moves over the rest. */
export const matchesFilter = (event: StoredLogEvent, filter: LogFilter): boolean =>
  (!filter.types || filter.types.length === 0 || filter.types.includes(event.type)) &&
  (!filter.streamType || event.streamType === filter.streamType) &&
  (!filter.since || new Date(event.occurredAt) >= filter.since) &&
  (!filter.until || new Date(event.occurredAt) < filter.until);

/**
 * Follows the log from `cursor` for as long as `signal` allows: everything already recorded
 * first, then each new event as soon as every transaction before it has finished. The cursor
 * moves over events the filter drops, so a quiet filter costs one indexed read per poll. With
 * `wakeups`, an append by this instance is read as it commits instead of at the next poll.
 */
export async function* followLog(
  db: Queryable,
  cursor: LogCursor,
  filter: LogFilter,
  signal: AbortSignal,
  options: {
    /** A narrower choice than the filter can say (one order's story, say). */
    accept?: (event: StoredLogEvent) => boolean;
    wakeups?: CommitWakeups | undefined;
    /** How long a caught-up follower waits for another instance's appends before looking again. */
    pollMs?: number;
  } = {},
): AsyncGenerator<LoggedEvent> {
  const { accept = () => true, wakeups, pollMs = FOLLOW_POLL_MS } = options;
  const reader = logReader(db);
  const idle = wakeableRest(wakeups, signal);
  let at = cursor;
  // Above 0 while an append it was woken for has not been read: the next wait, shorter than a poll.
  let retryMs = 0;
  try {
    while (!signal.aborted) {
      const woken = idle.takeWoken();
      const page = await reader.read(at, {}, PAGE);
      if (page.length > 0) at = cursorOf(page[page.length - 1]!);
      const wanted = page.filter((event) => matchesFilter(event, filter) && accept(event));
      if (wanted.length > 0) yield* await revealForHistory(db, wanted);
      if (page.length === PAGE) continue;
      retryMs = page.length === 0 && (woken || retryMs > 0) ? afterWakeRetryMs(retryMs, pollMs) : 0;
      if (retryMs > 0) await pause(retryMs, signal);
      else {
        await pause(Math.min(WOKEN_GAP_MS, pollMs), signal);
        await idle.rest(Math.max(0, pollMs - WOKEN_GAP_MS));
      }
    }
  } finally {
    idle.close();
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
