import { createHash } from 'node:crypto';
import type { Queryable } from './privacy/keyring.js';

/**
 * Snapshots keep long streams fast: every SNAPSHOT_EVERY events the state after them is stored,
 * and loading starts from the newest snapshot instead of the first event. Commands and time
 * travel share them. They are a cache, never a source of truth: losing the table costs time only.
 *
 * A snapshot is keyed by the decider's fingerprint, so one made by an older `evolve` is never
 * used once the code changes (it simply stops matching and new ones are made).
 */
export const SNAPSHOT_EVERY = 100;

export type Snapshot<State> = { version: number; occurredAt: string; state: State };

/**
 * A fingerprint of the code that computes state: the source text of `evolve` and `initialState`
 * (and of any helpers passed along). Change any of them and the fingerprint changes. Keep what
 * `evolve` calls inside it or pass it here, or a change to a helper would not be seen.
 */
export const deciderFingerprint = (...code: ((...args: never[]) => unknown)[]): string =>
  createHash('sha256')
    .update(code.map((fn) => fn.toString()).join('\n'))
    .digest('base64url')
    .slice(0, 16);

export const snapshotStore = (db: Queryable) => ({
  /** The newest snapshot at or before a version, or at or before an instant. */
  async latest<State>(
    streamId: string,
    fingerprint: string,
    bound: { atOrBeforeVersion?: number | undefined; atOrBefore?: Date | undefined } = {},
  ): Promise<Snapshot<State> | undefined> {
    const { rows } = await db.query<{ version: string | number; occurred_at: Date; state: State }>(
      `SELECT version, occurred_at, state FROM eventshop_snapshots
        WHERE stream_id = $1 AND fingerprint = $2
          AND ($3::bigint IS NULL OR version <= $3)
          AND ($4::timestamptz IS NULL OR occurred_at <= $4)
        ORDER BY version DESC LIMIT 1`,
      [streamId, fingerprint, bound.atOrBeforeVersion ?? null, bound.atOrBefore ?? null],
    );
    const row = rows[0];
    return row && { version: Number(row.version), occurredAt: row.occurred_at.toISOString(), state: row.state };
  },

  async save<State>(streamId: string, fingerprint: string, snapshot: Snapshot<State>): Promise<void> {
    await db.query(
      `INSERT INTO eventshop_snapshots (stream_id, fingerprint, version, occurred_at, state) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT DO NOTHING`,
      [streamId, fingerprint, snapshot.version, snapshot.occurredAt, JSON.stringify(snapshot.state)],
    );
  },
});

export type SnapshotStore = ReturnType<typeof snapshotStore>;

/** Whether appending took the stream across a snapshot boundary. */
export const crossesSnapshotBoundary = (before: number, after: number) => Math.floor(after / SNAPSHOT_EVERY) > Math.floor(before / SNAPSHOT_EVERY);
