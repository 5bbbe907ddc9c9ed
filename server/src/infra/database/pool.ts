import pg from 'pg';

// BIGINT columns may arrive as bigint or string: Emmett sets node-postgres' global type parser.
// Map rows with Number(...) rather than fighting over that global.

export const createPool = (connectionString: string, max = 20) => {
  const pool = new pg.Pool({ connectionString, max });
  // An idle client that loses its server must not crash the process; the next checkout reconnects.
  pool.on('error', () => {});
  return pool;
};

export type Pool = pg.Pool;
