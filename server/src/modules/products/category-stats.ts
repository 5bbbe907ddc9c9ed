import type { CategoryStats } from '@eventshop/sdk/contract';
import type { Pool } from '../../infra/database/pool.js';
import { declareProcessor, type ProcessorTransaction } from '../../infra/processors/declaration.js';
import type { StoredLogEvent } from '../../infra/log/log-reader.js';
import { productEventTypes, type ProductEvent } from './products.js';

type Slim = { id: string; category: string; amount: number; currency: string; active: boolean; version: number };

type Group = { category: string; currency: string; count: number; sum: number };

/**
 * Folds a batch into the slim product rows in memory and writes it back in three statements,
 * whatever the batch's size and however large the catalog: read the products touched, upsert
 * them, then move each touched group's count and price sum by what the batch changed (min and max
 * are one index probe each, on the products' price index). Nothing re-aggregates a whole group,
 * so a batch costs the same with 1,000 products or 1,000,000. Each product row keeps its stream
 * version, so an event already applied is skipped.
 */
const applyProductEvents = async (events: readonly StoredLogEvent[], tx: ProcessorTransaction) => {
  const ids = [...new Set(events.map((event) => (event.data as { productId: string }).productId))];
  const { rows } = await tx.query<{ id: string; category_id: string; price_amount: string | number; price_currency: string; active: boolean; version: number }>(
    `SELECT id, category_id, price_amount, price_currency, active, version FROM catalog_stats_products WHERE id = ANY($1::uuid[])`,
    [ids],
  );
  const before = new Map<string, Slim>(
    rows.map((row) => [row.id, { id: row.id, category: row.category_id, amount: Number(row.price_amount), currency: row.price_currency, active: row.active, version: row.version }]),
  );
  const products = new Map(before);
  const changed = new Set<string>();

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
    products.set(next.id, next);
    changed.add(next.id);
  }
  if (changed.size === 0) return;

  // What the batch did to each group: the product as it was leaves its group, as it is now joins one.
  const groups = new Map<string, Group>();
  const move = (product: Slim, sign: 1 | -1) => {
    const key = `${product.category}\u0000${product.currency}`;
    const group = groups.get(key) ?? { category: product.category, currency: product.currency, count: 0, sum: 0 };
    groups.set(key, group);
    if (!product.active) return;
    group.count += sign;
    group.sum += sign * product.amount;
  };
  const list = [...changed].map((id) => products.get(id)!);
  for (const product of list) {
    const old = before.get(product.id);
    if (old) move(old, -1);
    move(product, 1);
  }

  await tx.query(
    `INSERT INTO catalog_stats_products (id, category_id, price_amount, price_currency, active, version)
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::bigint[], $4::text[], $5::boolean[], $6::integer[])
     ON CONFLICT (id) DO UPDATE SET category_id = EXCLUDED.category_id, price_amount = EXCLUDED.price_amount,
       price_currency = EXCLUDED.price_currency, active = EXCLUDED.active, version = EXCLUDED.version`,
    [list.map((p) => p.id), list.map((p) => p.category), list.map((p) => p.amount), list.map((p) => p.currency), list.map((p) => p.active), list.map((p) => p.version)],
  );
  const touched = [...groups.values()];
  // The products' upsert above is an earlier statement, so the min and max probes see it. A group
  // left with no active product has no statistics row (as before: the row was only ever an aggregate).
  await tx.query(
    `WITH delta AS (SELECT * FROM unnest($1::text[], $2::text[], $3::integer[], $4::bigint[]) AS d(category_id, currency, count, sum)),
          next AS (SELECT d.category_id, d.currency, COALESCE(s.active_products, 0) + d.count AS active_products, COALESCE(s.total_price, 0) + d.sum AS total_price
                     FROM delta d LEFT JOIN catalog_category_stats s ON s.category_id = d.category_id AND s.currency = d.currency),
          emptied AS (DELETE FROM catalog_category_stats s USING next n
                       WHERE s.category_id = n.category_id AND s.currency = n.currency AND n.active_products <= 0)
     INSERT INTO catalog_category_stats (category_id, currency, active_products, min_price, avg_price, max_price, total_price)
     SELECT n.category_id, n.currency, n.active_products,
            (SELECT p.price_amount FROM catalog_stats_products p WHERE p.active AND p.category_id = n.category_id AND p.price_currency = n.currency ORDER BY p.price_amount LIMIT 1),
            round(n.total_price::numeric / n.active_products)::bigint,
            (SELECT p.price_amount FROM catalog_stats_products p WHERE p.active AND p.category_id = n.category_id AND p.price_currency = n.currency ORDER BY p.price_amount DESC LIMIT 1),
            n.total_price
       FROM next n WHERE n.active_products > 0
     ON CONFLICT (category_id, currency) DO UPDATE SET active_products = EXCLUDED.active_products, min_price = EXCLUDED.min_price,
       avg_price = EXCLUDED.avg_price, max_price = EXCLUDED.max_price, total_price = EXCLUDED.total_price`,
    [touched.map((g) => g.category), touched.map((g) => g.currency), touched.map((g) => g.count), touched.map((g) => g.sum)],
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
