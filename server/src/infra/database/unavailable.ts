/**
 * Whether an error means "PostgreSQL cannot be reached or did not answer in time" rather than
 * "this request is wrong": the first is a 503 the client may retry, the second is not.
 */

/** SQLSTATE classes and codes that say the server or the session went away, or gave up on time. */
const UNAVAILABLE_SQLSTATE = [
  /^08/, // connection exception (08000, 08003, 08006, 08001, 08004, ...)
  /^57P0[1-4]$/, // admin_shutdown, crash_shutdown, cannot_connect_now, database_dropped
  /^57014$/, // query_canceled: our statement_timeout fired
  /^53300$/, // too_many_connections
  /^25P03$/, // idle_in_transaction_session_timeout ended the session
];

/** Errors from the socket under node-postgres. */
const UNAVAILABLE_SYSCALL = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/** node-postgres and pg-pool raise these without a code. */
const UNAVAILABLE_MESSAGE = [
  /^Connection terminated/, // "... unexpectedly", "... due to connection timeout"
  /^Query read timeout$/, // the pool's query_timeout
  /^timeout exceeded when trying to connect$/, // connectionTimeoutMillis while waiting for a client
  /is not queryable$/, // a client whose connection already failed
  /^Cannot use a pool after calling end on the pool$/, // shutting down
];

export const isDatabaseUnavailable = (error: unknown): boolean => {
  // Emmett and our own wrappers may carry the driver's error as a cause.
  for (let current = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && (UNAVAILABLE_SYSCALL.has(code) || UNAVAILABLE_SQLSTATE.some((pattern) => pattern.test(code)))) return true;
    if (UNAVAILABLE_MESSAGE.some((pattern) => pattern.test(current.message))) return true;
    if (current instanceof AggregateError && current.errors.some(isDatabaseUnavailable)) return true;
  }
  return false;
};
