import { UsageError, type Bench } from './bench.js';
import { checkoutBench } from './checkout.js';
import { cliBench } from './cli.js';
import { commandsBench } from './commands.js';
import { hotProductBench, oversellBench } from './inventory.js';
import type { BenchDatabase } from './database.js';
import type { Log } from './format.js';
import { historyBench } from './history.js';
import { describeMachine } from './machine.js';
import { processorsBench } from './processors.js';
import { profileBench } from './profile.js';
import { searchBench } from './search.js';
import { signUpFloodBench } from './signup-flood.js';

export const benches: readonly Bench[] = [commandsBench, searchBench, profileBench, cliBench, signUpFloodBench, historyBench, processorsBench, hotProductBench, oversellBench, checkoutBench];

export type DispatchDependencies = {
  log: Log;
  openDatabase(): Promise<BenchDatabase>;
  /** Told about the database as soon as it exists, so an interrupt can still remove it. */
  onDatabase?(database: BenchDatabase): void;
};

const printList = (log: Log) => {
  log('usage: npm run bench -- <name> [flags]');
  log('');
  for (const bench of benches) {
    log(`  ${bench.name.padEnd(12)} ${bench.summary}`);
    for (const line of bench.usage) log(`  ${' '.repeat(12)}   ${line}`);
  }
  log('');
  log('DATABASE_URL: run on that PostgreSQL (in a scratch database) instead of a temporary embedded one.');
};

/** Runs the named bench; resolves to the process exit code (2 for usage errors, as the CLI does). */
export const dispatch = async (argv: string[], deps: DispatchDependencies): Promise<number> => {
  const [name, ...args] = argv;
  const bench = benches.find((candidate) => candidate.name === name);
  if (!bench) {
    if (name !== undefined) deps.log(`unknown bench "${name}"`);
    printList(deps.log);
    return 2;
  }
  let run: ReturnType<Bench['prepare']>;
  try {
    run = bench.prepare(args);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    deps.log(`${bench.name}: ${error.message}`);
    printList(deps.log);
    return 2;
  }

  const database = await deps.openDatabase();
  deps.onDatabase?.(database);
  try {
    deps.log(`bench: ${bench.name} (${bench.summary})`);
    for (const line of await describeMachine(database.url, database.description)) deps.log(line);
    deps.log('');
    await run({ databaseUrl: database.url, log: deps.log });
    return 0;
  } finally {
    await database.close();
  }
};
