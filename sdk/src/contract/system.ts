import { z } from 'zod';
import { operation } from './operation.js';

export const systemOperations = {
  'system.health': operation({
    id: 'system.health',
    method: 'GET',
    path: '/health',
    kind: 'query',
    auth: 'public',
    summary: 'Liveness',
    description: 'Answers 200 while the process is up.',
    input: z.object({}).strict(),
    output: z.object({ status: z.literal('ok'), version: z.string(), uptimeSeconds: z.number() }),
    cliName: 'health',
  }),
  'system.ready': operation({
    id: 'system.ready',
    method: 'GET',
    path: '/ready',
    kind: 'query',
    auth: 'public',
    summary: 'Readiness',
    description: 'Answers 200 when the database answers and every read model is caught up; 503 otherwise.',
    input: z.object({}).strict(),
    output: z.object({
      status: z.enum(['ready', 'not_ready']),
      checks: z.array(z.object({ name: z.string(), ok: z.boolean(), detail: z.string().optional() })),
    }),
    cliName: 'ready',
  }),
} as const;
