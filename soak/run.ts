/**
 * `npm run soak -- <name> [args]`: long campaigns that print counts (the test suite keeps a few
 * rounds of each). Each soak module exports `main(args, log)` resolving to an exit code.
 */
import { main as processors } from './processors.js';

const soaks: Record<string, (args: string[]) => Promise<number>> = { processors: (args) => processors(args) };

const [name, ...args] = process.argv.slice(2);
const soak = name === undefined ? undefined : soaks[name];
if (!soak) {
  console.log(`usage: npm run soak -- <${Object.keys(soaks).join('|')}> [args]`);
  process.exit(2);
}
try {
  process.exit(await soak(args));
} catch (error) {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
}
