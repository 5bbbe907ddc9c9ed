import type { z } from 'zod';
import type { RebuildProgress } from '@eventshop/sdk/contract';
import type { LogCursor } from '../log/log-reader.js';
import type { Queryable } from '../privacy/keyring.js';

export type Rebuild = z.input<typeof RebuildProgress> & { cursor: LogCursor };

type RebuildRow = {
  processor: string;
  status: 'running' | 'done' | 'failed';
  transaction_id: string;
  position: string | number;
  events_done: string | number;
  events_total: string | number;
  started_at: Date;
  updated_at: Date;
  finished_at: Date | null;
  comparison: Rebuild['comparison'];
  error: string | null;
};

const COLUMNS = `processor, status, transaction_id::text AS transaction_id, position, events_done, events_total, started_at, updated_at, finished_at, comparison, error`;

const toRebuild = (row: RebuildRow): Rebuild => {
  const done = Number(row.events_done);
  const total = Math.max(done, Number(row.events_total));
  const end = row.finished_at ?? row.updated_at;
  const seconds = Math.max(0.001, (end.getTime() - row.started_at.getTime()) / 1000);
  const rate = done / seconds;
  return {
    status: row.status,
    eventsDone: done,
    eventsTotal: total,
    eventsPerSecond: Math.round(rate),
    secondsLeft: row.status !== 'running' ? 0 : rate > 0 ? Math.round(((total - done) / rate) * 10) / 10 : null,
    startedAt: row.started_at.toISOString(),
    finishedAt: row.finished_at?.toISOString() ?? null,
    comparison: row.comparison,
    error: row.error,
    cursor: { transactionId: row.transaction_id, position: Number(row.position) },
  };
};

/** What the contract shows of a rebuild (its cursor is the runtime's business). */
export const progressOf = ({ cursor: _cursor, ...progress }: Rebuild): z.input<typeof RebuildProgress> => progress;

/** `eventshop_rebuilds`: one row per read model, the running rebuild or the last one. */
export const rebuildStore = (db: Queryable) => ({
  async all(): Promise<Map<string, Rebuild>> {
    const { rows } = await db.query<RebuildRow>(`SELECT ${COLUMNS} FROM eventshop_rebuilds`);
    return new Map(rows.map((row) => [row.processor, toRebuild(row)]));
  },

  async get(processor: string): Promise<Rebuild | undefined> {
    const { rows } = await db.query<RebuildRow>(`SELECT ${COLUMNS} FROM eventshop_rebuilds WHERE processor = $1`, [processor]);
    return rows[0] && toRebuild(rows[0]);
  },

  /** Starts one unless one runs: undefined then (the caller answers 409). */
  async start(processor: string, total: number): Promise<Rebuild | undefined> {
    const { rows } = await db.query<RebuildRow>(
      `INSERT INTO eventshop_rebuilds (processor, status, events_total) VALUES ($1, 'running', $2)
       ON CONFLICT (processor) DO UPDATE SET status = 'running', transaction_id = '0', position = 0, events_done = 0,
         events_total = EXCLUDED.events_total, started_at = now(), updated_at = now(), finished_at = NULL, comparison = NULL, error = NULL
         WHERE eventshop_rebuilds.status <> 'running'
       RETURNING ${COLUMNS}`,
      [processor, total],
    );
    return rows[0] && toRebuild(rows[0]);
  },
});
