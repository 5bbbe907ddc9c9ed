import { writeFile } from 'node:fs/promises';
import { integerList, parseFlags, positiveInteger, UsageError, type Bench } from './bench.js';
import { generateProduct } from './catalog-data.js';
import { profileCpu, summarizeProfile } from './cpu-profile.js';
import { startServerAndCatalog } from './fixture.js';
import { formatMs, formatRate, table } from './format.js';
import { runClosedLoop } from './load.js';

const PATHS = ['http', 'in-process'] as const;
type ProfiledPath = (typeof PATHS)[number];

/**
 * Where the Node CPU of one create path goes: runs that path alone (after an untimed warm-up)
 * under V8's sampling profiler and prints self time by package and by function. The profile
 * covers the timed window only; PostgreSQL's own CPU is not in it.
 */
export const profileBench: Bench = {
  name: 'profile',
  summary: 'CPU profile of one product-create path (http or in-process): self time by package and function',
  usage: [
    '--path=http|in-process which path to profile (default http)',
    '--concurrency=16      clients (default 16)',
    '--count=N             creates in the profiled window (default 3000)',
    '--out=FILE            also write the .cpuprofile (open in Chrome DevTools or speedscope)',
  ],
  prepare(args) {
    const flags = parseFlags(args, { path: { type: 'string' }, concurrency: { type: 'string' }, count: { type: 'string' }, out: { type: 'string' } });
    const path = (flags.path ?? 'http') as ProfiledPath;
    if (!PATHS.includes(path)) throw new UsageError(`--path is http or in-process, got "${String(flags.path)}"`);
    const concurrency = integerList(flags.concurrency, 'concurrency')?.[0] ?? 16;
    const count = positiveInteger(flags.count, 'count') ?? 3000;
    const out = typeof flags.out === 'string' ? flags.out : undefined;

    return async ({ databaseUrl, log }) => {
      const { server, inProcess, close } = await startServerAndCatalog(databaseUrl, 'shared');
      try {
        const clients = Array.from({ length: concurrency }, () => server.client(server.adminToken));
        let sequence = 0;
        const create =
          path === 'http'
            ? (worker: number) => clients[worker]!.products.create(generateProduct(1, sequence++))
            : () => inProcess.createProduct(generateProduct(1, sequence++));
        const load = (total: number) => runClosedLoop({ concurrency, total, operation: async (_index, worker) => void (await create(worker)) });

        await load(Math.max(300, concurrency));
        log(`profiling ${count} creates, path ${path}, ${concurrency} clients`);
        const { result, profile } = await profileCpu(() => load(count));
        if (out) await writeFile(out, JSON.stringify(profile));

        const summary = summarizeProfile(profile);
        log('');
        log(
          `${path}: ${result.completed} creates (${result.failed} failed), ${formatRate(result.opsPerSec)} ops/s, p50 ${formatMs(result.latency.p50Ms)} ms, ` +
            `node CPU ${formatMs(result.cpuMsPerOp)} ms/op; main thread sampled ${formatMs(summary.totalMs)} ms`,
        );
        log('');
        log('self time by package (main thread; "(idle)" = waiting on I/O, i.e. on PostgreSQL or the other side of the socket):');
        for (const line of table(
          ['where', 'ms', 'share', 'ms per create'],
          summary.byCategory.map(({ category, ms, share }) => [category, ms.toFixed(0), `${(share * 100).toFixed(1)}%`, (ms / result.completed).toFixed(3)]),
        ))
          log(`  ${line}`);
        log('');
        log('top functions by self time:');
        for (const line of table(['function', 'ms', 'share'], summary.topFunctions.map(({ name, ms, share }) => [name, ms.toFixed(0), `${(share * 100).toFixed(1)}%`])))
          log(`  ${line}`);
      } finally {
        await close();
      }
    };
  },
};
