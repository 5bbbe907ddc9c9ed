import type { Queryable } from '../privacy/keyring.js';
import { processorOverview, type DeclaredProcessor } from './overview.js';

/**
 * `/ready`'s processors check: an instance is ready while every processor that should be running
 * trails the log by at most `maxLagSeconds`. A paused one is the operator's choice and does not
 * count; a stopped one (no instance holds it) only counts by its lag, since an API-only
 * instance is ready whoever runs the processors.
 */
export const processorsReadiness = (db: Queryable, processors: readonly DeclaredProcessor[], maxLagSeconds: number) => ({
  name: 'processors',
  check: async () => {
    const overview = await processorOverview(db, processors);
    const behind = overview.filter((processor) => processor.status !== 'paused' && processor.lagSeconds > maxLagSeconds);
    const worst = overview.reduce((max, processor) => Math.max(max, processor.lagEvents), 0);
    const paused = overview.filter((processor) => processor.status === 'paused').map((processor) => processor.name);
    if (behind.length > 0) {
      return {
        ok: false,
        detail: behind.map((processor) => `${processor.name} is ${processor.lagEvents} events (${processor.lagSeconds} s) behind`).join('; '),
      };
    }
    return {
      ok: true,
      detail: `${overview.length} processors, at most ${worst} events behind${paused.length > 0 ? `; paused: ${paused.join(', ')}` : ''}`,
    };
  },
});
