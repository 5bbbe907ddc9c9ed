import type { FastifyInstance, FastifyRequest } from 'fastify';
import { operations, type OperationDefinition } from '@eventshop/sdk/contract';
import type { SpanHandle, Tracing } from './tracing.js';

/**
 * A server span per request, named by the contract's operation id (`products.create`), from the
 * moment the request is routed until its answer is sent; it continues a caller's `traceparent`
 * header. The handler runs with the span active (entered in preHandler, which Fastify runs
 * after the body is read and which calls the handler synchronously), so the commands and their
 * events' traceparents are its children. Registered only when tracing is on.
 */
export const registerRequestSpans = (app: FastifyInstance, tracing: Tracing) => {
  const operationIds = new Map(
    (Object.entries(operations) as [string, OperationDefinition][]).map(([id, definition]) => [`${definition.method} ${definition.path}`, id]),
  );
  const spans = new WeakMap<FastifyRequest, SpanHandle>();

  app.addHook('onRequest', (request, _reply, done) => {
    const route = request.routeOptions.url;
    const operationId = route === undefined ? undefined : operationIds.get(`${request.method} ${route}`);
    const parent = request.headers.traceparent;
    const span = tracing.startSpan(
      operationId ?? `${request.method} ${route ?? 'unrouted'}`,
      {
        'http.request.method': request.method,
        'http.route': route,
        'url.path': request.url.split('?')[0],
        'eventshop.operation_id': operationId,
        'eventshop.request_id': request.id,
        // The same rule as the commands' metadata (routes.ts): the caller's X-Correlation-Id, else the request id.
        'eventshop.correlation_id': typeof request.headers['x-correlation-id'] === 'string' && request.headers['x-correlation-id'] !== '' ? request.headers['x-correlation-id'] : request.id,
      },
      { kind: 'server', parent: typeof parent === 'string' ? parent : undefined },
    );
    spans.set(request, span);
    done();
  });

  app.addHook('preHandler', (request, _reply, done) => {
    const span = spans.get(request);
    if (span) span.run(done);
    else done();
  });

  const end = (request: FastifyRequest, status: number | undefined) => {
    const span = spans.get(request);
    if (!span) return;
    // A client leaving (an event stream it stops following, most often) is not the server failing.
    span.setAttributes(status === undefined ? { 'eventshop.client_left': true } : { 'http.response.status_code': status });
    if (status !== undefined && status >= 500) span.fail(new Error(`answered ${status}`));
    span.end();
    spans.delete(request);
  };
  app.addHook('onResponse', (request, reply, done) => {
    end(request, reply.statusCode);
    done();
  });
  app.addHook('onRequestAbort', (request, done) => {
    end(request, undefined);
    done();
  });
};
