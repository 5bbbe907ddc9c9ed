/**
 * The processor runtime's own tables (not Emmett's `emt_subscriptions`/`emt_projections`: see
 * shared/EMMETT-0.42.md for why). Run by `migrate` with the other statements.
 */
export const PROCESSOR_TABLES: readonly string[] = [
  // One row per processor: where it stands in commit-safe order, moved only by compare-and-set
  // in the transaction that does the processor's work.
  `CREATE TABLE IF NOT EXISTS eventshop_checkpoints (
     processor text PRIMARY KEY,
     transaction_id xid8 NOT NULL DEFAULT '0',
     position bigint NOT NULL DEFAULT 0,
     updated_at timestamptz NOT NULL DEFAULT now(),
     paused boolean NOT NULL DEFAULT false,
     status text NOT NULL DEFAULT 'running',
     last_error text,
     owner text
   )`,
  // Events a processor gave up on (parked) or held back behind one (blocked), until an operator acts.
  `CREATE TABLE IF NOT EXISTS eventshop_parked (
     id bigserial PRIMARY KEY,
     processor text NOT NULL,
     position bigint NOT NULL,
     transaction_id xid8 NOT NULL,
     event_id text NOT NULL,
     stream_id text NOT NULL,
     event_type text NOT NULL,
     error text,
     attempts integer NOT NULL,
     parked_at timestamptz NOT NULL DEFAULT now(),
     status text NOT NULL CHECK (status IN ('parked', 'blocked', 'retried', 'skipped')),
     reason text,
     resolved_at timestamptz,
     resolved_by text,
     UNIQUE (processor, position)
   )`,
  `CREATE INDEX IF NOT EXISTS eventshop_parked_open ON eventshop_parked (processor, stream_id) WHERE status IN ('parked', 'blocked')`,
  // The one rebuild of each read model, running or last finished: resumable from its own cursor.
  `CREATE TABLE IF NOT EXISTS eventshop_rebuilds (
     processor text PRIMARY KEY,
     status text NOT NULL CHECK (status IN ('running', 'done', 'failed')),
     transaction_id xid8 NOT NULL DEFAULT '0',
     position bigint NOT NULL DEFAULT 0,
     events_done bigint NOT NULL DEFAULT 0,
     events_total bigint NOT NULL DEFAULT 0,
     started_at timestamptz NOT NULL DEFAULT now(),
     updated_at timestamptz NOT NULL DEFAULT now(),
     finished_at timestamptz,
     comparison jsonb,
     error text
   )`,
];
