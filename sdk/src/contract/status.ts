import { z } from 'zod';
import { operation } from './operation.js';
import { ProcessorStatus } from './processors.js';

export const BreakerState = z.enum(['closed', 'open', 'half_open']).describe('open: calls are refused at once; half_open: one trial call decides');

export const ServiceStatus = z
  .object({
    version: z.string(),
    instance: z.string().describe('The instance that answered (host:pid); behind a load balancer each has its own'),
    uptimeSeconds: z.number(),
    ready: z.boolean().describe('What /ready answers: true when every check passed'),
    checks: z.array(z.object({ name: z.string(), ok: z.boolean(), detail: z.string().optional() })),
    processors: z.array(ProcessorStatus),
    parked: z.number().int().describe('Parked and blocked events over all processors'),
    database: z
      .object({
        connections: z.number().int().describe('Open connections of the request pool'),
        idle: z.number().int(),
        waiting: z.number().int().describe('Requests waiting for a connection'),
        max: z.number().int(),
      })
      .describe('The request pool of the instance that answered'),
    payments: z
      .object({ breaker: BreakerState })
      .nullable()
      .describe('The payments gateway’s circuit breaker; null until a gateway is in use'),
    attention: z.array(z.string()).describe('What needs an operator now, in plain words, each with the next step; empty when all is well'),
  })
  .describe('One screen of how the service is doing');

/** The operator's summary: the same figures /metrics serves, as JSON. */
export const statusOperations = {
  'system.status': operation({
    id: 'system.status',
    method: 'GET',
    path: '/api/ops/status',
    kind: 'query',
    auth: 'operator',
    summary: 'How the service is doing, on one screen',
    description:
      'Readiness and its checks, every processor with its lag and parked events, the request pool, the payments circuit breaker, and a list of what needs attention. Answers 200 even when not ready: the answer says why.',
    input: z.object({}).strict(),
    output: ServiceStatus,
    cliName: 'status',
  }),
} as const;
