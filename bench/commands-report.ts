import type { CommandsResult, PathRun } from './commands.js';
import { formatMs, formatRate, formatRatio, table, verdict, type Log } from './format.js';

const PATH_DESCRIPTIONS = {
  http:
    'HTTP+SDK: client.products.create() per simulated client (own undici keep-alive pool, zod input check, JSON) -> ' +
    'loopback TCP -> Fastify (routing, JSON body parse, bearer token check: JWT verify plus, since 67eeb7d, one account ' +
    'SELECT; role check, contract input parse, Idempotency-Key begin/complete in idempotency_keys, output parse, ' +
    'ETag/Location) -> the products.create handler.',
  inProcess:
    'in-process: the products.create handler called directly: decide + append to a new stream (Emmett, ' +
    'expected version 0) with the inline catalog projection in the same transaction, then read the ' +
    'catalog_products row the response is built from. Same database, same inline projections, same pool size (20).',
  httpWithoutIdempotencyKey:
    'HTTP, no idem-key (diagnostic): as HTTP+SDK, with the Idempotency-Key header removed, so the route skips idempotency_keys.',
  inProcessWithIdempotency:
    "in-proc + idem rows (diagnostic): as in-process, wrapped in the route's idempotency_keys begin/complete statements.",
} as const;

const PLACEMENTS = {
  process:
    'server: its own process, started as `npm start` starts it (LOG_LEVEL=warn); this process runs only the SDK clients, as partner apps would',
  shared: 'server: inside this process, so the SDK clients and the server share one event loop',
} as const;

const optionalMs = (ms: number | undefined) => (ms === undefined ? '-' : formatMs(ms));

export const printCommands = (result: CommandsResult, log: Log) => {
  const breakdown = result.commitLatency !== undefined;
  const runRow = (label: string, run: PathRun) => [
    String(run.concurrency),
    label,
    String(run.completed),
    String(run.failed),
    (run.elapsedMs / 1000).toFixed(2),
    formatRate(run.opsPerSec),
    formatMs(run.latency.p50Ms),
    formatMs(run.latency.p99Ms),
    optionalMs(run.serverCpuMsPerOp),
    run.serverCpuMsPerOp === undefined ? '-' : `${((run.serverCpuMsPerOp * run.opsPerSec) / 10).toFixed(0)}%`,
    optionalMs(run.clientCpuMsPerOp),
    ...(breakdown
      ? [
          run.writeTransactionsPerOp === undefined ? '-' : run.writeTransactionsPerOp.toFixed(2),
          run.postgresCpuMsPerOp === undefined ? '-' : formatMs(run.postgresCpuMsPerOp),
        ]
      : []),
  ];
  log('');
  log(`product-create commands (products.create), one server, one database, ${result.rounds} alternating rounds per row;`);
  log(PLACEMENTS[result.placement]);
  for (const line of table(
    ['clients', 'path', 'ops', 'failed', 'seconds', 'ops/s', 'p50 ms', 'p99 ms', 'server CPU ms/op', 'server CPU', 'clients CPU ms/op', ...(breakdown ? ['commits/op', 'pg CPU ms/op'] : [])],
    result.rows.flatMap((row) => [
      runRow('HTTP+SDK', row.http),
      runRow('in-process', row.inProcess),
      ...row.diagnostics.map(({ label, result: run }) => runRow(label, run)),
    ]),
  ))
    log(`  ${line}`);
  for (const row of result.rows) {
    const runs: [string, PathRun][] = [['HTTP+SDK', row.http], ['in-process', row.inProcess], ...row.diagnostics.map(({ label, result: run }): [string, PathRun] => [label, run])];
    for (const [label, run] of runs) {
      if (run.failed > 0) log(`  WARNING: ${label} at ${row.concurrency} clients: ${run.failed} failed; first: ${run.firstError}`);
      if (run.attempted < row.count) log(`  WARNING: ${label} at ${row.concurrency} clients hit the time cap after ${run.attempted} of ${row.count}`);
    }
  }
  log('');
  log('HTTP+SDK rate as a share of the in-process rate:');
  for (const line of table(
    ['clients', 'HTTP+SDK ops/s', 'in-process ops/s', 'ratio', 'ratio by round'],
    result.rows.map((row) => [
      String(row.concurrency),
      formatRate(row.http.opsPerSec),
      formatRate(row.inProcess.opsPerSec),
      formatRatio(row.ratio),
      row.roundRatios.map((ratio) => formatRatio(ratio)).join(' '),
    ]),
  ))
    log(`  ${line}`);
  log('');
  const { target } = result;
  log(
    `target: HTTP+SDK >= ${formatRatio(target.minimumRatio)} of in-process at ${target.concurrency} clients: ` +
      `${formatRatio(target.ratio)} -> ${verdict(target.met)}`,
  );
  if (result.commitLatency) {
    const { durableP50Ms, asyncP50Ms, samples } = result.commitLatency;
    log('');
    log(
      `one durable commit on this machine (single-row INSERT, p50 of ${samples}): ${formatMs(durableP50Ms)} ms with ` +
        `synchronous_commit=on, ${formatMs(asyncP50Ms)} ms with it off`,
    );
  }
  log('');
  log('what each path includes:');
  log(`  ${PATH_DESCRIPTIONS.http}`);
  log(`  ${PATH_DESCRIPTIONS.inProcess}`);
  if (breakdown) {
    log(`  ${PATH_DESCRIPTIONS.httpWithoutIdempotencyKey}`);
    log(`  ${PATH_DESCRIPTIONS.inProcessWithIdempotency}`);
  }
  log('  ops/s = completed creates / wall-clock seconds of the run; latency = one call, as its caller waits for it;');
  log('  server CPU = CPU time of the Node process that ran eventshop (the server process, or this one) per create, and as a share of one core;');
  log('  clients CPU = this process, when it ran only the SDK clients; with --server=shared it is inside server CPU.');
  if (breakdown) {
    log('  commits/op = write transactions per create (growth of the transaction id counter over the run);');
    log('  pg CPU = CPU time of the PostgreSQL processes per create, from /proc (local PostgreSQL only; 10 ms ticks).');
  }
};
