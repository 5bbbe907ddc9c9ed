import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Metrics } from './metrics.js';
import { factsOf } from './request-facts.js';

/**
 * The label a request is counted under: its contract operation id, else the route it matched
 * (`/openapi.json`, `/docs/static/*`), else `unmatched`. Never the raw URL, whose ids would make
 * a new series per entity.
 */
export const operationLabel = (request: FastifyRequest): string => factsOf(request)?.operationId ?? request.routeOptions.url ?? 'unmatched';

/** Counts and times every answered request, once, from one hook rather than per route. */
export const observeRequests = (app: FastifyInstance, metrics: Metrics) => {
  app.addHook('onResponse', async (request, reply) => {
    metrics.requestAnswered({
      operation: operationLabel(request),
      method: request.method,
      status: reply.statusCode,
      seconds: reply.elapsedTime / 1000,
      stream: factsOf(request)?.kind === 'stream',
    });
  });
};
