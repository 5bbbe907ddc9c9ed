import { integerList, parseFlags, positiveInteger, type Bench } from './bench.js';
import {
  measureCommitLatency,
  nextTransactionId,
  postgresCpuMsBetween,
  postgresCpuTicks,
  withIdempotencyBookkeeping,
  withoutIdempotencyKey,
  type CommitLatency,
} from './breakdown.js';
import { generateProduct, type GeneratedProduct } from './catalog-data.js';
import { printCommands } from './commands-report.js';
import { startBenchServer, startInProcessCatalog } from './fixture.js';
import { runClosedLoop, type LoadResult } from './load.js';

/** From the issue: the HTTP path should keep at least this share of the in-process rate at 16 clients. */
export const TARGET_RATIO = 0.7;
export const TARGET_CONCURRENCY = 16;

export type CommandsOptions = {
  databaseUrl: string;
  concurrencies: number[];
  /** Creates per path at one concurrency. */
  countFor(concurrency: number): number;
  /** Untimed creates per path before the first row, so JIT, pools and connections are warm. */
  warmup: number;
  /** Bound on each timed run, so the bench always ends by itself. */
  maxSecondsPerRun: number;
  seed: number;
  /** Also run the diagnostic variants and database counters that attribute the HTTP+SDK cost. */
  breakdown?: boolean;
  log: (line: string) => void;
};

export type PathRun = LoadResult & {
  /** With --breakdown: write transactions (durable commits) per completed create. */
  writeTransactionsPerOp: number | undefined;
  /** With --breakdown and a local PostgreSQL: its processes' CPU time per completed create. */
  postgresCpuMsPerOp: number | undefined;
};

export type CommandsRow = {
  concurrency: number;
  count: number;
  http: PathRun;
  inProcess: PathRun;
  /** HTTP+SDK ops/s divided by in-process ops/s. */
  ratio: number;
  /** Diagnostic variants, with --breakdown. */
  diagnostics: { label: string; result: PathRun }[];
};

export type CommandsResult = {
  rows: CommandsRow[];
  target: { concurrency: number; minimumRatio: number; ratio: number | undefined; met: boolean | undefined };
  commitLatency: CommitLatency | undefined;
};

type Path = (products: GeneratedProduct[], concurrency: number) => Promise<PathRun>;

/**
 * Product-create throughput through HTTP+SDK and in-process, concurrency by concurrency, on one
 * server and one database. Each row sends every path the same generated products.
 */
export const benchCommands = async (options: CommandsOptions): Promise<CommandsResult> => {
  const server = await startBenchServer(options.databaseUrl);
  const inProcess = await startInProcessCatalog(options.databaseUrl).catch(async (error: unknown) => {
    await server.close();
    throw error;
  });
  try {
    const maxClients = Math.max(...options.concurrencies);
    const clients = Array.from({ length: maxClients }, () => server.client(server.adminToken));
    let sequence = 0;
    const productsFor = (count: number) => Array.from({ length: count }, () => generateProduct(options.seed, sequence++));

    const path =
      (create: (product: GeneratedProduct, worker: number) => Promise<unknown>): Path =>
      async (products, concurrency) => {
        const before = options.breakdown ? await nextTransactionId(inProcess.pool) : undefined;
        const cpuBefore = options.breakdown ? await postgresCpuTicks(inProcess.pool) : undefined;
        const result = await runClosedLoop({
          concurrency,
          total: products.length,
          maxDurationMs: options.maxSecondsPerRun * 1000,
          operation: async (index, worker) => void (await create(products[index]!, worker)),
        });
        const cpuAfter = cpuBefore === undefined ? undefined : await postgresCpuTicks(inProcess.pool);
        const after = before === undefined ? undefined : await nextTransactionId(inProcess.pool);
        const writes = before === undefined || after === undefined ? undefined : Number(after - before);
        const postgresCpuMs = cpuBefore && cpuAfter ? postgresCpuMsBetween(cpuBefore, cpuAfter) : undefined;
        const perOp = (total: number | undefined) => (total === undefined || result.completed === 0 ? undefined : total / result.completed);
        return { ...result, writeTransactionsPerOp: perOp(writes), postgresCpuMsPerOp: perOp(postgresCpuMs) };
      };
    const viaHttp = path((product, worker) => clients[worker]!.products.create(product));
    const viaHandler = path((product) => inProcess.createProduct(product));
    const keylessClients = options.breakdown ? clients.map(() => server.client(server.adminToken, withoutIdempotencyKey())) : [];
    const diagnostics: { label: string; run: Path }[] = options.breakdown
      ? [
          { label: 'HTTP, no idem-key', run: path((product, worker) => keylessClients[worker]!.products.create(product)) },
          { label: 'in-proc + idem rows', run: path(withIdempotencyBookkeeping(inProcess)) },
        ]
      : [];

    // Every client opens its connection during warm-up, so no timed row pays for TCP setup.
    if (options.warmup > 0) {
      options.log(`warm-up: ${options.warmup} creates per path at ${maxClients} clients (not timed)`);
      expectNoFailures(await viaHttp(productsFor(Math.max(options.warmup, maxClients)), maxClients), 'warm-up (HTTP+SDK)');
      expectNoFailures(await viaHandler(productsFor(options.warmup), maxClients), 'warm-up (in-process)');
      for (const { label, run } of diagnostics) expectNoFailures(await run(productsFor(Math.max(options.warmup, maxClients)), maxClients), `warm-up (${label})`);
    }

    const rows: CommandsRow[] = [];
    for (const concurrency of options.concurrencies) {
      const products = productsFor(options.countFor(concurrency));
      options.log(
        `running ${products.length} creates at ${concurrency} client${concurrency === 1 ? '' : 's'}: ` +
          ['HTTP+SDK', 'in-process', ...diagnostics.map(({ label }) => label)].join(', then '),
      );
      const http = await viaHttp(products, concurrency);
      const handler = await viaHandler(products, concurrency);
      const measured: CommandsRow['diagnostics'] = [];
      for (const { label, run } of diagnostics) measured.push({ label, result: await run(products, concurrency) });
      rows.push({ concurrency, count: products.length, http, inProcess: handler, ratio: http.opsPerSec / handler.opsPerSec, diagnostics: measured });
    }

    const targetRow = rows.find((row) => row.concurrency === TARGET_CONCURRENCY);
    return {
      rows,
      target: {
        concurrency: TARGET_CONCURRENCY,
        minimumRatio: TARGET_RATIO,
        ratio: targetRow?.ratio,
        met: targetRow === undefined ? undefined : targetRow.ratio >= TARGET_RATIO,
      },
      commitLatency: options.breakdown ? await measureCommitLatency(options.databaseUrl) : undefined,
    };
  } finally {
    await inProcess.close();
    await server.close();
  }
};

const expectNoFailures = (result: LoadResult, what: string) => {
  if (result.failed > 0) throw new Error(`${what}: ${result.failed} of ${result.attempted} failed; first error: ${result.firstError}`);
};

const DEFAULT_COUNTS: Record<number, number> = { 1: 500, 16: 3000, 64: 3000 };
const QUICK_COUNTS: Record<number, number> = { 1: 50, 16: 300, 64: 300 };

export const commandsBench: Bench = {
  name: 'commands',
  summary: 'product-create commands/s through HTTP+SDK vs in-process at 1, 16 and 64 clients, with p50/p99 and their ratio',
  usage: [
    '--quick               few operations (50/300/300), for a smoke run',
    '--count=N             creates per path at every concurrency (default 500 at 1 client, 3000 otherwise)',
    '--concurrency=1,16,64 client counts to run',
    '--warmup=N            untimed creates per path first (default 300, quick 50)',
    '--max-seconds=N       cap on each timed run (default 120)',
    '--seed=N              product generator seed (default 1)',
    '--breakdown           also: HTTP without Idempotency-Key, in-process with its rows, commits per create, commit latency',
  ],
  prepare(args) {
    const flags = parseFlags(args, {
      quick: { type: 'boolean' },
      count: { type: 'string' },
      concurrency: { type: 'string' },
      warmup: { type: 'string' },
      'max-seconds': { type: 'string' },
      seed: { type: 'string' },
      breakdown: { type: 'boolean' },
    });
    const quick = flags.quick === true;
    const count = positiveInteger(flags.count, 'count');
    const concurrencies = integerList(flags.concurrency, 'concurrency') ?? [1, 16, 64];
    const warmup = positiveInteger(flags.warmup, 'warmup') ?? (quick ? 50 : 300);
    const maxSecondsPerRun = positiveInteger(flags['max-seconds'], 'max-seconds') ?? 120;
    const seed = positiveInteger(flags.seed, 'seed') ?? 1;
    const counts = quick ? QUICK_COUNTS : DEFAULT_COUNTS;
    const countFor = (concurrency: number) => count ?? counts[concurrency] ?? (quick ? 300 : 3000);
    const breakdown = flags.breakdown === true;

    return async ({ databaseUrl, log }) => {
      const result = await benchCommands({ databaseUrl, concurrencies, countFor, warmup, maxSecondsPerRun, seed, breakdown, log });
      printCommands(result, log);
    };
  },
};
