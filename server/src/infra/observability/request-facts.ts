import type { FastifyRequest } from 'fastify';

/**
 * What the route builder learns about a request that its one log line and its metrics report:
 * which contract operation it was and who acted. Kept beside the request rather than on it, so
 * Fastify's request type stays as it is.
 */
export type RequestFacts = { operationId: string; kind: 'query' | 'command' | 'stream'; principalId?: string | undefined };

const facts = new WeakMap<FastifyRequest, RequestFacts>();

export const noteRequest = (request: FastifyRequest, learned: RequestFacts) => {
  facts.set(request, { ...facts.get(request), ...learned });
};

export const factsOf = (request: FastifyRequest): RequestFacts | undefined => facts.get(request);
