import { crashPoint } from './crash-points.js';
import { isExpectedVersionConflictError, type Event, type ProjectionRegistration } from '@event-driven-io/emmett';
import {
  getPostgreSQLEventStore,
  type PostgresEventStore,
  type PostgreSQLProjectionHandlerContext,
  type PostgresReadEventMetadata,
} from '@event-driven-io/emmett-postgresql';
import type { Pool } from './database/pool.js';
import type { CommitWakeups } from './log/commit-wakeups.js';
import type { RequestLeftEvents } from './http/idempotency.js';
import { StreamBusyError, VersionMismatchError } from './http/problems.js';
import { crossesSnapshotBoundary, type SnapshotStore } from './snapshots.js';
import { tracing, withSpan } from './tracing/tracing.js';

/**
 * Carried on every appended event: who acted, and which request and earlier message caused it,
 * so history can be followed back and a replay can tell side effects it must skip.
 */
export type EventMetadata = {
  correlationId: string;
  causationId: string;
  actorId: string | null;
  requestId: string;
  /** When it happened, by the injected clock: time travel to an instant and `since`/`until` read this. */
  occurredAt: string;
  /**
   * The W3C trace context of the command that appended it, when tracing is on: the processors
   * continue that trace, so one request's trace goes on through the work its events cause.
   */
  traceparent?: string;
};

export type InlineProjections = ProjectionRegistration<'inline', PostgresReadEventMetadata, PostgreSQLProjectionHandlerContext>[];

export const createEventStore = (connectionString: string, pool: Pool, projections: InlineProjections): PostgresEventStore =>
  getPostgreSQLEventStore(connectionString, {
    projections,
    connectionOptions: { pool },
    schema: { autoMigration: 'CreateOrUpdate' },
  });

/**
 * Whether a request appended anything, found by the metadata every event carries. Only the
 * recovery of an Idempotency-Key whose request stopped mid-way asks, so it scans the events
 * since the key was claimed rather than keeping an index that every append would pay for.
 * A caller that sends one X-Request-Id for several requests can make this say yes for a request
 * that wrote nothing; the error is on the safe side (no command runs twice).
 * `emt_messages` is Emmett's table; the recovery tests in products.int.test.ts fail on a rename.
 */
export const requestLeftEvents =
  (pool: Pool): RequestLeftEvents =>
  async ({ requestId, actorId, since }) => {
    const { rows } = await pool.query<{ found: boolean }>(
      `SELECT EXISTS (
         SELECT 1 FROM emt_messages
          WHERE created >= $3 AND message_metadata->>'requestId' = $1 AND message_metadata->>'actorId' = $2
       ) AS found`,
      [requestId, actorId, since],
    );
    return rows[0]?.found === true;
  };

export type Decider<State, Command, StreamEvent extends Event> = {
  decide: (command: Command, state: State) => StreamEvent | StreamEvent[];
  evolve: (state: State, event: StreamEvent) => State;
  initialState: () => State;
  /**
   * The fingerprint of `evolve` (infra/snapshots.ts) when the stream's state may be snapshotted.
   * Left out where the state holds what must not be stored outside the log (personal data in clear).
   */
  snapshotFingerprint?: string;
  /**
   * Set where `evolve` never changes a state it is given (it returns new objects, sharing the
   * unchanged parts): the state after a stream's last command is then kept in memory and the next
   * command reads only the events after it, instead of a snapshot and the events since. Another
   * instance's appends are still read, so this changes speed only.
   */
  keepsStateWarm?: boolean;
};

export type CommandOutcome<State> = { state: State; version: number; appended: number; /** The types of the events this command recorded. */ types: readonly string[] };

/** Retries after another instance moved the stream, when the client did not pin a version. */
const CONFLICT_RETRIES = 10;
/** Commands for one stream decided together and recorded in one append, at most. */
const MAX_BATCH = 100;

export type CommandOptions<Command> = {
  streamName: string;
  command: Command;
  metadata: EventMetadata;
  expectedVersion?: number | undefined;
  snapshots?: SnapshotStore | undefined;
};

type Queued<State, Command, StreamEvent extends Event> = {
  decider: Decider<State, Command, StreamEvent>;
  options: CommandOptions<Command>;
  resolve: (outcome: CommandOutcome<State>) => void;
  reject: (error: unknown) => void;
};

// One queue per stream per event store: commands for a stream never race each other inside this process.
const queues = new WeakMap<PostgresEventStore, Map<string, Queued<any, any, any>[]>>();

/** States kept warm (Decider.keepsStateWarm), per event store, the most recently used streams last. */
const WARM_STREAMS = 1000;
type WarmState = { decider: unknown; state: unknown; version: number };
const warmStates = new WeakMap<PostgresEventStore, Map<string, WarmState>>();

const warmStateOf = (eventStore: PostgresEventStore, streamName: string, decider: unknown) => {
  const entry = warmStates.get(eventStore)?.get(streamName);
  return entry && entry.decider === decider ? entry : undefined;
};

const keepWarm = (eventStore: PostgresEventStore, streamName: string, entry: WarmState) => {
  let streams = warmStates.get(eventStore);
  if (!streams) warmStates.set(eventStore, (streams = new Map()));
  streams.delete(streamName);
  streams.set(streamName, entry);
  if (streams.size > WARM_STREAMS) streams.delete(streams.keys().next().value!);
};

/**
 * What the server's metrics want to hear from here (infra/observability/metrics.ts). Kept to an
 * interface so the event store does not depend on the metrics library.
 */
export type CommandObserver = {
  /** One append, its duration and whether another instance had moved the stream meanwhile. */
  appended(streamName: string, outcome: 'ok' | 'conflict', seconds: number): void;
  /** The event types one command recorded; called in the command caller's async context. */
  recorded(types: readonly string[]): void;
};

const observers = new WeakMap<PostgresEventStore, CommandObserver>();

/** Reports every command run through `eventStore` to `observer` (one per server instance). */
export const observeCommands = (eventStore: PostgresEventStore, observer: CommandObserver) => {
  observers.set(eventStore, observer);
};

const commitListeners = new WeakMap<PostgresEventStore, Set<(types: readonly string[]) => void>>();

/**
 * Calls `listener` with the event types of every append through `eventStore` in this process,
 * once it has committed: how this instance's processors hear of new events at once instead of at
 * their next poll. Appends by other instances are still found by polling. Answers the unsubscribe.
 */
export const onCommitted = (eventStore: PostgresEventStore, listener: (types: readonly string[]) => void): (() => void) => {
  let listeners = commitListeners.get(eventStore);
  if (!listeners) commitListeners.set(eventStore, (listeners = new Set()));
  listeners.add(listener);
  return () => listeners.delete(listener);
};

/** `onCommitted` for one event store, as the log's readers take it. */
export const commitWakeups =
  (eventStore: PostgresEventStore): CommitWakeups =>
  (listener) =>
    onCommitted(eventStore, listener);

/**
 * Runs one command through a pure decider against one stream, and answers its own outcome.
 *
 * Inside this process, commands for one stream are serialised and batched: while one append is
 * in flight, the commands that arrive for the same stream wait, then are decided one after the
 * other on the evolving state and recorded together in a single append (group commit). A hot
 * stream (one product everybody buys) then costs one read and one append per batch instead of a
 * storm of optimistic retries, and its throughput grows with load instead of collapsing.
 *
 * Every append names the exact version that was read, a new stream included (0): Emmett 0.42
 * does not enforce "stream must not exist", so a racing create would otherwise record a second
 * creation. Another instance writing meanwhile means reading again and deciding the batch again.
 * A client's expected version is checked exactly, at its turn in the batch (412 when stale).
 */
export const handleCommand = <State, Command, StreamEvent extends Event>(
  eventStore: PostgresEventStore,
  decider: Decider<State, Command, StreamEvent>,
  options: CommandOptions<Command>,
): Promise<CommandOutcome<State>> => {
  if (!tracing().enabled) return enqueue(eventStore, decider, options);
  const { command, streamName, metadata, expectedVersion } = options;
  const name = (command as { type?: unknown }).type;
  return withSpan(
    `command ${typeof name === 'string' ? name : streamName.split('-')[0]}`,
    { 'eventshop.stream': streamName, 'eventshop.expected_version': expectedVersion, 'eventshop.correlation_id': metadata.correlationId },
    async (span) => {
      // The command's own span is what its events' processors continue from.
      const outcome = await enqueue(eventStore, decider, { ...options, metadata: { ...metadata, traceparent: tracing().traceparent() } });
      span.setAttributes({ 'eventshop.version': outcome.version, 'eventshop.appended': outcome.appended });
      return outcome;
    },
  );
};

const enqueue = <State, Command, StreamEvent extends Event>(
  eventStore: PostgresEventStore,
  decider: Decider<State, Command, StreamEvent>,
  options: CommandOptions<Command>,
): Promise<CommandOutcome<State>> =>
  new Promise<CommandOutcome<State>>((resolve, reject) => {
    let streams = queues.get(eventStore);
    if (!streams) queues.set(eventStore, (streams = new Map()));
    const waiting = streams.get(options.streamName);
    const entry: Queued<State, Command, StreamEvent> = { decider, options, resolve, reject };
    if (waiting) {
      waiting.push(entry);
      return;
    }
    const queue = [entry];
    streams.set(options.streamName, queue);
    void drain(eventStore, options.streamName, queue, streams);
  }).then((outcome) => {
    // Here, not inside the batch: this continuation runs in the caller's async context, so the
    // observer can tell which operation appended (the batch runs in its first command's).
    if (outcome.appended > 0) observers.get(eventStore)?.recorded(outcome.types);
    return outcome;
  });

const drain = async (eventStore: PostgresEventStore, streamName: string, queue: Queued<any, any, any>[], streams: Map<string, Queued<any, any, any>[]>) => {
  try {
    while (queue.length > 0) {
      const batch = queue.splice(0, MAX_BATCH);
      try {
        await runBatch(eventStore, streamName, batch);
      } catch (error) {
        for (const entry of batch) entry.reject(error);
      }
    }
  } finally {
    streams.delete(streamName);
  }
};

const runBatch = async <State, Command, StreamEvent extends Event>(eventStore: PostgresEventStore, streamName: string, batch: Queued<State, Command, StreamEvent>[]) => {
  const { decider } = batch[0]!;
  const snapshots = decider.snapshotFingerprint !== undefined ? batch[0]!.options.snapshots : undefined;
  for (let attempt = 0; ; attempt++) {
    const warm = decider.keepsStateWarm ? (warmStateOf(eventStore, streamName, decider) as { state: State; version: number } | undefined) : undefined;
    const loaded = await loadState(eventStore, decider, streamName, snapshots, warm);
    let state = loaded.state;
    let version = loaded.version;
    const events: StreamEvent[] = [];
    const decided: { entry: Queued<State, Command, StreamEvent>; outcome: CommandOutcome<State> }[] = [];
    const refused: { entry: Queued<State, Command, StreamEvent>; error: unknown }[] = [];
    for (const entry of batch) {
      const { options } = entry;
      try {
        if (options.expectedVersion !== undefined && options.expectedVersion !== version) throw new VersionMismatchError(options.expectedVersion, version);
        const result = entry.decider.decide(options.command, state);
        const own = (Array.isArray(result) ? result : [result]).map((event) => ({ ...event, metadata: { ...options.metadata } }) as StreamEvent);
        state = own.reduce(decider.evolve, state);
        version += own.length;
        events.push(...own);
        decided.push({ entry, outcome: { state, version, appended: own.length, types: own.map((event) => event.type) } });
      } catch (error) {
        refused.push({ entry, error });
      }
    }
    if (events.length > 0) {
      const observer = observers.get(eventStore);
      const started = performance.now();
      try {
        await eventStore.appendToStream(streamName, events, { expectedStreamVersion: BigInt(loaded.version) });
        observer?.appended(streamName, 'ok', (performance.now() - started) / 1000);
      } catch (error) {
        // emmett-postgresql bundles its own copy of the error class, so test by code, not instanceof.
        if (!isExpectedVersionConflictError(error)) throw error;
        observer?.appended(streamName, 'conflict', (performance.now() - started) / 1000);
        if (attempt >= CONFLICT_RETRIES) throw new StreamBusyError(streamName);
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * 1.5 ** attempt));
        continue;
      }
      // Recorded, not yet answered nor seen by any processor: the crash tests' "after an append" point.
      for (const event of events) crashPoint(`after-append:${event.type}`);
      const listeners = commitListeners.get(eventStore);
      if (listeners?.size) {
        const types = events.map((event) => event.type);
        for (const listener of listeners) {
          // A wake-up is a hint: one that throws must not fail a command already recorded.
          try {
            listener(types);
          } catch {}
        }
      }
      if (snapshots && crossesSnapshotBoundary(loaded.version, version)) {
        // A cache: failing to write it must not fail commands that are already recorded.
        const occurredAt = decided[decided.length - 1]!.entry.options.metadata.occurredAt;
        await snapshots.save(streamName, decider.snapshotFingerprint!, { version, occurredAt, state }).catch(() => {});
      }
    }
    if (decider.keepsStateWarm) keepWarm(eventStore, streamName, { decider, state, version });
    for (const { entry, outcome } of decided) entry.resolve(outcome);
    for (const { entry, error } of refused) entry.reject(error);
    return;
  }
};

/**
 * A stream's current state and version, for a reader outside a command (the fulfillment process
 * deciding its next step): from the state this process keeps warm when the decider allows it,
 * else from the newest snapshot on. Either way every event after it is read from the store.
 */
export const currentState = <State, StreamEvent extends Event>(
  eventStore: PostgresEventStore,
  decider: Pick<Decider<State, never, StreamEvent>, 'evolve' | 'initialState' | 'snapshotFingerprint' | 'keepsStateWarm'>,
  streamName: string,
  snapshots: SnapshotStore | undefined,
): Promise<{ state: State; version: number }> =>
  loadState(eventStore, decider, streamName, snapshots, decider.keepsStateWarm ? (warmStateOf(eventStore, streamName, decider) as { state: State; version: number } | undefined) : undefined);

/**
 * A stream's current state and version, from a state kept warm or the newest snapshot on. Emmett
 * answers a read that starts past the end with version 0, so the version is the starting point's
 * when nothing follows it.
 */
export const loadState = async <State, StreamEvent extends Event>(
  eventStore: PostgresEventStore,
  decider: Pick<Decider<State, never, StreamEvent>, 'evolve' | 'initialState' | 'snapshotFingerprint'>,
  streamName: string,
  snapshots: SnapshotStore | undefined,
  warm?: { state: State; version: number },
): Promise<{ state: State; version: number }> => {
  const start = warm ?? (snapshots && decider.snapshotFingerprint ? await snapshots.latest<State>(streamName, decider.snapshotFingerprint) : undefined);
  const { events } = await eventStore.readStream<StreamEvent>(streamName, start ? { from: BigInt(start.version + 1) } : undefined);
  let state = start ? start.state : decider.initialState();
  for (const event of events) if (event) state = decider.evolve(state, event);
  const last = events[events.length - 1];
  return { state, version: last ? Number(last.metadata.streamPosition) : (start?.version ?? 0) };
};
