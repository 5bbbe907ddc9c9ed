import { PROCESSOR_TABLES } from '../processors/schema.js';
import { LONG_STATEMENT_MS, withDeadline, type Pool } from './pool.js';

/**
 * The tables that are not event streams: secrets kept out of the immutable log, request
 * bookkeeping, and read models. Each statement is idempotent, and an advisory lock keeps two
 * instances starting together from racing.
 */
const statements: string[] = [
  `CREATE TABLE IF NOT EXISTS eventshop_settings (
     key text PRIMARY KEY,
     value text NOT NULL
   )`,
  `CREATE TABLE IF NOT EXISTS user_credentials (
     user_id uuid PRIMARY KEY,
     email_normalized text NOT NULL UNIQUE,
     password_hash text NOT NULL,
     updated_at timestamptz NOT NULL
   )`,
  `CREATE TABLE IF NOT EXISTS idempotency_keys (
     principal text NOT NULL,
     key text NOT NULL,
     operation_id text NOT NULL,
     request_hash text NOT NULL,
     state text NOT NULL CHECK (state IN ('in_progress', 'completed')),
     status integer,
     headers jsonb,
     body text,
     created_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (principal, key)
   )`,
  // Which request claimed the key, so a key left behind by a crash can be matched to its events.
  `ALTER TABLE idempotency_keys ADD COLUMN IF NOT EXISTS request_id text`,
  `CREATE TABLE IF NOT EXISTS catalog_products (
     id uuid PRIMARY KEY,
     sku text,
     name text NOT NULL,
     description text NOT NULL,
     price_amount bigint NOT NULL,
     price_currency text NOT NULL,
     category_id text NOT NULL,
     status text NOT NULL,
     version integer NOT NULL,
     created_at timestamptz NOT NULL,
     updated_at timestamptz NOT NULL,
     search tsvector GENERATED ALWAYS AS (
       setweight(to_tsvector('english', name), 'A') || setweight(to_tsvector('english', description), 'B')
     ) STORED
   )`,
  `CREATE INDEX IF NOT EXISTS catalog_products_search ON catalog_products USING gin (search) WHERE status = 'active'`,
  `CREATE INDEX IF NOT EXISTS catalog_products_by_name ON catalog_products (name, id) WHERE status = 'active'`,
  `CREATE INDEX IF NOT EXISTS catalog_products_by_category ON catalog_products (category_id, name, id) WHERE status = 'active'`,
  `CREATE INDEX IF NOT EXISTS catalog_products_by_price ON catalog_products (price_amount) WHERE status = 'active'`,
  `CREATE TABLE IF NOT EXISTS user_accounts (
     id uuid PRIMARY KEY,
     email text NOT NULL,
     name text NOT NULL,
     roles text[] NOT NULL,
     status text NOT NULL,
     version integer NOT NULL,
     created_at timestamptz NOT NULL,
     updated_at timestamptz NOT NULL
   )`,
  // Users and access: the auth guard's per-request columns, the address book, data keys, partner keys.
  `ALTER TABLE user_accounts ADD COLUMN IF NOT EXISTS phone text`,
  `ALTER TABLE user_accounts ADD COLUMN IF NOT EXISTS token_generation integer NOT NULL DEFAULT 0`,
  `CREATE INDEX IF NOT EXISTS user_accounts_by_creation ON user_accounts (created_at, id)`,
  `CREATE INDEX IF NOT EXISTS user_accounts_forgotten ON user_accounts (id) WHERE status = 'forgotten'`,
  `CREATE TABLE IF NOT EXISTS user_addresses (
     id uuid PRIMARY KEY,
     user_id uuid NOT NULL,
     recipient_name text NOT NULL,
     line1 text NOT NULL,
     line2 text,
     city text NOT NULL,
     region text,
     postal_code text NOT NULL,
     country text NOT NULL,
     is_default boolean NOT NULL,
     position integer NOT NULL,
     created_at timestamptz NOT NULL,
     updated_at timestamptz NOT NULL
   )`,
  `CREATE INDEX IF NOT EXISTS user_addresses_by_user ON user_addresses (user_id, position)`,
  // Outside the log on purpose: deleting a row here is what makes that user's sealed data unreadable.
  `CREATE TABLE IF NOT EXISTS user_keys (
     user_id uuid PRIMARY KEY,
     key bytea NOT NULL,
     created_at timestamptz NOT NULL
   )`,
  `CREATE TABLE IF NOT EXISTS api_keys (
     id uuid PRIMARY KEY,
     name text NOT NULL,
     role text NOT NULL,
     created_by uuid NOT NULL,
     created_at timestamptz NOT NULL,
     revoked_at timestamptz,
     version integer NOT NULL
   )`,
  `CREATE INDEX IF NOT EXISTS api_keys_by_creation ON api_keys (created_at DESC, id DESC)`,
  `CREATE TABLE IF NOT EXISTS api_key_secrets (
     key_id uuid PRIMARY KEY,
     key_hash text NOT NULL UNIQUE,
     key_prefix text NOT NULL
   )`,
  // Snapshots of long streams (infra/snapshots.ts): a cache keyed by the decider's fingerprint.
  `CREATE TABLE IF NOT EXISTS eventshop_snapshots (
     stream_id text NOT NULL,
     fingerprint text NOT NULL,
     version bigint NOT NULL,
     occurred_at timestamptz NOT NULL,
     state jsonb NOT NULL,
     PRIMARY KEY (stream_id, fingerprint, version)
   )`,
  ...PROCESSOR_TABLES,
  // Catalog statistics per category (modules/products/category-stats.ts), kept by a processor after commit.
  // Its own slim copy of each product (category, price, status): min and max cannot be kept
  // incrementally without the rows they come from, and the read model never reads another's tables.
  `CREATE TABLE IF NOT EXISTS catalog_stats_products (
     id uuid PRIMARY KEY,
     category_id text NOT NULL,
     price_amount bigint NOT NULL,
     price_currency text NOT NULL,
     active boolean NOT NULL,
     version integer NOT NULL
   )`,
  // Price order within a category and currency: a group's min and max are one index probe each.
  `CREATE INDEX IF NOT EXISTS catalog_stats_products_by_price ON catalog_stats_products (category_id, price_currency, price_amount) WHERE active`,
  `DROP INDEX IF EXISTS catalog_stats_products_by_category`,
  `CREATE TABLE IF NOT EXISTS catalog_category_stats (
     category_id text NOT NULL,
     currency text NOT NULL,
     active_products integer NOT NULL,
     min_price bigint NOT NULL,
     avg_price bigint NOT NULL,
     max_price bigint NOT NULL,
     total_price bigint NOT NULL,
     PRIMARY KEY (category_id, currency)
   )`,
  // The sum of the active prices, so count and average move by deltas instead of re-aggregating
  // the group. Tables from before it had none: filled once from the slim products, then required.
  `ALTER TABLE catalog_category_stats ADD COLUMN IF NOT EXISTS total_price bigint`,
  `UPDATE catalog_category_stats s SET total_price = COALESCE((SELECT sum(p.price_amount) FROM catalog_stats_products p
      WHERE p.active AND p.category_id = s.category_id AND p.price_currency = s.currency), 0) WHERE s.total_price IS NULL`,
  `ALTER TABLE catalog_category_stats ALTER COLUMN total_price SET NOT NULL`,
];

const MIGRATION_LOCK = 4_201_337;

/**
 * Runs statements one after another under the migration lock, so instances starting together
 * never race. An index build on a large table, or waiting for another instance's migration, may
 * outlast the pool's statement limits, so this session lifts them; it is closed afterwards, not pooled.
 */
const runLocked = async (pool: Pool, list: readonly string[]) => {
  const client = await pool.connect();
  const run = (text: string, values: unknown[] = []) => client.query(withDeadline(text, values, LONG_STATEMENT_MS));
  try {
    await run('SET statement_timeout = 0');
    await run('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    for (const statement of list) await run(statement);
  } finally {
    await run('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => {});
    client.release(true);
  }
};

/** Our tables, then those the modules declare for their read models. */
export const migrate = (pool: Pool, moduleStatements: readonly string[] = []) => runLocked(pool, [...statements, ...moduleStatements]);

/** Our indexes on Emmett's own tables, once Emmett has created them (see infra/log/log-reader.ts). */
export const migrateEventLog = (pool: Pool, indexes: readonly string[]) => runLocked(pool, indexes);
