import type pg from 'pg';
import { checkpointStore } from './checkpoints.js';
import type { ScheduledProcessor } from './declaration.js';
import { errorText, sleep } from './runner.js';

/**
 * A scheduled task's loop in the instance that leads it: a pass every `intervalMs` unless an
 * operator paused it. Its row in `eventshop_checkpoints` (cursor unused) says when it last ran and
 * how: a pass that throws is logged and shown as failing, with its error, until one succeeds. Due
 * work lives in tables, so a new leader simply picks it up at its first pass.
 */
export const runScheduled = async (pool: pg.Pool, task: ScheduledProcessor, signal: AbortSignal, log: (line: string) => void) => {
  const checkpoints = checkpointStore(pool);
  while (!signal.aborted) {
    try {
      const checkpoint = await checkpoints.get(task.name);
      if (!checkpoint.paused) {
        try {
          await task.tick(signal);
          await checkpoints.ran(task.name);
        } catch (error) {
          if (signal.aborted) return;
          log(`scheduled task ${task.name} failed: ${errorText(error)}; next pass in ${task.intervalMs} ms`);
          await checkpoints.markRetrying(task.name, errorText(error));
        }
      }
    } catch (error) {
      // The database went away: try again at the next pass; nothing was half-done.
      log(`scheduled task ${task.name}: ${errorText(error)}`);
    }
    await sleep(task.intervalMs, signal);
  }
};
