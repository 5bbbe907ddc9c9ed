import type { z } from 'zod';
import type { ProcessorStatus } from '@eventshop/sdk/contract';
import { logReader } from '../log/log-reader.js';
import type { Queryable } from '../privacy/keyring.js';
import { checkpointStore } from './checkpoints.js';
import type { RuntimeProcessor } from './declaration.js';
import { parkedStore } from './parked.js';
import { progressOf, rebuildStore } from './rebuild-store.js';
import { LEADER_APPLICATION_PREFIX, LOCK_CLASS } from './runtime.js';

/** Above this many events behind (or this many seconds), a processor is reported as catching up. */
export const CATCHING_UP_EVENTS = 1000;
export const CATCHING_UP_SECONDS = 10;

export type DeclaredProcessor = { module: string; processor: RuntimeProcessor };

/** Which instance holds each processor's lock now: from PostgreSQL's own lock table, never a stale column. */
const holders = async (db: Queryable, names: readonly string[]): Promise<Map<string, string>> => {
  const { rows } = await db.query<{ name: string; application_name: string }>(
    `SELECT n.name, a.application_name
       FROM unnest($2::text[]) AS n(name)
       JOIN pg_locks l ON l.locktype = 'advisory' AND l.granted AND l.classid::text::bigint = $1 AND l.objsubid = 2
                      AND l.objid::text::bigint = (hashtext(n.name)::bigint & 4294967295)
                      AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
       JOIN pg_stat_activity a ON a.pid = l.pid`,
    [LOCK_CLASS, [...names]],
  );
  return new Map(rows.map((row) => [row.name, row.application_name.slice(LEADER_APPLICATION_PREFIX.length)]));
};

/** Every declared processor's standing, as `ops.processors.list` and `/ready` report it. */
export const processorOverview = async (db: Queryable, declared: readonly DeclaredProcessor[]): Promise<z.input<typeof ProcessorStatus>[]> => {
  const names = declared.map((entry) => entry.processor.name);
  const reader = logReader(db);
  const [checkpoints, parked, held, head, rebuilds] = await Promise.all([
    checkpointStore(db).all(),
    parkedStore(db).openCounts(),
    holders(db, names),
    reader.head(),
    rebuildStore(db).all(),
  ]);
  return Promise.all(
    declared.map(async ({ module, processor }) => {
      const checkpoint = checkpoints.get(processor.name);
      const cursor = checkpoint?.cursor ?? { transactionId: '0', position: 0 };
      // A scheduled task reads no log: it is never behind.
      const behind = processor.kind === 'scheduled' ? { events: 0, seconds: 0 } : await reader.behind(cursor, { types: processor.handles });
      const stored = rebuilds.get(processor.name);
      const rebuild = stored ? progressOf(stored) : null;
      const heldBy = held.get(processor.name) ?? null;
      const parkedCount = parked.get(processor.name) ?? 0;
      const status = checkpoint?.paused
        ? 'paused'
        : heldBy === null
          ? 'stopped'
          : rebuild?.status === 'running'
            ? 'rebuilding'
            : checkpoint?.status === 'retrying' || parkedCount > 0
              ? 'failing'
              : behind.events >= CATCHING_UP_EVENTS || behind.seconds >= CATCHING_UP_SECONDS
                ? 'catching_up'
                : 'running';
      return {
        name: processor.name,
        kind: processor.kind,
        module,
        handles: processor.kind === 'scheduled' ? [] : [...processor.handles],
        status,
        checkpoint: cursor.position,
        head: head.position,
        lagEvents: behind.events,
        lagSeconds: Math.round(behind.seconds * 1000) / 1000,
        heldBy,
        parked: parkedCount,
        lastError: checkpoint?.lastError ?? null,
        updatedAt: checkpoint?.updatedAt ?? new Date(0).toISOString(),
        rebuild,
      };
    }),
  );
};
