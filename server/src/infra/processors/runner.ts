import type pg from 'pg';
import { afterWakeRetryMs, wakeableRest, type CommitWakeups } from '../log/commit-wakeups.js';
import { cursorOf, logReader, type LogCursor, type StoredLogEvent } from '../log/log-reader.js';
import type { ProcessorDeclaration, ProcessorTransaction } from './declaration.js';
import { checkpointStore, type Checkpoint } from './checkpoints.js';
import { parkedStore } from './parked.js';
import { batchSpanOptions } from './trace-context.js';
import { tracing, withSpan } from '../tracing/tracing.js';

export type RunnerOptions = {
  /** Events per transaction. */
  batchSize: number;
  /** Tries of one failing event (the first included) before it is parked. */
  maxAttempts: number;
  /** First retry's wait; each next one doubles, up to 30 s. */
  retryBaseMs: number;
  /** Wait after a batch that did not fill up, before looking again. */
  idleMs: number;
  /** Events per replay transaction of a rebuild. */
  rebuildBatchSize: number;
  log: (line: string) => void;
  /** This instance's own appends as they commit, so an idle processor reads at once instead of at its next poll. */
  wakeups?: CommitWakeups | undefined;
};

export const DEFAULT_RUNNER_OPTIONS: Omit<RunnerOptions, 'log'> = { batchSize: 500, maxAttempts: 5, retryBaseMs: 200, idleMs: 100, rebuildBatchSize: 2000 };

export const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

export const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error)).slice(0, 2000);

/** Someone else moved the checkpoint (another instance took over): drop this batch and read again. */
export class CheckpointMoved extends Error {}

/**
 * Runs `work` in one transaction that first moves the processor's checkpoint from `from` to `to`
 * by compare-and-set. The update also row-locks the checkpoint, so a second runner (or an
 * operator's retry) waits for this one and then finds the checkpoint moved. A crash anywhere
 * before COMMIT leaves both the work and the checkpoint undone.
 */
export const withCheckpoint = async (
  pool: pg.Pool,
  processor: string,
  from: LogCursor,
  to: LogCursor,
  work: (tx: ProcessorTransaction) => Promise<void>,
): Promise<void> => {
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query('BEGIN');
    const moved = await client.query(
      `UPDATE eventshop_checkpoints SET transaction_id = $4::xid8, position = $5, updated_at = now(), status = 'running', last_error = NULL
        WHERE processor = $1 AND transaction_id = $2::xid8 AND position = $3`,
      [processor, from.transactionId, from.position, to.transactionId, to.position],
    );
    if (moved.rowCount !== 1) throw new CheckpointMoved(`checkpoint of ${processor} moved`);
    await work(client);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => (broken = true));
    throw error;
  } finally {
    client.release(broken);
  }
};

/**
 * Hands `events` to the processor on `tx`. For processors ordered per stream, events of a stream
 * that has a parked event are recorded as blocked instead, in the same transaction.
 */
export const handleLive = async (processor: ProcessorDeclaration, tx: ProcessorTransaction, events: readonly StoredLogEvent[]) => {
  let handled: readonly StoredLogEvent[] = events;
  if (processor.orderedPerStream) {
    const parked = parkedStore(tx);
    const stopped = await parked.openStreams(processor.name, events.map((event) => event.streamId));
    const open: StoredLogEvent[] = [];
    handled = open;
    for (const event of events) {
      if (stopped.has(event.streamId)) await parked.park(processor.name, event, { status: 'blocked', error: null, attempts: 0 });
      else open.push(event);
    }
  }
  if (handled.length === 0) return;
  const handle = () => processor.handle(handled, { tx, mode: 'live', processor: processor.name });
  if (!tracing().enabled) return handle();
  const { attributes, options } = batchSpanOptions(processor.name, handled);
  await withSpan(`processor ${processor.name}`, attributes, handle, options);
};

/**
 * One processor's loop in the instance that leads it: read after the checkpoint, handle a batch
 * in the checkpoint's transaction, repeat. Stops at the end of the current batch when `signal`
 * aborts (leadership lost, server closing).
 */
export const runProcessor = async (
  pool: pg.Pool,
  processor: ProcessorDeclaration,
  options: RunnerOptions,
  signal: AbortSignal,
  /** A rebuild's step, run by the leader before each live batch; true when it did work. */
  beforeBatch?: (checkpoint: Checkpoint) => Promise<boolean>,
) => {
  const reader = logReader(pool);
  const checkpoints = checkpointStore(pool);
  const filter = { types: processor.handles };

  /** The batch failed as a whole: find the failing event by going one at a time, retrying it, then parking it. */
  const oneByOne = async (from: LogCursor, events: readonly StoredLogEvent[]) => {
    let cursor = from;
    for (const event of events) {
      for (let attempt = 1; ; attempt += 1) {
        try {
          await withCheckpoint(pool, processor.name, cursor, cursorOf(event), (tx) => handleLive(processor, tx, [event]));
          break;
        } catch (error) {
          if (error instanceof CheckpointMoved) throw error;
          if (attempt >= options.maxAttempts) {
            options.log(`processor ${processor.name}: parking event ${event.position} (${event.type}) after ${attempt} attempts: ${errorText(error)}`);
            await withCheckpoint(pool, processor.name, cursor, cursorOf(event), (tx) =>
              parkedStore(tx).park(processor.name, event, { status: 'parked', error: errorText(error), attempts: attempt }),
            );
            break;
          }
          await checkpoints.markRetrying(processor.name, `event ${event.position}, attempt ${attempt}: ${errorText(error)}`);
          await sleep(Math.min(30_000, options.retryBaseMs * 2 ** (attempt - 1)), signal);
          // Left for whoever leads next, from this same checkpoint.
          if (signal.aborted) return;
        }
      }
      cursor = cursorOf(event);
    }
  };

  /** One batch: `more` when there may be more to read at once, and how many events it read. */
  const step = async (): Promise<{ more: boolean; read: number }> => {
    const checkpoint = await checkpoints.get(processor.name);
    // Paused: the wait is a plain poll (an append cannot resume it).
    if (checkpoint.paused) return { more: false, read: -1 };
    const rebuilt = (await beforeBatch?.(checkpoint)) ?? false;
    const events = await reader.read(checkpoint.cursor, filter, options.batchSize);
    if (events.length === 0) return { more: rebuilt, read: 0 };
    try {
      await withCheckpoint(pool, processor.name, checkpoint.cursor, cursorOf(events[events.length - 1]!), (tx) => handleLive(processor, tx, events));
    } catch (error) {
      if (error instanceof CheckpointMoved) return { more: true, read: events.length };
      await oneByOne(checkpoint.cursor, events);
    }
    return { more: rebuilt || events.length === options.batchSize, read: events.length };
  };

  // Woken by an append of a type it handles; otherwise it looks again every idleMs.
  const handled = new Set(processor.handles);
  const idle = wakeableRest(options.wakeups, signal, (types) => types.some((type) => handled.has(type)));
  // Above 0 while an append it was woken for has not been read: the next wait, shorter than a poll.
  let retryMs = 0;
  try {
    while (!signal.aborted) {
      const woken = idle.takeWoken();
      try {
        const { more, read } = await step();
        if (more) retryMs = 0;
        else {
          retryMs = read === 0 && (woken || retryMs > 0) ? afterWakeRetryMs(retryMs, options.idleMs) : 0;
          await idle.rest(retryMs > 0 ? retryMs : options.idleMs);
        }
      } catch (error) {
        if (error instanceof CheckpointMoved) continue;
        // The database went away or refused: wait and read the checkpoint again; nothing was half-done.
        options.log(`processor ${processor.name}: ${errorText(error)}; retrying in 1 s`);
        await sleep(1000, signal);
      }
    }
  } finally {
    idle.close();
  }
};
