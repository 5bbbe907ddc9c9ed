import type pg from 'pg';

/**
 * Runs `work` in one transaction on a pooled client: committed when it resolves, rolled back when
 * it throws. A client whose rollback failed is broken and is destroyed, not returned to the pool.
 */
export const inTransaction = async <T>(pool: pg.Pool, work: (tx: pg.PoolClient) => Promise<T>): Promise<T> => {
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => (broken = true));
    throw error;
  } finally {
    client.release(broken);
  }
};
