import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { operations } from '@eventshop/sdk';
import { createTestDatabase } from '../test/database.js';
import { generateProduct, generateQueries } from './catalog-data.js';
import { benchCheckout } from './checkout.js';
import { benchCommands } from './commands.js';
import { dispatch } from './dispatch.js';
import { combineRuns, percentile, runClosedLoop } from './load.js';
import { benchSearch } from './search.js';

// Behaviour only: the benches run in a tiny mode and must return well-formed figures.
// How fast anything is belongs to `npm run bench`, never to an assertion.

const quiet = () => {};

const countProducts = async (databaseUrl: string) => {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query<{ count: number }>('SELECT count(*)::int AS count FROM catalog_products')).rows[0]!.count;
  } finally {
    await client.end();
  }
};

describe('commands bench', () => {
  it('runs both paths at each concurrency, in alternating rounds against a server process, and reports rates, latencies and their ratio', { timeout: 120_000 }, async () => {
    const databaseUrl = await createTestDatabase();
    const counts: Record<number, number> = { 1: 3, 16: 16 };
    const result = await benchCommands({
      databaseUrl,
      concurrencies: [1, 16],
      countFor: (concurrency) => counts[concurrency]!,
      rounds: 2,
      placement: 'process',
      warmup: 2,
      maxSecondsPerRun: 60,
      seed: 7,
      log: quiet,
    });

    expect(result.rows.map((row) => row.concurrency)).toEqual([1, 16]);
    for (const row of result.rows) {
      for (const run of [row.http, row.inProcess]) {
        expect(run).toMatchObject({ concurrency: row.concurrency, attempted: row.count, completed: row.count, failed: 0 });
        expect(run.opsPerSec).toBeGreaterThan(0);
        expect(run.latency.p50Ms).toBeGreaterThan(0);
        expect(run.latency.p99Ms).toBeGreaterThanOrEqual(run.latency.p50Ms);
      }
      expect(row.ratio).toBeCloseTo(row.http.opsPerSec / row.inProcess.opsPerSec, 10);
      expect(row.roundRatios).toHaveLength(2);
      // The server ran in its own process: its CPU is read from /proc, this process's is the clients'.
      expect(row.http.serverCpuMsPerOp).toBeGreaterThanOrEqual(0);
      expect(row.http.clientCpuMsPerOp).toBeGreaterThan(0);
      expect(row.inProcess.clientCpuMsPerOp).toBeUndefined();
    }
    expect(result.placement).toBe('process');
    const sixteen = result.rows[1]!;
    expect(result.target).toEqual({ concurrency: 16, minimumRatio: 0.7, ratio: sixteen.ratio, met: sixteen.ratio >= 0.7 });
    // Both paths really created products: warm-up (16 over HTTP so each client connects, 2 in-process) plus each row twice.
    expect(await countProducts(databaseUrl)).toBe(16 + 2 + 2 * (3 + 16));
  });
});

describe('search bench', () => {
  it('seeds through the event store, then reports latencies per scenario, the plan and the target', { timeout: 120_000 }, async () => {
    const databaseUrl = await createTestDatabase();
    const result = await benchSearch({
      databaseUrl,
      products: 40,
      requests: 6,
      clients: [1, 2],
      pageSize: 2,
      seedConcurrency: 4,
      maxSecondsPerRun: 60,
      seed: 3,
      log: quiet,
    });

    expect(result.seeding).toMatchObject({ products: 40, failed: 0, activeRows: 40 });
    expect(result.runs.map((run) => [run.scenario, run.path, run.result.concurrency])).toEqual([
      ['text', 'HTTP+SDK', 1],
      ['text + price range', 'HTTP+SDK', 1],
      ['text, page 2 (cursor)', 'HTTP+SDK', 1],
      ['text', 'HTTP+SDK', 2],
      ['text + price range', 'HTTP+SDK', 2],
      ['text, page 2 (cursor)', 'HTTP+SDK', 2],
      ['text', 'in-process', 1],
    ]);
    for (const run of result.runs) {
      expect(run.result).toMatchObject({ attempted: 6, completed: 6, failed: 0 });
      expect(run.result.latency.p99Ms).toBeGreaterThanOrEqual(run.result.latency.p50Ms);
      expect(run.hitRate).toBeGreaterThanOrEqual(0);
      expect(run.hitRate).toBeLessThanOrEqual(1);
      // The target applies to the one-client HTTP runs only.
      expect(run.target === undefined).toBe(!(run.path === 'HTTP+SDK' && run.result.concurrency === 1));
    }
    // Every second-page request was given a real cursor, so it finds products.
    expect(result.runs.filter((run) => run.scenario.startsWith('text, page 2')).every((run) => run.hitRate === 1)).toBe(true);
    expect(result.explain[0]!.query).toBe('ceramic bowl');
    expect(result.explain[0]!.lines.some((line) => line.includes('catalog_products'))).toBe(true);
    expect(typeof result.explain[0]!.usesGinIndex).toBe('boolean');
    expect(result.slowest.length).toBeGreaterThan(0);
    const oneClient = result.runs.filter((run) => run.target !== undefined).map((run) => run.result.latency.p99Ms);
    expect(result.target.worstP99Ms).toBe(Math.max(...oneClient));
    expect(result.target.met).toBe(oneClient.every((p99) => p99 < 20));
  });
});

describe('bench runner', () => {
  const noDatabase = async (): Promise<never> => {
    throw new Error('must not start a database');
  };

  it('lists the benches and exits 2 for an unknown or missing name', async () => {
    for (const argv of [[], ['nope']]) {
      const lines: string[] = [];
      expect(await dispatch(argv, { log: (line) => lines.push(line), openDatabase: noDatabase })).toBe(2);
      expect(lines.join('\n')).toMatch(/commands[\s\S]*search/);
    }
  });

  it('exits 2 on a bad flag before starting anything', async () => {
    const lines: string[] = [];
    expect(await dispatch(['commands', '--count=zero'], { log: (line) => lines.push(line), openDatabase: noDatabase })).toBe(2);
    expect(await dispatch(['search', '--bogus'], { log: (line) => lines.push(line), openDatabase: noDatabase })).toBe(2);
    expect(lines.join('\n')).toContain('--count wants a positive whole number');
  });
});

describe('closed-loop runner', () => {
  it('runs each index once, counts failures apart and summarises successes only', async () => {
    const seen: number[] = [];
    const result = await runClosedLoop({
      concurrency: 3,
      total: 10,
      operation: async (index) => {
        seen.push(index);
        if (index === 4) throw new Error('boom');
      },
    });
    expect(seen.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(result).toMatchObject({ attempted: 10, completed: 9, failed: 1, firstError: 'Error: boom' });
    expect(Number.isNaN(result.samplesMs[4])).toBe(true);
  });

  it('combines rounds as one run: counts and times add up, percentiles over every sample', async () => {
    const first = await runClosedLoop({ concurrency: 2, total: 4, operation: async () => {} });
    const second = await runClosedLoop({
      concurrency: 1,
      total: 3,
      operation: async (index) => {
        if (index === 1) throw new Error('second round failed');
      },
    });
    const combined = combineRuns([first, second]);
    expect(combined).toMatchObject({ attempted: 7, completed: 6, failed: 1, firstError: 'Error: second round failed' });
    expect(combined.elapsedMs).toBeCloseTo(first.elapsedMs + second.elapsedMs, 10);
    expect(combined.opsPerSec).toBeCloseTo((6 / combined.elapsedMs) * 1000, 10);
    expect(combined.samplesMs).toHaveLength(7);
    expect(combined.latency.maxMs).toBe(Math.max(first.latency.maxMs, second.latency.maxMs));
    expect(() => combineRuns([])).toThrow(RangeError);
  });

  it('takes nearest-rank percentiles', () => {
    const sorted = Float64Array.from({ length: 100 }, (_, index) => index + 1);
    expect(percentile(sorted, 50)).toBe(50);
    expect(percentile(sorted, 99)).toBe(99);
    expect(percentile(Float64Array.of(7), 99)).toBe(7);
    expect(percentile(new Float64Array(0), 50)).toBeNaN();
  });
});

describe('generated catalog data', () => {
  it('is deterministic, varied and valid input for the contract', () => {
    const products = Array.from({ length: 500 }, (_, index) => generateProduct(1, index));
    expect(products).toEqual(Array.from({ length: 500 }, (_, index) => generateProduct(1, index)));
    expect(new Set(products.map((product) => product.name)).size).toBeGreaterThan(450);
    expect(new Set(products.map((product) => product.categoryId)).size).toBeGreaterThan(5);
    for (const product of products) expect(operations['products.create'].input.safeParse(product).success).toBe(true);

    const queries = generateQueries(1, 200);
    expect(queries).toEqual(generateQueries(1, 200));
    expect(new Set(queries).size).toBeGreaterThan(100);
    for (const q of queries) expect(operations['products.search'].input.safeParse({ q }).success).toBe(true);
  });
});

describe('checkout bench', () => {
  it('completes checkouts at each customer count against a server process and reports rates and confirm-to-paid latencies', { timeout: 180_000 }, async () => {
    const rows = await benchCheckout({ databaseUrl: await createTestDatabase(), customers: [1, 2], checkouts: 3, log: quiet });
    expect(rows.map((row) => row.customers)).toEqual([1, 2]);
    for (const row of rows) {
      expect(row.failed, row.firstError).toBe(0);
      expect(row.checkoutsPerSec).toBeGreaterThan(0);
      expect(row.productCreatesPerSec).toBeGreaterThan(0);
      expect(row.p99Ms).toBeGreaterThanOrEqual(row.p50Ms);
    }
  });
});
