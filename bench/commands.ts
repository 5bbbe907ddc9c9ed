import { integerList, parseFlags, positiveInteger, UsageError, type Bench } from './bench.js';
import {
  measureCommitLatency,
  nextTransactionId,
  postgresCpuMsBetween,
  postgresCpuTimes,
  settleDatabase,
  withIdempotencyBookkeeping,
  withoutIdempotencyKey,
  type CommitLatency,
} from './breakdown.js';
import { generateProduct, type GeneratedProduct } from './catalog-data.js';
import { printCommands } from './commands-report.js';
import { startServerAndCatalog, type ServerPlacement } from './fixture.js';
import { combineRuns, runClosedLoop, type LoadResult } from './load.js';

/** From the issue: the HTTP path should keep at least this share of the in-process rate at 16 clients. */
const TARGET_RATIO = 0.7;
const TARGET_CONCURRENCY = 16;

export type CommandsOptions = {
  databaseUrl: string;
  concurrencies: number[];
  /** Creates per path at one concurrency, over all rounds. */
  countFor(concurrency: number): number;
  /**
   * Each row runs its paths in this many alternating rounds (A B, B A, A B, ...), so a slow spell
   * of the machine or the database (a checkpoint, autovacuum) lands on both paths, not on one.
   */
  rounds: number;
  /** Where the server runs; see ServerPlacement. */
  placement: ServerPlacement;
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
  /**
   * CPU time of the process that ran eventshop's code, per completed create: the server process
   * for HTTP paths when it runs apart, else this process. Undefined when it cannot be read.
   */
  serverCpuMsPerOp: number | undefined;
  /** HTTP paths with the server in its own process: this process's CPU per create, i.e. the SDK clients'. */
  clientCpuMsPerOp: number | undefined;
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
  /** HTTP+SDK ops/s divided by in-process ops/s, over all rounds. */
  ratio: number;
  /** The same ratio round by round, to show how much it moves. */
  roundRatios: number[];
  /** Diagnostic variants, with --breakdown. */
  diagnostics: { label: string; result: PathRun }[];
};

export type CommandsResult = {
  placement: ServerPlacement;
  rounds: number;
  rows: CommandsRow[];
  target: { concurrency: number; minimumRatio: number; ratio: number | undefined; met: boolean | undefined };
  commitLatency: CommitLatency | undefined;
};

/** One timed run of one path, with the raw counters its rounds add up. */
type Measured = { load: LoadResult; serverCpuMs?: number; writes?: number; postgresCpuMs?: number };
type Path = { label: string; overHttp: boolean; run: (products: GeneratedProduct[], concurrency: number) => Promise<Measured> };

/**
 * Product-create throughput through HTTP+SDK and in-process, concurrency by concurrency, on one
 * server and one database. Each round sends every path the same generated products.
 */
export const benchCommands = async (options: CommandsOptions): Promise<CommandsResult> => {
  const { server, inProcess, close } = await startServerAndCatalog(options.databaseUrl, options.placement);
  try {
    const maxClients = Math.max(...options.concurrencies);
    const clients = Array.from({ length: maxClients }, () => server.client(server.adminToken));
    let sequence = 0;
    const productsFor = (count: number) => Array.from({ length: count }, () => generateProduct(options.seed, sequence++));

    const path = (label: string, overHttp: boolean, create: (product: GeneratedProduct, worker: number) => Promise<unknown>): Path => ({
      label,
      overHttp,
      async run(products, concurrency) {
        const serverBefore = overHttp ? server.serverCpuMs() : undefined;
        const writesBefore = options.breakdown ? await nextTransactionId(inProcess.pool) : undefined;
        const postgresBefore = options.breakdown ? await postgresCpuTimes(inProcess.pool) : undefined;
        const load = await runClosedLoop({
          concurrency,
          total: products.length,
          maxDurationMs: options.maxSecondsPerRun * 1000,
          operation: async (index, worker) => void (await create(products[index]!, worker)),
        });
        const postgresAfter = postgresBefore === undefined ? undefined : await postgresCpuTimes(inProcess.pool);
        const writesAfter = writesBefore === undefined ? undefined : await nextTransactionId(inProcess.pool);
        const serverAfter = serverBefore === undefined ? undefined : server.serverCpuMs();
        return {
          load,
          serverCpuMs: serverBefore === undefined || serverAfter === undefined ? undefined : serverAfter - serverBefore,
          writes: writesBefore === undefined || writesAfter === undefined ? undefined : Number(writesAfter - writesBefore),
          postgresCpuMs: postgresBefore && postgresAfter ? postgresCpuMsBetween(postgresBefore, postgresAfter) : undefined,
        };
      },
    });
    const viaHttp = path('HTTP+SDK', true, (product, worker) => clients[worker]!.products.create(product));
    const viaHandler = path('in-process', false, (product) => inProcess.createProduct(product));
    const keylessClients = options.breakdown ? clients.map(() => server.client(server.adminToken, withoutIdempotencyKey())) : [];
    const diagnostics: Path[] = options.breakdown
      ? [
          path('HTTP, no idem-key', true, (product, worker) => keylessClients[worker]!.products.create(product)),
          path('in-proc + idem rows', false, withIdempotencyBookkeeping(inProcess)),
        ]
      : [];
    const paths = [viaHttp, viaHandler, ...diagnostics];

    // Every client opens its connection during warm-up, so no timed row pays for TCP setup.
    if (options.warmup > 0) {
      options.log(`warm-up: ${options.warmup} creates per path at ${maxClients} clients (not timed)`);
      for (const each of paths) {
        const count = each.overHttp ? Math.max(options.warmup, maxClients) : options.warmup;
        expectNoFailures((await each.run(productsFor(count), maxClients)).load, `warm-up (${each.label})`);
      }
    }

    const rows: CommandsRow[] = [];
    for (const concurrency of options.concurrencies) {
      const count = options.countFor(concurrency);
      const rounds = Math.min(options.rounds, count);
      options.log(
        `running ${count} creates per path at ${concurrency} client${concurrency === 1 ? '' : 's'} in ${rounds} alternating round${rounds === 1 ? '' : 's'}: ` +
          paths.map(({ label }) => label).join(', '),
      );
      await settleDatabase(inProcess.pool);
      const measured = new Map<Path, Measured[]>(paths.map((each) => [each, []]));
      for (let round = 0; round < rounds; round++) {
        const products = productsFor(Math.floor((count * (round + 1)) / rounds) - Math.floor((count * round) / rounds));
        const order = round % 2 === 0 ? paths : [...paths].reverse();
        for (const each of order) measured.get(each)!.push(await each.run(products, concurrency));
      }
      const result = (each: Path) => combine(measured.get(each)!, each.overHttp && server.placement === 'process');
      const http = result(viaHttp);
      const handler = result(viaHandler);
      const roundRatios = measured.get(viaHttp)!.map((run, round) => run.load.opsPerSec / measured.get(viaHandler)![round]!.load.opsPerSec);
      rows.push({
        concurrency,
        count,
        http,
        inProcess: handler,
        ratio: http.opsPerSec / handler.opsPerSec,
        roundRatios,
        diagnostics: diagnostics.map((each) => ({ label: each.label, result: result(each) })),
      });
    }

    const targetRow = rows.find((row) => row.concurrency === TARGET_CONCURRENCY);
    return {
      placement: server.placement,
      rounds: options.rounds,
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
    await close();
  }
};

/** Adds up one path's rounds; `serverApart` says this process ran only the SDK clients. */
const combine = (runs: Measured[], serverApart: boolean): PathRun => {
  const load = combineRuns(runs.map((run) => run.load));
  const total = (pick: (run: Measured) => number | undefined) => {
    const values = runs.map(pick);
    return values.some((value) => value === undefined) ? undefined : values.reduce((sum: number, value) => sum + value!, 0);
  };
  const perOp = (sum: number | undefined) => (sum === undefined || load.completed === 0 ? undefined : sum / load.completed);
  const thisProcess = load.completed > 0 ? load.cpuMsPerOp : undefined;
  return {
    ...load,
    serverCpuMsPerOp: serverApart ? perOp(total((run) => run.serverCpuMs)) : thisProcess,
    clientCpuMsPerOp: serverApart ? thisProcess : undefined,
    writeTransactionsPerOp: perOp(total((run) => run.writes)),
    postgresCpuMsPerOp: perOp(total((run) => run.postgresCpuMs)),
  };
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
    '--rounds=N            alternating rounds per row, so drift hits both paths (default 5, quick 2)',
    '--server=process      where the server runs: process (its own, as deployed; default) or shared (in the bench process)',
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
      rounds: { type: 'string' },
      server: { type: 'string' },
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
    const rounds = positiveInteger(flags.rounds, 'rounds') ?? (quick ? 2 : 5);
    const placement = (flags.server ?? 'process') as ServerPlacement;
    if (placement !== 'process' && placement !== 'shared') throw new UsageError(`--server is process or shared, got "${String(flags.server)}"`);

    return async ({ databaseUrl, log }) => {
      const result = await benchCommands({ databaseUrl, concurrencies, countFor, rounds, placement, warmup, maxSecondsPerRun, seed, breakdown, log });
      printCommands(result, log);
    };
  },
};
