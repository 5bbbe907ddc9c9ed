import { readFileSync, statSync } from 'node:fs';

/**
 * Named points where a test can make the server die as if the machine lost power:
 * `EVENTSHOP_TEST_CRASH_AT=<point>[,<point>...]` makes the process SIGKILL itself the first time
 * it reaches one of them (no handler runs, no transaction commits, nothing flushes). The checkout
 * soak restarts the server without the variable and checks that every order ends well. Unset,
 * a crash point costs one comparison. The points are listed in docs/orders.md.
 *
 * `EVENTSHOP_TEST_CRASH_FILE=<path>` names a file holding the same list, read again whenever it
 * changes, so a soak arms the next point on a running server instead of starting one per point
 * (a start costs seconds, a trial should not).
 */
const fromEnv = () => (process.env.EVENTSHOP_TEST_CRASH_AT ?? '').split(',').map((point) => point.trim()).filter(Boolean);

let cached: { path: string; mtimeMs: number; size: number; points: string[] } | undefined;
const fromFile = (path: string): string[] => {
  try {
    const { mtimeMs, size } = statSync(path);
    if (cached?.path !== path || cached.mtimeMs !== mtimeMs || cached.size !== size) {
      cached = { path, mtimeMs, size, points: readFileSync(path, 'utf8').split(/[,\s]+/).filter(Boolean) };
    }
    return cached.points;
  } catch {
    return [];
  }
};

export const crashPoint = (point: string): void => {
  const file = process.env.EVENTSHOP_TEST_CRASH_FILE;
  if (!process.env.EVENTSHOP_TEST_CRASH_AT && !file) return;
  if (fromEnv().includes(point) || (file !== undefined && fromFile(file).includes(point))) process.kill(process.pid, 'SIGKILL');
};
