/**
 * Named points where a test can make the server die as if the machine lost power:
 * `EVENTSHOP_TEST_CRASH_AT=<point>[,<point>...]` makes the process SIGKILL itself the first time
 * it reaches one of them (no handler runs, no transaction commits, nothing flushes). The checkout
 * soak restarts the server without the variable and checks that every order ends well. Unset,
 * a crash point costs one comparison. The points are listed in docs/orders.md.
 */
const wanted = () => (process.env.EVENTSHOP_TEST_CRASH_AT ?? '').split(',').map((point) => point.trim()).filter(Boolean);

export const crashPoint = (point: string): void => {
  if (!process.env.EVENTSHOP_TEST_CRASH_AT) return;
  if (wanted().includes(point)) process.kill(process.pid, 'SIGKILL');
};
