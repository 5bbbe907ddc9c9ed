import type { Pool } from '../server/src/infra/database/pool.js';
import { catalogQueries, DEFAULT_PAGE_SIZE } from '../server/src/modules/products/projections.js';
import { integerList, parseFlags, positiveInteger, type Bench } from './bench.js';
import { generatePriceRange, generateProduct, generateQueries, seededRandom } from './catalog-data.js';
import { startServerAndCatalog, type InProcessCatalog } from './fixture.js';
import { formatMs, formatRate, table, verdict, type Log } from './format.js';
import { runClosedLoop, type LoadResult } from './load.js';

/** From the issue: catalog search p99 under 20 ms with 10,000 products (one client at a time). */
const TARGET_P99_MS = 20;
const TARGET_CLIENTS = 1;

/** Search strings generated per run (with repeats: 331 distinct for seed 1); requests cycle through them. */
const DISTINCT_QUERIES = 500;

type SearchInput = { q: string; price_min?: number; price_max?: number; currency?: string; cursor?: string; limit?: number };

export type SearchOptions = {
  databaseUrl: string;
  products: number;
  /** Requests per timed run. */
  requests: number;
  clients: number[];
  /** Page size of the second-page scenario (the API's default unless a tiny run needs pages from few products). */
  pageSize?: number;
  seedConcurrency: number;
  maxSecondsPerRun: number;
  seed: number;
  log: Log;
};

export type SearchRun = {
  scenario: string;
  path: 'HTTP+SDK' | 'in-process';
  result: LoadResult;
  /** Share of requests that found at least one product. */
  hitRate: number;
  /** Whether this run is one the target applies to, and if so whether it met it. */
  target: boolean | undefined;
};

export type PlanReport = { query: string; lines: string[]; usesGinIndex: boolean };

export type SearchResult = {
  seeding: { products: number; seconds: number; opsPerSec: number; failed: number; activeRows: number };
  runs: SearchRun[];
  explain: PlanReport[];
  slowest: { query: string; ms: number }[];
  target: { clients: number; maxP99Ms: number; worstP99Ms: number | undefined; met: boolean | undefined };
};

/**
 * Seeds the catalog through the event store (the read model is the real inline projection), then
 * times catalog search through SDK -> HTTP with plain, price-filtered and second-page queries.
 */
export const benchSearch = async (options: SearchOptions): Promise<SearchResult> => {
  const { server, inProcess, close } = await startServerAndCatalog(options.databaseUrl, 'shared');
  try {
    const seeding = await seedCatalog(inProcess, options);
    const inputs = await scenarioInputs(inProcess, options);

    const maxClients = Math.max(...options.clients);
    const clients = Array.from({ length: maxClients }, () => server.client());
    // Untimed: opens each client's connection and warms JIT and PostgreSQL's caches.
    await runClosedLoop({
      concurrency: maxClients,
      total: Math.max(200, maxClients),
      operation: async (index, worker) => void (await clients[worker]!.products.search(inputs.text[index % inputs.text.length]!)),
    });

    const runs: SearchRun[] = [];
    const timed = async (scenario: string, path: SearchRun['path'], concurrency: number, list: SearchInput[], search: (input: SearchInput, worker: number) => Promise<{ items: unknown[] }>) => {
      options.log(`searching: ${scenario}, ${path}, ${concurrency} client${concurrency === 1 ? '' : 's'}, ${options.requests} requests`);
      let hits = 0;
      const result = await runClosedLoop({
        concurrency,
        total: options.requests,
        maxDurationMs: options.maxSecondsPerRun * 1000,
        operation: async (index, worker) => {
          const page = await search(list[index % list.length]!, worker);
          if (page.items.length > 0) hits++;
        },
      });
      const target = path === 'HTTP+SDK' && concurrency === TARGET_CLIENTS ? result.latency.p99Ms < TARGET_P99_MS : undefined;
      const run: SearchRun = { scenario, path, result, hitRate: result.completed > 0 ? hits / result.completed : 0, target };
      runs.push(run);
      return run;
    };

    const scenarios: [string, SearchInput[]][] = [
      ['text', inputs.text],
      ['text + price range', inputs.priced],
      ['text, page 2 (cursor)', inputs.secondPages],
    ];
    let slowest: SearchResult['slowest'] = [];
    for (const concurrency of options.clients) {
      for (const [scenario, list] of scenarios) {
        const run = await timed(scenario, 'HTTP+SDK', concurrency, list, (input, worker) => clients[worker]!.products.search(input));
        if (scenario === 'text' && concurrency === TARGET_CLIENTS) slowest = slowestQueries(run.result, list, 5);
      }
    }
    // For the profile: the same text queries without HTTP or SDK, so the database's share shows.
    await timed('text', 'in-process', TARGET_CLIENTS, inputs.text, (input) =>
      inProcess.catalog.search({ q: input.q, priceMin: input.price_min, priceMax: input.price_max, currency: input.currency, cursor: input.cursor, limit: input.limit }),
    );

    const explain = [await explainSearch(inProcess.pool, { q: TYPICAL_QUERY })];
    const worst = slowest[0];
    if (worst && worst.query !== TYPICAL_QUERY) explain.push(await explainSearch(inProcess.pool, { q: worst.query }));

    const targetRuns = runs.filter((run) => run.target !== undefined);
    const worstP99Ms = targetRuns.length > 0 ? Math.max(...targetRuns.map((run) => run.result.latency.p99Ms)) : undefined;
    return {
      seeding,
      runs,
      explain,
      slowest,
      target: {
        clients: TARGET_CLIENTS,
        maxP99Ms: TARGET_P99_MS,
        worstP99Ms,
        met: worstP99Ms === undefined ? undefined : targetRuns.every((run) => run.target === true),
      },
    };
  } finally {
    await close();
  }
};

/** A two-word query like most shoppers type: matches a few hundred products in the full catalog. */
const TYPICAL_QUERY = 'ceramic bowl';

const seedCatalog = async (inProcess: InProcessCatalog, options: SearchOptions): Promise<SearchResult['seeding']> => {
  options.log(`seeding ${options.products} products through the event store (in-process, ${options.seedConcurrency} in parallel)`);
  const seeded = await runClosedLoop({
    concurrency: options.seedConcurrency,
    total: options.products,
    operation: async (index) => void (await inProcess.createProduct(generateProduct(options.seed, index))),
  });
  if (seeded.failed > 0) throw new Error(`seeding: ${seeded.failed} creates failed; first error: ${seeded.firstError}`);
  // What autovacuum does shortly after a bulk load: planner statistics, and the GIN pending list
  // merged into the index. Done explicitly so every run measures the same state.
  await inProcess.pool.query('VACUUM ANALYZE catalog_products');
  const { rows } = await inProcess.pool.query<{ count: number }>(`SELECT count(*)::int AS count FROM catalog_products WHERE status = 'active'`);
  return {
    products: seeded.completed,
    seconds: seeded.elapsedMs / 1000,
    opsPerSec: seeded.opsPerSec,
    failed: seeded.failed,
    activeRows: rows[0]!.count,
  };
};

const scenarioInputs = async (inProcess: InProcessCatalog, options: SearchOptions) => {
  const queries = generateQueries(options.seed, DISTINCT_QUERIES);
  const random = seededRandom(options.seed ^ 0x9e3779b9);
  const text = queries.map((q) => ({ q }));
  const priced = queries.map((q) => ({ q, ...generatePriceRange(random) }));
  // Second pages need a real cursor: take page one of each query (untimed) and keep those that have more.
  const secondPages: SearchInput[] = [];
  const limit = options.pageSize ?? DEFAULT_PAGE_SIZE;
  for (const q of new Set(queries)) {
    const first = await inProcess.catalog.search({ q, limit });
    if (first.nextCursor) secondPages.push({ q, cursor: first.nextCursor, limit });
  }
  if (secondPages.length === 0) throw new Error('no query has a second page; seed more products');
  return { text, priced, secondPages };
};

const slowestQueries = (result: LoadResult, list: SearchInput[], count: number) =>
  Array.from(result.samplesMs, (ms, index) => ({ query: list[index % list.length]!.q, ms }))
    .filter((sample) => !Number.isNaN(sample.ms))
    .sort((a, b) => b.ms - a.ms)
    .slice(0, count);

/**
 * EXPLAIN (ANALYZE, BUFFERS) of exactly the SQL the catalog search sends: the query is captured
 * from catalogQueries itself rather than copied here, so the plan cannot drift from the code.
 */
const explainSearch = async (pool: Pool, filter: { q: string }): Promise<PlanReport> => {
  let captured: { text: string; values: unknown[] } | undefined;
  const recorder = new Proxy(pool, {
    get(target, property, receiver) {
      if (property !== 'query') return Reflect.get(target, property, receiver);
      return (query: string | { text: string; values?: unknown[] }, values?: unknown[]) => {
        const statement = typeof query === 'string' ? { text: query, values: values ?? [] } : { text: query.text, values: query.values ?? [] };
        // The search itself, not the query-syntax check that runs before it.
        if (statement.text.includes('FROM catalog_products')) captured ??= statement;
        return target.query(query as string, values);
      };
    },
  });
  await catalogQueries(recorder).search(filter);
  if (!captured) throw new Error('catalog search sent no query');
  const { rows } = await pool.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${captured.text}`, captured.values);
  const lines = rows.map((row) => row['QUERY PLAN']);
  return { query: filter.q, lines, usesGinIndex: lines.some((line) => /Index Scan on catalog_products_search\b/.test(line)) };
};

const printSearch = (result: SearchResult, log: Log) => {
  const { seeding } = result;
  log('');
  log(
    `seeded ${seeding.products} products in ${seeding.seconds.toFixed(1)} s (${formatRate(seeding.opsPerSec)} creates/s in-process); ` +
      `catalog_products has ${seeding.activeRows} active rows; then VACUUM ANALYZE catalog_products`,
  );
  log('');
  log(`catalog search (products.search, ranked full-text), ${seeding.activeRows} products:`);
  for (const line of table(
    ['scenario', 'path', 'clients', 'requests', 'failed', 'req/s', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'found', `p99<${TARGET_P99_MS}ms`],
    result.runs.map((run) => [
      run.scenario,
      run.path,
      String(run.result.concurrency),
      String(run.result.completed),
      String(run.result.failed),
      formatRate(run.result.opsPerSec),
      formatMs(run.result.latency.p50Ms),
      formatMs(run.result.latency.p95Ms),
      formatMs(run.result.latency.p99Ms),
      formatMs(run.result.latency.maxMs),
      `${(run.hitRate * 100).toFixed(0)}%`,
      run.target === undefined ? '' : verdict(run.target),
    ]),
  )) log(`  ${line}`);
  for (const run of result.runs) {
    if (run.result.failed > 0) log(`  WARNING: ${run.scenario} (${run.path}, ${run.result.concurrency}): ${run.result.failed} failed; first: ${run.result.firstError}`);
  }
  log('  found = share of requests that returned at least one product');
  if (result.slowest.length > 0) {
    log('');
    log(`slowest requests, text, HTTP+SDK, ${TARGET_CLIENTS} client: ${result.slowest.map((s) => `${JSON.stringify(s.query)} ${formatMs(s.ms)} ms`).join(', ')}`);
  }
  for (const plan of result.explain) {
    log('');
    log(`EXPLAIN (ANALYZE, BUFFERS) for q = ${JSON.stringify(plan.query)}: GIN index catalog_products_search used: ${plan.usesGinIndex ? 'yes' : 'NO'}`);
    for (const line of plan.lines) log(`  ${line}`);
  }
  log('');
  const { target } = result;
  log(
    `target: search p99 < ${target.maxP99Ms} ms at ${target.clients} client (HTTP+SDK, every scenario): ` +
      `worst p99 ${target.worstP99Ms === undefined ? '-' : formatMs(target.worstP99Ms)} ms -> ${verdict(target.met)}`,
  );
  log('');
  log('what the path includes:');
  log(
    '  HTTP+SDK: client.products.search() (zod input check, query string) -> loopback TCP -> Fastify (routing, query ' +
      'coercion, contract input parse) -> catalog.search (one SQL query on catalog_products) -> output parse, JSON. ' +
      'Clients and server share this Node process.',
  );
  log('  in-process: catalog.search called directly (the SQL query and row mapping only).');
};

export const searchBench: Bench = {
  name: 'search',
  summary: 'catalog search p50/p95/p99 through HTTP+SDK over 10,000 seeded products, at 1 and 8 clients, with EXPLAIN',
  usage: [
    '--quick               1,000 products, 100 requests per run, for a smoke run',
    '--products=N          products to seed (default 10000)',
    '--requests=N          requests per timed run (default 2000)',
    '--clients=1,8         client counts to run',
    '--max-seconds=N       cap on each timed run (default 120)',
    '--seed=N              data and query generator seed (default 1)',
  ],
  prepare(args) {
    const flags = parseFlags(args, {
      quick: { type: 'boolean' },
      products: { type: 'string' },
      requests: { type: 'string' },
      clients: { type: 'string' },
      'max-seconds': { type: 'string' },
      seed: { type: 'string' },
    });
    const quick = flags.quick === true;
    const products = positiveInteger(flags.products, 'products') ?? (quick ? 1000 : 10_000);
    const requests = positiveInteger(flags.requests, 'requests') ?? (quick ? 100 : 2000);
    const clients = integerList(flags.clients, 'clients') ?? [1, 8];
    const maxSecondsPerRun = positiveInteger(flags['max-seconds'], 'max-seconds') ?? 120;
    const seed = positiveInteger(flags.seed, 'seed') ?? 1;
    return async ({ databaseUrl, log }) => {
      const result = await benchSearch({ databaseUrl, products, requests, clients, seedConcurrency: 16, maxSecondsPerRun, seed, log });
      printSearch(result, log);
    };
  },
};
