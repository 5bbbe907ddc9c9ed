import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestDatabase } from '../../../../test/database.js';
import { createPool, type Pool } from '../database/pool.js';
import { inTransaction } from '../database/transaction.js';
import { compareTables } from './rebuild.js';

let setup: Pool;
let strict: Pool;
beforeAll(async () => {
  const url = await createTestDatabase();
  setup = createPool(url, 1, { statementMs: 600_000, queryMs: 600_000 });
  // The server's pools bound every statement; here tightly, so a comparison of a few hundred
  // thousand rows outlasts the bound the way a 1,000,000-event read model outlasts the real 5 s.
  strict = createPool(url, 1, { statementMs: 30, queryMs: 40 });
  await setup.query(`CREATE TABLE test_big (id bigint PRIMARY KEY, label text NOT NULL)`);
  await setup.query(`INSERT INTO test_big SELECT g, 'row ' || g FROM generate_series(1, 300000) g`);
  await setup.query(`CREATE SCHEMA eventshop_rebuild_test_big`);
  await setup.query(`CREATE TABLE eventshop_rebuild_test_big.test_big AS SELECT * FROM public.test_big`);
});
afterAll(async () => {
  await strict?.end();
  await setup?.end();
});

it('compares a read model too large for the pool’s statement limits, as the switch at the end of a big rebuild must', async () => {
  const comparison = await inTransaction(strict, (tx) => compareTables(tx, ['test_big'], 'eventshop_rebuild_test_big'));
  expect(comparison).toEqual({ equal: true, tables: [{ table: 'test_big', liveRows: 300000, rebuiltRows: 300000, onlyLive: 0, onlyRebuilt: 0 }] });
});
