/**
 * `npm run soak -- processors [rounds]` (default 50): two server processes on one database with
 * the test-only recorder; each round writes products through both, kills -9 the instance running
 * the recorder while it is mid-batch, checks the survivor takes over, and starts a replacement.
 * Every 10 rounds and at the end: every event handled exactly once, and the category statistics
 * equal to a fresh replay. Prints counts; exits 1 when a check fails.
 */
import { openBenchDatabase } from '../bench/database.js';
import { processorCluster } from '../e2e/support/processor-cluster.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const waitFor = async (what: string, check: () => Promise<boolean>, timeoutMs: number) => {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
  return Date.now() - started;
};

export const main = async (args: string[], log: (line: string) => void = console.log): Promise<number> => {
  const rounds = args[0] === undefined ? 50 : Number(args[0]);
  if (!Number.isInteger(rounds) || rounds < 1) {
    log('usage: npm run soak -- processors [rounds]');
    return 2;
  }
  const database = await openBenchDatabase();
  const cluster = processorCluster(database.url);
  let failures = 0;
  const verify = async (label: string) => {
    await waitFor('the processors to catch up', () => cluster.caughtUp(), 60_000);
    const tally = await cluster.recorderTally();
    const comparison = await cluster.compareStatsWithReplay();
    const once = tally.handled === tally.events && tally.distinct_events === tally.events;
    if (!once || !comparison.equal) failures += 1;
    log(
      `${label}: ${tally.events} events, ${tally.handled} handled (${tally.distinct_events} distinct) by ${tally.instances} instances: ${once ? 'exactly once' : 'MISMATCH'}; ` +
        `category stats ${comparison.equal ? 'equal to a fresh replay' : `DIFFER ${JSON.stringify(comparison.tables)}`}`,
    );
  };
  try {
    log(`soak processors: ${rounds} kill -9 rounds on ${database.description}`);
    await cluster.start();
    await cluster.start();
    const takeovers: number[] = [];
    for (let round = 1; round <= rounds; round += 1) {
      const writing = await cluster.startWriting(40, `soak ${round}`);
      await sleep(Math.random() * 200);
      const holder = await cluster.holderOf('test_recorder');
      const victim = holder ? cluster.serverNamed(holder) : undefined;
      if (victim) {
        await victim.stop('SIGKILL');
        const survivors = new Set(cluster.alive().map((server) => String(server.child.pid)));
        takeovers.push(await waitFor('a takeover', async () => survivors.has((await cluster.holderOf('test_recorder'))?.split(':').pop() ?? ''), 30_000));
      }
      await writing();
      await cluster.start();
      log(`round ${round}: ${victim ? `killed ${holder}, taken over in ${takeovers[takeovers.length - 1]} ms` : 'nobody held the recorder; nothing killed'}`);
      if (round % 10 === 0 && round !== rounds) await verify(`after round ${round}`);
    }
    await verify('final');
    takeovers.sort((a, b) => a - b);
    log(`takeover after kill -9: ${takeovers.length} kills, median ${takeovers[Math.floor(takeovers.length / 2)]} ms, max ${takeovers[takeovers.length - 1]} ms`);
    log(failures === 0 ? 'soak processors: no lost or doubled event, read model equal every time' : `soak processors: ${failures} failed checks`);
    return failures === 0 ? 0 : 1;
  } finally {
    await cluster.close();
    await database.close();
  }
};
