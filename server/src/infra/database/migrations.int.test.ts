import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestDatabase } from '../../../../test/database.js';
import { migrate } from './migrations.js';
import { createPool, type Pool } from './pool.js';

let pool: Pool;
beforeAll(async () => {
  pool = createPool(await createTestDatabase(), 2);
});
afterAll(() => pool?.end());

it('gives category statistics kept before the price sum existed their sum, from the slim products, so deltas start right', async () => {
  // The tables as they were before total_price, with live rows in them.
  await pool.query(`CREATE TABLE catalog_stats_products (id uuid PRIMARY KEY, category_id text NOT NULL, price_amount bigint NOT NULL, price_currency text NOT NULL, active boolean NOT NULL, version integer NOT NULL)`);
  await pool.query(`CREATE INDEX catalog_stats_products_by_category ON catalog_stats_products (category_id, price_currency) WHERE active`);
  await pool.query(
    `CREATE TABLE catalog_category_stats (category_id text NOT NULL, currency text NOT NULL, active_products integer NOT NULL, min_price bigint NOT NULL, avg_price bigint NOT NULL, max_price bigint NOT NULL, PRIMARY KEY (category_id, currency))`,
  );
  await pool.query(`INSERT INTO catalog_stats_products VALUES
    (gen_random_uuid(), 'kitchen', 1000, 'USD', true, 1), (gen_random_uuid(), 'kitchen', 3000, 'USD', true, 2),
    (gen_random_uuid(), 'kitchen', 9000, 'USD', false, 3), (gen_random_uuid(), 'garden', 500, 'EUR', true, 1)`);
  await pool.query(`INSERT INTO catalog_category_stats VALUES ('kitchen', 'USD', 2, 1000, 2000, 3000), ('garden', 'EUR', 1, 500, 500, 500)`);

  await migrate(pool);
  await migrate(pool); // and again, as every start does: nothing changes

  const { rows } = await pool.query(`SELECT category_id, total_price::int AS total_price FROM catalog_category_stats ORDER BY category_id`);
  expect(rows).toEqual([
    { category_id: 'garden', total_price: 500 },
    { category_id: 'kitchen', total_price: 4000 },
  ]);
  const { rows: indexes } = await pool.query(`SELECT indexname FROM pg_indexes WHERE tablename = 'catalog_stats_products' ORDER BY 1`);
  expect(indexes.map((row) => row.indexname)).toEqual(['catalog_stats_products_by_price', 'catalog_stats_products_pkey']);
});
