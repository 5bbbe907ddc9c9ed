import { postgreSQLProjection } from '@event-driven-io/emmett-postgresql';
import type { ProductView } from '@eventshop/sdk/contract';
import type { Pool } from '../../infra/database/pool.js';
import { decodeCursor, DEFAULT_PAGE_SIZE, toPage } from '../../infra/http/cursor.js';
import { RequestValidationError } from '../../infra/http/problems.js';
import { productEventTypes, type ProductEvent } from './products.js';

/**
 * The catalog read model: one row per product, kept in the same transaction as the append
 * (inline), so a client that created a product finds it in the next search.
 */
export const catalogProjection = postgreSQLProjection<ProductEvent>({
  name: 'catalog_products',
  canHandle: productEventTypes,
  handle: async (events, { connection: { client } }) => {
    for (const event of events) {
      const version = Number(event.metadata.streamPosition);
      switch (event.type) {
        case 'ProductCreated': {
          const d = event.data;
          await client.query(
            `INSERT INTO catalog_products (id, sku, name, description, price_amount, price_currency, category_id, status, version, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'active', $8, $9, $9)
             ON CONFLICT (id) DO NOTHING`,
            [d.productId, d.sku, d.name, d.description, d.price.amount, d.price.currency, d.categoryId, version, d.createdAt],
          );
          break;
        }
        case 'ProductDetailsChanged': {
          const d = event.data;
          await client.query(
            `UPDATE catalog_products
                SET name = COALESCE($2, name), description = COALESCE($3, description), category_id = COALESCE($4, category_id),
                    version = $5, updated_at = $6
              WHERE id = $1 AND version < $5`,
            [d.productId, d.name ?? null, d.description ?? null, d.categoryId ?? null, version, d.changedAt],
          );
          break;
        }
        case 'ProductPriceChanged': {
          const d = event.data;
          await client.query(
            `UPDATE catalog_products SET price_amount = $2, price_currency = $3, version = $4, updated_at = $5
              WHERE id = $1 AND version < $4`,
            [d.productId, d.price.amount, d.price.currency, version, d.changedAt],
          );
          break;
        }
        case 'ProductDiscontinued': {
          const d = event.data;
          await client.query(
            `UPDATE catalog_products SET status = 'discontinued', version = $2, updated_at = $3 WHERE id = $1 AND version < $2`,
            [d.productId, version, d.discontinuedAt],
          );
          break;
        }
      }
    }
  },
});

type ProductRow = {
  id: string;
  sku: string | null;
  name: string;
  description: string;
  price_amount: number | bigint | string;
  price_currency: string;
  category_id: string;
  status: 'active' | 'discontinued';
  version: number;
  created_at: Date;
  updated_at: Date;
};

const COLUMNS = `id, sku, name, description, price_amount, price_currency, category_id, status, version, created_at, updated_at`;

const toView = (row: ProductRow): ProductView => ({
  id: row.id,
  sku: row.sku,
  name: row.name,
  description: row.description,
  price: { amount: Number(row.price_amount), currency: row.price_currency },
  categoryId: row.category_id,
  status: row.status,
  version: Number(row.version),
  createdAt: row.created_at.toISOString(),
  updatedAt: row.updated_at.toISOString(),
});

// bench/search.ts pages through the catalog as the API does, with the API's page size.
export { DEFAULT_PAGE_SIZE };

export const catalogQueries = (pool: Pool) => ({
  async getById(id: string): Promise<ProductView | undefined> {
    const { rows } = await pool.query<ProductRow>({ name: 'catalog-product', text: `SELECT ${COLUMNS} FROM catalog_products WHERE id = $1`, values: [id] });
    return rows[0] && toView(rows[0]);
  },

  /** Active products by price range, keyset-paginated on (name, id): stable while products are added. */
  async list(filter: { priceMin?: number; priceMax?: number; currency?: string; categoryId?: string; limit?: number; cursor?: string }) {
    const limit = filter.limit ?? DEFAULT_PAGE_SIZE;
    const after = filter.cursor === undefined ? undefined : decodeCursor(filter.cursor, ['string', 'uuid']);
    const { rows } = await pool.query<ProductRow>(
      `SELECT ${COLUMNS} FROM catalog_products
        WHERE status = 'active'
          AND ($1::bigint IS NULL OR price_amount >= $1)
          AND ($2::bigint IS NULL OR price_amount <= $2)
          AND ($3::text IS NULL OR category_id = $3)
          AND ($4::text IS NULL OR (name, id) > ($4, $5::uuid))
          AND ($7::text IS NULL OR price_currency = $7)
        ORDER BY name, id
        LIMIT $6`,
      [filter.priceMin ?? null, filter.priceMax ?? null, filter.categoryId ?? null, after?.[0] ?? null, after?.[1] ?? null, limit + 1, filter.currency ?? null],
    );
    return toPage(rows, limit, toView, (row) => [row.name, row.id]);
  },

  /** Ranked full-text search; name matches weigh more than description matches. */
  async search(filter: { q: string; priceMin?: number; priceMax?: number; currency?: string; limit?: number; cursor?: string }) {
    const limit = filter.limit ?? DEFAULT_PAGE_SIZE;
    const after = filter.cursor === undefined ? undefined : decodeCursor(filter.cursor, ['number', 'uuid']);
    const { rows } = await pool.query<ProductRow & { rank: number }>(
      `SELECT * FROM (
         -- ts_rank_cd is a float4: through numeric it keeps the digits it has (1.4, not 1.399999976158142),
         -- and the cursor compares the very value the client was shown.
         SELECT ${COLUMNS}, ts_rank_cd(search, query)::numeric::float8 AS rank
           FROM catalog_products, websearch_to_tsquery('english', $1) AS query
          -- A query with no word to look for is never run against the catalog (see assertSearchable).
          WHERE querytree(query) NOT IN ('', 'T') AND status = 'active' AND search @@ query
            AND ($2::bigint IS NULL OR price_amount >= $2)
            AND ($3::bigint IS NULL OR price_amount <= $3)
            AND ($7::text IS NULL OR price_currency = $7)
       ) hits
       WHERE $4::float8 IS NULL OR (rank < $4 OR (rank = $4 AND id > $5::uuid))
       ORDER BY rank DESC, id
       LIMIT $6`,
      [filter.q, filter.priceMin ?? null, filter.priceMax ?? null, after?.[0] ?? null, after?.[1] ?? null, limit + 1, filter.currency ?? null],
    );
    // Only an empty page asks why: a query with no word to look for gets a 400, not an empty list.
    if (rows.length === 0) await assertSearchable(pool, filter.q);
    return toPage(rows, limit, (row) => ({ ...toView(row), rank: Number(row.rank) }), (row) => [row.rank, row.id]);
  },
});

export type CatalogQueries = ReturnType<typeof catalogQueries>;

/**
 * A query needs one word to look for. Only exclusions (`-ceramic`) would match nearly the whole
 * catalog without the index and rank every row (tens of ms at 10,000 products); only very common
 * words (`the`) match nothing. The search itself filters both out before touching the catalog;
 * this tells the caller what to type instead.
 */
const assertSearchable = async (pool: Pool, q: string) => {
  const { rows } = await pool.query<{ tree: string }>({
    name: 'catalog-search-tree',
    text: `SELECT querytree(websearch_to_tsquery('english', $1)) AS tree`,
    values: [q],
  });
  const tree = rows[0]?.tree ?? '';
  if (tree === '' || tree === 'T') {
    throw new RequestValidationError([
      { field: 'q', message: 'Search for at least one word that is not excluded with - and not a very common word (the, and, can)' },
    ]);
  }
};
