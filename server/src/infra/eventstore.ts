import {
  CommandHandler,
  isExpectedVersionConflictError,
  type Event,
  type ExpectedStreamVersion,
  type ProjectionRegistration,
} from '@event-driven-io/emmett';
import {
  getPostgreSQLEventStore,
  type PostgresEventStore,
  type PostgreSQLProjectionHandlerContext,
  type PostgresReadEventMetadata,
} from '@event-driven-io/emmett-postgresql';
import type { Pool } from './database/pool.js';
import type { RequestLeftEvents } from './http/idempotency.js';
import { StreamExistsError, VersionMismatchError } from './http/problems.js';

/**
 * Carried on every appended event: who acted, and which request and earlier message caused it,
 * so history can be followed back and a replay can tell side effects it must skip.
 */
export type EventMetadata = {
  correlationId: string;
  causationId: string;
  actorId: string | null;
  requestId: string;
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

type Decider<State, Command, StreamEvent extends Event> = {
  decide: (command: Command, state: State) => StreamEvent | StreamEvent[];
  evolve: (state: State, event: StreamEvent) => State;
  initialState: () => State;
};

export type CommandOutcome<State> = { state: State; version: number; appended: number };

/**
 * Runs one command through a pure decider against one stream. An expected version from the
 * client is checked exactly (412 when stale); without one, a concurrent writer just means
 * reading again and re-deciding, which Emmett's retry does for us. A creation (`mustNotExist`)
 * expects version 0: Emmett 0.42 does not enforce its STREAM_DOES_NOT_EXIST at append, while a
 * numeric 0 makes the second of two racing creators fail on the stream's primary key. That loser
 * gets a 409, never a retry: re-deciding against the winner's stream would be a second creation.
 */
export const handleCommand = async <State, Command, StreamEvent extends Event>(
  eventStore: PostgresEventStore,
  decider: Decider<State, Command, StreamEvent>,
  options: {
    streamName: string;
    command: Command;
    metadata: EventMetadata;
    expectedVersion?: number | undefined;
    mustNotExist?: boolean;
  },
): Promise<CommandOutcome<State>> => {
  const handle = CommandHandler<State, StreamEvent>({ evolve: decider.evolve, initialState: decider.initialState });
  const expectedStreamVersion: ExpectedStreamVersion | undefined = options.mustNotExist
    ? 0n
    : options.expectedVersion !== undefined
      ? BigInt(options.expectedVersion)
      : undefined;
  try {
    const result = await handle(
      eventStore,
      options.streamName,
      (state) => {
        const decided = decider.decide(options.command, state);
        const events = Array.isArray(decided) ? decided : [decided];
        return events.map((event) => ({ ...event, metadata: { ...options.metadata } }) as StreamEvent);
      },
      expectedStreamVersion !== undefined
        ? { expectedStreamVersion }
        : { retry: { onVersionConflict: { retries: 10, minTimeout: 5, factor: 1.5 } } },
    );
    return {
      state: result.newState,
      version: Number(result.nextExpectedStreamVersion),
      appended: result.newEvents.length,
    };
  } catch (error) {
    // emmett-postgresql bundles its own copy of the error class, so test by code, not instanceof.
    if (isExpectedVersionConflictError(error) && options.mustNotExist) throw new StreamExistsError(options.streamName);
    if (isExpectedVersionConflictError(error) && options.expectedVersion !== undefined) {
      throw new VersionMismatchError(options.expectedVersion, Number((error as { current?: string }).current ?? -1));
    }
    throw error;
  }
};
