import type { LogCursor } from '../log/log-reader.js';
import type { Queryable } from '../privacy/keyring.js';

export type Checkpoint = {
  processor: string;
  cursor: LogCursor;
  paused: boolean;
  /** 'running', or 'retrying' while an event is being retried before it is parked. */
  status: string;
  lastError: string | null;
  updatedAt: string;
  owner: string | null;
};

type CheckpointRow = {
  processor: string;
  transaction_id: string;
  position: string | number;
  paused: boolean;
  status: string;
  last_error: string | null;
  updated_at: Date;
  owner: string | null;
};

const toCheckpoint = (row: CheckpointRow): Checkpoint => ({
  processor: row.processor,
  cursor: { transactionId: row.transaction_id, position: Number(row.position) },
  paused: row.paused,
  status: row.status,
  lastError: row.last_error,
  updatedAt: row.updated_at.toISOString(),
  owner: row.owner,
});

const COLUMNS = `processor, transaction_id::text AS transaction_id, position, paused, status, last_error, updated_at, owner`;

export const checkpointStore = (db: Queryable) => ({
  /** Every declared processor has a row from the start, so compare-and-set always has something to compare. */
  async ensure(names: readonly string[]) {
    await db.query(`INSERT INTO eventshop_checkpoints (processor) SELECT unnest($1::text[]) ON CONFLICT (processor) DO NOTHING`, [[...names]]);
  },

  async get(processor: string): Promise<Checkpoint> {
    const { rows } = await db.query<CheckpointRow>(`SELECT ${COLUMNS} FROM eventshop_checkpoints WHERE processor = $1`, [processor]);
    if (!rows[0]) throw new Error(`processor ${processor} has no checkpoint row`);
    return toCheckpoint(rows[0]);
  },

  async all(): Promise<Map<string, Checkpoint>> {
    const { rows } = await db.query<CheckpointRow>(`SELECT ${COLUMNS} FROM eventshop_checkpoints`);
    return new Map(rows.map((row) => [row.processor, toCheckpoint(row)]));
  },

  async markRetrying(processor: string, error: string) {
    await db.query(`UPDATE eventshop_checkpoints SET status = 'retrying', last_error = $2 WHERE processor = $1`, [processor, error]);
  },

  /** A scheduled task's pass went well: shown as running, with when. */
  async ran(processor: string) {
    await db.query(`UPDATE eventshop_checkpoints SET status = 'running', last_error = NULL, updated_at = now() WHERE processor = $1`, [processor]);
  },

  async claimedBy(processor: string, owner: string) {
    await db.query(`UPDATE eventshop_checkpoints SET owner = $2 WHERE processor = $1`, [processor, owner]);
  },

  async setPaused(processor: string, paused: boolean) {
    await db.query(`UPDATE eventshop_checkpoints SET paused = $2, updated_at = now() WHERE processor = $1`, [processor, paused]);
  },
});
