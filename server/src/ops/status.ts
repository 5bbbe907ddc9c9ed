import os from 'node:os';
import type { z } from 'zod';
import type { ServiceStatus, statusOperations } from '@eventshop/sdk/contract';
import type { Pool } from '../infra/database/pool.js';
import type { Handlers } from '../infra/http/operations.js';
import type { Metrics } from '../infra/observability/metrics.js';
import { processorOverview, type DeclaredProcessor } from '../infra/processors/overview.js';
import { runReadinessChecks, SERVER_VERSION, uptimeSeconds, type ReadinessCheck } from '../modules/system/handlers.js';

type Status = z.input<typeof ServiceStatus>;

/**
 * What an operator should act on, in the order it hurts: the instance out of the load balancer,
 * payments refused, background work stopped or failing, then slowness. Each line says what to do next.
 */
export const needsAttention = (status: Omit<Status, 'attention'>): string[] => {
  const lines: string[] = [];
  for (const check of status.checks) if (!check.ok) lines.push(`Not ready: ${check.name} — ${check.detail ?? 'failed'}. The load balancer sends this instance nothing until it passes.`);
  if (status.payments?.breaker === 'open') lines.push('Payments: the circuit breaker is open, so payments are refused at once. Check the gateway; it closes by itself after a trial call succeeds.');
  if (status.payments?.breaker === 'half_open') lines.push('Payments: the circuit breaker is trying one call after failures.');
  for (const processor of status.processors) {
    const name = processor.name;
    if (processor.status === 'stopped') lines.push(`Processor ${name} is stopped: no instance runs it. Start an instance with processors on (EVENTSHOP_PROCESSORS).`);
    if (processor.status === 'paused') lines.push(`Processor ${name} is paused. Run \`shopctl processors resume ${name}\` when it should carry on.`);
    if (processor.parked > 0) lines.push(`Processor ${name} has ${processor.parked} parked event${processor.parked === 1 ? '' : 's'}. Run \`shopctl failures list --processor ${name}\`.`);
    else if (processor.status === 'failing') lines.push(`Processor ${name} is retrying an event: ${processor.lastError ?? 'see its last error'}.`);
    if (processor.status === 'catching_up') lines.push(`Processor ${name} is ${processor.lagEvents} events (${processor.lagSeconds} s) behind.`);
  }
  if (status.database.waiting > 0) lines.push(`Database: ${status.database.waiting} requests wait for a connection (pool of ${status.database.max}). The database is slow or the pool too small.`);
  return lines;
};

export const statusHandlers = (deps: {
  checks: readonly ReadinessCheck[];
  startedAt: number;
  pool: Pool;
  processors: readonly DeclaredProcessor[];
  metrics: Metrics;
}): Handlers<keyof typeof statusOperations> => ({
  'system.status': async () => {
    const [checks, processors] = await Promise.all([runReadinessChecks(deps.checks), processorOverview(deps.pool, deps.processors)]);
    const breaker = deps.metrics.breakerState();
    const status: Omit<Status, 'attention'> = {
      version: SERVER_VERSION,
      instance: `${os.hostname()}:${process.pid}`,
      uptimeSeconds: uptimeSeconds(deps.startedAt),
      ready: checks.every((check) => check.ok),
      checks,
      processors,
      parked: processors.reduce((sum, processor) => sum + processor.parked, 0),
      database: { connections: deps.pool.totalCount, idle: deps.pool.idleCount, waiting: deps.pool.waitingCount, max: deps.pool.options.max ?? 0 },
      payments: breaker ? { breaker } : null,
    };
    return { ...status, attention: needsAttention(status) };
  },
});
