import type { CategoryStats } from '@eventshop/sdk/contract';
import type { Pool } from '../../infra/database/pool.js';
import { declareProcessor, type ProcessorTransaction } from '../../infra/processors/declaration.js';
import type { StoredLogEvent } from '../../infra/log/log-reader.js';
import { productEventTypes, type ProductEvent } from './products.js';

type Slim = { id: string; category: string; amount: number; currency: string; active: boolean; version: number };

/**
 * Folds a batch into the slim product rows in memory and writes it back in four statements
 * (read the products touched, upsert them, drop and recompute the categories touched), whatever the
 * batch's size: a rebuild replays 100,000 events in a few hundred statements, not 100,000.
 * Each product row keeps its stream version, so an event already applied is skipped.
 */
const applyProductEvents = async (events: readonly StoredLogEvent[], tx: ProcessorTransaction) => {
  const ids = [...new Set(events.map((event) => (event.data as { productId: string }).productId))];
  const { rows } = await tx.query<{ id: string; category_id: string; price_amount: string | number; price_currency: string; active: boolean; version: number }>(
    `SELECT id, category_id, price_amount, price_currency, active, version FROM catalog_stats_products WHERE id = ANY($1::uuid[])`,
    [ids],
  );
  const products = new Map<string, Slim>(
    rows.map((row) => [row.id, { id: row.id, category: row.category_id, amount: Number(row.price_amount), currency: row.price_currency, active: row.active, version: row.version }]),
  );
  const touched = new Map<string, [string, string]>();
  const touch = (product: Slim) => touched.set(`${product.category}\u0000${product.currency}`, [product.category, product.currency]);
  const changed = new Set<Slim>();
  for (const product of products.values()) touch(product);

  for (const stored of events) {
    const event = { type: stored.type, data: stored.data } as ProductEvent;
    const current = products.get(event.data.productId);
    if (current && stored.version <= current.version) continue;
    if (!current && event.type !== 'ProductCreated') continue;
    let next: Slim;
    switch (event.type) {
      case 'ProductCreated':
        if (current) continue;
        next = { id: event.data.productId, category: event.data.categoryId, amount: event.data.price.amount, currency: event.data.price.currency, active: true, version: stored.version };
        break;
      case 'ProductDetailsChanged':
        next = { ...current!, category: event.data.categoryId ?? current!.category, version: stored.version };
        break;
      case 'ProductPriceChanged':
        next = { ...current!, amount: event.data.price.amount, currency: event.data.price.currency, version: stored.version };
        break;
      case 'ProductDiscontinued':
        next = { ...current!, active: false, version: stored.version };
        break;
      default:
        continue;
    }
    if (current) changed.delete(current);
    products.set(next.id, next);
    changed.add(next);
    touch(next);
  }
  if (changed.size === 0) return;

  const list = [...changed];
  await tx.query(
    `INSERT INTO catalog_stats_products (id, category_id, price_amount, price_currency, active, version)
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::bigint[], $4::text[], $5::boolean[], $6::integer[])
     ON CONFLICT (id) DO UPDATE SET category_id = EXCLUDED.category_id, price_amount = EXCLUDED.price_amount,
       price_currency = EXCLUDED.price_currency, active = EXCLUDED.active, version = EXCLUDED.version`,
    [list.map((p) => p.id), list.map((p) => p.category), list.map((p) => p.amount), list.map((p) => p.currency), list.map((p) => p.active), list.map((p) => p.version)],
  );
  const pairs = [...touched.values()];
  const categories = pairs.map((pair) => pair[0]);
  const currencies = pairs.map((pair) => pair[1]);
  await tx.query(
    `DELETE FROM catalog_category_stats s USING unnest($1::text[], $2::text[]) AS t(category_id, currency)
      WHERE s.category_id = t.category_id AND s.currency = t.currency`,
    [categories, currencies],
  );
  await tx.query(
    `INSERT INTO catalog_category_stats (category_id, currency, active_products, min_price, avg_price, max_price)
     SELECT p.category_id, p.price_currency, count(*), min(p.price_amount), round(avg(p.price_amount))::bigint, max(p.price_amount)
       FROM catalog_stats_products p JOIN unnest($1::text[], $2::text[]) AS t(category_id, currency)
         ON p.category_id = t.category_id AND p.price_currency = t.currency
      WHERE p.active
      GROUP BY p.category_id, p.price_currency`,
    [categories, currencies],
  );
};

/** Catalog statistics per category and currency, kept after commit by the processor runtime. */
export const categoryStatsProcessor = declareProcessor({
  name: 'catalog_category_stats',
  kind: 'read-model',
  handles: productEventTypes,
  tables: ['catalog_stats_products', 'catalog_category_stats'],
  handle: (events, { tx }) => applyProductEvents(events, tx),
  // One category: its statistics per currency.
  rowsOf: async (tx, id) => (await tx.query(`SELECT * FROM catalog_category_stats WHERE category_id = $1 ORDER BY currency`, [id])).rows,
});

export const categoryStatsQueries = (pool: Pool) => ({
  async list(): Promise<CategoryStats[]> {
    const { rows } = await pool.query<{ category_id: string; currency: string; active_products: number; min_price: string; avg_price: string; max_price: string }>(
      `SELECT category_id, currency, active_products, min_price, avg_price, max_price FROM catalog_category_stats ORDER BY category_id, currency`,
    );
    return rows.map((row) => ({
      categoryId: row.category_id,
      currency: row.currency,
      activeProducts: row.active_products,
      minPrice: Number(row.min_price),
      avgPrice: Number(row.avg_price),
      maxPrice: Number(row.max_price),
    }));
  },
});

export type CategoryStatsQueries = ReturnType<typeof categoryStatsQueries>;
