import type { StoredLogEvent } from '../log/log-reader.js';
import type { Queryable } from '../privacy/keyring.js';

/** The transaction a handler runs on: the same one that advances its checkpoint. */
export type ProcessorTransaction = Queryable;

/**
 * `live`: the event is being handled for the first time (or retried by an operator).
 * `replay`: a rebuild, a what-if or an as-of-instant read is re-running history; nothing may
 * leave the database. Reactors are never called in a replay; read models ignore the flag.
 */
export type ProcessorMode = 'live' | 'replay';

export type ProcessorContext = { tx: ProcessorTransaction; mode: ProcessorMode; processor: string };

type Common = {
  /** Unique across the server: the checkpoint's key, the lock's name, the ops routes' `:name`. */
  name: string;
  /** Event types it is given; others never reach it (and the cursor still moves past them). */
  handles: readonly string[];
  /**
   * When set, a parked event stops the rest of its stream (they are recorded as blocked) until an
   * operator retries or skips it; other streams keep flowing. Otherwise the processor moves on.
   */
  orderedPerStream?: boolean;
  /**
   * Handles a batch, in commit order, on `context.tx`. Throwing rolls the whole batch back; the
   * runtime then goes event by event to find the one that fails. Events arrive as stored
   * (personal fields still sealed).
   */
  handle(events: readonly StoredLogEvent[], context: ProcessorContext): Promise<void>;
};

/** A read model kept from the log: replayable, so it can be rebuilt beside itself and compared. */
export type ReadModelProcessor = Common & {
  kind: 'read-model';
  /**
   * Its tables, in `public`. The handler must name them unqualified: a rebuild runs the same
   * handler with `search_path` pointing at a scratch schema that holds empty copies.
   */
  tables: readonly string[];
  /**
   * The rows that show one entity (`id` as the read model understands it), with the tables named
   * unqualified: `ops.readModels.get` runs it against a copy replayed up to an instant.
   */
  rowsOf?: (tx: ProcessorTransaction, id: string) => Promise<Record<string, unknown>[]>;
};

/** Side effects (emails, payments, appends): never re-run by a rebuild or replay. */
export type ReactorProcessor = Common & { kind: 'reactor' };

export type ProcessorDeclaration = ReadModelProcessor | ReactorProcessor;

export const declareProcessor = <P extends ProcessorDeclaration>(declaration: P): P => declaration;

/**
 * Work run every `intervalMs`, not per event: timeouts kept as rows with a due time (reservation
 * expiry). Led like a processor, by the same lock under its name, so it runs in one instance at a
 * time, moves to another within seconds when that one dies, is listed with its holder and status,
 * and pauses and resumes like any processor. Modules declare these as `scheduledTasks`; the
 * server binds each to the module's context.
 */
export type ScheduledProcessor = {
  kind: 'scheduled';
  /** Unique among processors and tasks: the lock's name and the ops routes' `:name`. */
  name: string;
  intervalMs: number;
  /** One pass; `signal` aborts when leadership is lost or the server stops. A throw is logged and shown, and the next pass comes as usual. */
  tick(signal: AbortSignal): Promise<unknown>;
};

/** Everything the runtime leads: processors of events, and scheduled tasks. */
export type RuntimeProcessor = ProcessorDeclaration | ScheduledProcessor;

/** The processors that read the log (all but scheduled tasks). */
export const isEventProcessor = (processor: RuntimeProcessor): processor is ProcessorDeclaration => processor.kind !== 'scheduled';
