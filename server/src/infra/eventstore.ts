import { isExpectedVersionConflictError, type Event, type ProjectionRegistration } from '@event-driven-io/emmett';
import {
  getPostgreSQLEventStore,
  type PostgresEventStore,
  type PostgreSQLProjectionHandlerContext,
  type PostgresReadEventMetadata,
} from '@event-driven-io/emmett-postgresql';
import type { Pool } from './database/pool.js';
import type { RequestLeftEvents } from './http/idempotency.js';
import { StreamBusyError, VersionMismatchError } from './http/problems.js';
import { crossesSnapshotBoundary, type SnapshotStore } from './snapshots.js';

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
};

export type CommandOutcome<State> = { state: State; version: number; appended: number };

/** Retries after a concurrent writer moved the stream, when the client did not pin a version. */
const CONFLICT_RETRIES = 10;

/**
 * Runs one command through a pure decider against one stream: load the state (from the newest
 * snapshot on), decide, append with the exact version that was read. Every append names that
 * version, a new stream included (0): Emmett 0.42 does not enforce "stream must not exist", so a
 * racing create would otherwise write a second creation event. A client's expected version is
 * checked exactly (412 when stale); without one, a concurrent writer means reading again and
 * deciding again, and the decider then says what is wrong ("already exists").
 */
export const handleCommand = async <State, Command, StreamEvent extends Event>(
  eventStore: PostgresEventStore,
  decider: Decider<State, Command, StreamEvent>,
  options: {
    streamName: string;
    command: Command;
    metadata: EventMetadata;
    expectedVersion?: number | undefined;
    snapshots?: SnapshotStore | undefined;
  },
): Promise<CommandOutcome<State>> => {
  const snapshots = decider.snapshotFingerprint !== undefined ? options.snapshots : undefined;
  for (let attempt = 0; ; attempt++) {
    const { state, version } = await loadState(eventStore, decider, options.streamName, snapshots);
    if (options.expectedVersion !== undefined && options.expectedVersion !== version) {
      throw new VersionMismatchError(options.expectedVersion, version);
    }
    const decided = decider.decide(options.command, state);
    const events = (Array.isArray(decided) ? decided : [decided]).map((event) => ({ ...event, metadata: { ...options.metadata } }) as StreamEvent);
    if (events.length === 0) return { state, version, appended: 0 };
    try {
      const result = await eventStore.appendToStream(options.streamName, events, { expectedStreamVersion: BigInt(version) });
      const newState = events.reduce(decider.evolve, state);
      const newVersion = Number(result.nextExpectedStreamVersion);
      if (snapshots && crossesSnapshotBoundary(version, newVersion)) {
        // A cache: a failure to write it must not fail a command that has already been recorded.
        await snapshots
          .save(options.streamName, decider.snapshotFingerprint!, { version: newVersion, occurredAt: options.metadata.occurredAt, state: newState })
          .catch(() => {});
      }
      return { state: newState, version: newVersion, appended: events.length };
    } catch (error) {
      // emmett-postgresql bundles its own copy of the error class, so test by code, not instanceof.
      if (!isExpectedVersionConflictError(error)) throw error;
      if (options.expectedVersion !== undefined) {
        throw new VersionMismatchError(options.expectedVersion, (await loadState(eventStore, decider, options.streamName, snapshots)).version);
      }
      if (attempt >= CONFLICT_RETRIES) throw new StreamBusyError(options.streamName);
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * 1.5 ** attempt));
    }
  }
};

/**
 * A stream's current state and version, from the newest snapshot on. Emmett answers a read that
 * starts past the end with version 0, so the version is the snapshot's when nothing follows it.
 */
export const loadState = async <State, StreamEvent extends Event>(
  eventStore: PostgresEventStore,
  decider: Pick<Decider<State, never, StreamEvent>, 'evolve' | 'initialState' | 'snapshotFingerprint'>,
  streamName: string,
  snapshots: SnapshotStore | undefined,
): Promise<{ state: State; version: number }> => {
  const snapshot = snapshots && decider.snapshotFingerprint ? await snapshots.latest<State>(streamName, decider.snapshotFingerprint) : undefined;
  const { events } = await eventStore.readStream<StreamEvent>(streamName, snapshot ? { from: BigInt(snapshot.version + 1) } : undefined);
  let state = snapshot ? snapshot.state : decider.initialState();
  for (const event of events) if (event) state = decider.evolve(state, event);
  const last = events[events.length - 1];
  return { state, version: last ? Number(last.metadata.streamPosition) : (snapshot?.version ?? 0) };
};
