import pg from 'pg';

// BIGINT columns may arrive as bigint or string: Emmett sets node-postgres' global type parser.
// Map rows with Number(...) rather than fighting over that global.

/**
 * How long anything may wait on PostgreSQL before the request gets a 503 (docs/reliability.md
 * says why these figures). A request that fails on the database is answered within about
 * `connectMs + queryMs`: it waits at most `connectMs` for a connection, then at most `queryMs`
 * for its failing statement, and fails on the first one.
 */
export const DATABASE_TIMEOUTS = {
  /** Opening a connection, and waiting for a free one when all are busy. */
  connectMs: 2_000,
  /** PostgreSQL cancels a statement that runs longer; the connection stays usable. */
  statementMs: 5_000,
  /**
   * Our own deadline for an answer, for when PostgreSQL cannot cancel anything (frozen, or the
   * network gone). Above `statementMs`, so a merely slow statement gets PostgreSQL's clean cancel.
   */
  queryMs: 6_000,
  /** PostgreSQL ends a session that sits in an open transaction this long, releasing its locks. */
  idleInTransactionMs: 10_000,
} as const;

/** The longest a request waits on an unreachable or frozen database before its 503. */
export const DATABASE_ANSWER_BOUND_MS = DATABASE_TIMEOUTS.connectMs + DATABASE_TIMEOUTS.queryMs;

type ClientQuery = (...args: unknown[]) => unknown;

/** node-postgres' own words for a deadline it gave up on; the session behind it is in an unknown state. */
const QUERY_DEADLINE = 'Query read timeout';

/**
 * Every connection the server uses comes from here, Emmett's included (it is given this pool),
 * so the error handling and deadlines below cover every statement.
 */
export const createPool = (connectionString: string, max = 20, timeouts: { [Name in keyof typeof DATABASE_TIMEOUTS]?: number } = {}) => {
  const { connectMs, statementMs, queryMs, idleInTransactionMs } = { ...DATABASE_TIMEOUTS, ...timeouts };
  const pool = new pg.Pool({
    connectionString,
    max,
    connectionTimeoutMillis: connectMs,
    query_timeout: queryMs,
    statement_timeout: statementMs,
    idle_in_transaction_session_timeout: idleInTransactionMs,
    // Finds a peer that vanished without closing (host down, network cut) on idle connections.
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
  });
  // An idle client that loses its server must not crash the process; the next checkout reconnects.
  pool.on('error', () => {});
  pool.on('connect', (client) => {
    // A checked-out client has no listener from the pool, and PostgreSQL dying between two of its
    // statements (mid-transaction, say) emits 'error' on it: without this the process crashes.
    // The statement in flight, if any, fails on its own and is answered 503.
    client.on('error', () => {});
    dropSessionOnDeadline(client);
  });
  return pool;
};

/**
 * When our deadline fires, the statement may still be queued or running in that session, and
 * whatever the caller sends next (a ROLLBACK, the next request's statement) would wait behind it
 * for as long as PostgreSQL is stuck. Closing the socket fails those at once, and the pool
 * replaces the connection.
 */
const dropSessionOnDeadline = (client: pg.PoolClient) => {
  const send = client.query.bind(client) as ClientQuery;
  (client as unknown as { query: ClientQuery }).query = (...args: unknown[]) => {
    const result = send(...args);
    if (result instanceof Promise) {
      result.catch((error: unknown) => {
        if ((error as Error | undefined)?.message === QUERY_DEADLINE) (client as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
      });
    }
    return result;
  };
};

/**
 * A statement for work that is allowed to take long (schema migrations at start-up): no
 * server-side limit for the session, a generous deadline of our own. Release its client with
 * `release(true)` afterwards so the session's settings do not return to the pool.
 */
export const LONG_STATEMENT_MS = 10 * 60_000;

/** A statement with its own client-side deadline in place of the pool's (node-postgres reads `query_timeout` per query; its types omit it). */
export const withDeadline = (text: string, values: unknown[], ms: number): pg.QueryConfig => ({ text, values, query_timeout: ms }) as pg.QueryConfig;

export type Pool = pg.Pool;
