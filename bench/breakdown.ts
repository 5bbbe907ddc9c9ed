import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { undiciTransport, type Transport } from '@eventshop/sdk';
import type { Pool } from '../server/src/infra/database/pool.js';
import { requestLeftEvents } from '../server/src/infra/eventstore.js';
import { idempotencyStore, requestFingerprint } from '../server/src/infra/http/idempotency.js';
import type { GeneratedProduct } from './catalog-data.js';
import { processCpuMs, type InProcessCatalog } from './fixture.js';
import { percentile } from './load.js';

/**
 * Diagnostic variants for `commands --breakdown`: each removes or adds one piece of the HTTP
 * path, so the gap between HTTP+SDK and in-process can be attributed by measurement.
 */

/** The SDK's own transport, minus the Idempotency-Key it sends on every command: the server then skips its bookkeeping. */
export const withoutIdempotencyKey = (): Transport => {
  const transport = undiciTransport();
  return {
    request: ({ headers, ...request }) => {
      const { 'idempotency-key': _dropped, ...rest } = headers;
      return transport.request({ ...request, headers: rest });
    },
    close: () => transport.close!(),
  };
};

/**
 * The in-process handler wrapped in the same idempotency_keys statements the route runs for an
 * Idempotency-Key (begin before, complete after), with no HTTP: their database cost alone.
 */
export const withIdempotencyBookkeeping = (inProcess: InProcessCatalog) => {
  const store = idempotencyStore(inProcess.pool, { requestLeftEvents: requestLeftEvents(inProcess.pool) });
  const principal = randomUUID();
  return async (product: GeneratedProduct) => {
    const key = randomUUID();
    await store.begin({ principal, key, operationId: 'products.create', fingerprint: requestFingerprint('products.create', product), requestId: key });
    const created = await inProcess.createProduct(product);
    await store.complete(principal, key, { status: 201, headers: {}, body: JSON.stringify(created) });
    return created;
  };
};

/**
 * The next transaction id, without taking one: its growth over a run counts the write
 * transactions (each a durable commit) the run made. Unlike pg_stat counters it has no flush delay.
 */
export const nextTransactionId = async (pool: Pool): Promise<bigint> => {
  const { rows } = await pool.query<{ xid: string }>('SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS xid');
  return BigInt(rows[0]!.xid);
};

export type CommitLatency = { durableP50Ms: number; asyncP50Ms: number; samples: number };

/**
 * What one durable commit costs on this machine: single-row INSERTs, each its own transaction,
 * with synchronous_commit on (waits for the WAL flush, as every command's commit does) and off.
 */
export const measureCommitLatency = async (databaseUrl: string, samples = 200): Promise<CommitLatency> => {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const table = `bench_commit_probe_${process.pid}`;
  try {
    await client.query(`CREATE TABLE ${table} (id serial PRIMARY KEY, payload text NOT NULL)`);
    const time = async () => {
      const latencies = new Float64Array(samples);
      for (let index = 0; index < samples; index++) {
        const started = performance.now();
        await client.query(`INSERT INTO ${table} (payload) VALUES ($1)`, ['probe']);
        latencies[index] = performance.now() - started;
      }
      return percentile(latencies.sort(), 50);
    };
    await client.query('SET synchronous_commit = on');
    const durableP50Ms = await time();
    await client.query('SET synchronous_commit = off');
    const asyncP50Ms = await time();
    return { durableP50Ms, asyncP50Ms, samples };
  } finally {
    await client.query(`DROP TABLE IF EXISTS ${table}`).catch(() => {});
    await client.end();
  }
};

/**
 * CPU time used so far by each PostgreSQL process (backends and background workers), read from
 * /proc. Only for a PostgreSQL on this machine (the embedded one); undefined when /proc has no
 * such process, as for a remote server.
 */
export const postgresCpuTimes = async (pool: Pool): Promise<Map<number, number> | undefined> => {
  const { rows } = await pool.query<{ pid: number }>('SELECT pid FROM pg_stat_activity');
  const times = new Map<number, number>();
  for (const { pid } of rows) {
    const ms = processCpuMs(pid);
    if (ms !== undefined) times.set(pid, ms);
  }
  return times.size > 0 ? times : undefined;
};

/** CPU the PostgreSQL processes spent between two readings; a process that exited meanwhile is missed. */
export const postgresCpuMsBetween = (before: Map<number, number>, after: Map<number, number>): number => {
  let ms = 0;
  for (const [pid, now] of after) ms += now - (before.get(pid) ?? 0);
  return ms;
};

/**
 * Brings the database to the same quiet state before each row: dead rows vacuumed, statistics
 * fresh, dirty pages flushed. Otherwise autovacuum or a checkpoint triggered by the previous
 * row's inserts lands on whichever path happens to run next. CHECKPOINT needs a superuser (or
 * pg_checkpoint); on a server where we lack that, the row starts after the vacuum only.
 */
export const settleDatabase = async (pool: Pool): Promise<{ checkpointed: boolean }> => {
  await pool.query('VACUUM ANALYZE');
  try {
    await pool.query('CHECKPOINT');
    return { checkpointed: true };
  } catch {
    return { checkpointed: false };
  }
};
