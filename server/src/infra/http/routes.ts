import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { fillPath, operations, pathParameterNames, type OperationDefinition, type OperationId } from '@eventshop/sdk/contract';
import type { Authenticator } from '../auth/authenticator.js';
import { authenticate, authorize } from '../auth/guard.js';
import type { Clock } from '../clock.js';
import { isDatabaseUnavailable } from '../database/unavailable.js';
import { IDEMPOTENCY_KEY_PATTERN, requestFingerprint, type Claim, type IdempotencyStore, type StoredResponse } from './idempotency.js';
import { DEFAULT_EVENT_STREAM_OPTIONS, serveEventStream, withLastEventId, type EventStreamOptions } from './event-stream.js';
import { parseInput } from './input.js';
import type { HandlerTable, RequestContext } from './operations.js';
import { HttpProblem, RequestValidationError, StreamBusyError, VersionMismatchError } from './problems.js';
import type { CommandOutcome } from '../observability/metrics.js';
import { noteRequest } from '../observability/request-facts.js';
import { inOperation } from '../observability/scope.js';

export type RouteDependencies = {
  handlers: HandlerTable;
  authenticator: Authenticator;
  clock: Clock;
  idempotency: IdempotencyStore;
  eventStream?: EventStreamOptions;
  /** Hears how every command request ended (the server's metrics). */
  onCommandAnswered?: (operationId: OperationId, outcome: CommandOutcome) => void;
  /** Only these operations get a route (a processor instance serves the system ones); all when unset. */
  serves?: ((id: OperationId) => boolean) | undefined;
};

/** `/api/products/:id` is already Fastify's syntax; OpenAPI wants `{id}`. */
export const toOpenApiPath = (path: string) => fillPath(path, Object.fromEntries(pathParameterNames(path).map((name) => [name, `{${name}}`])));

/**
 * One route per contract operation, all built the same way: authenticate, authorise, read the
 * input where the contract puts it, run the handler (once per Idempotency-Key), answer with the
 * contract's output and the entity's version as ETag.
 */
export const registerOperations = (app: FastifyInstance, deps: RouteDependencies) => {
  for (const [id, definition] of Object.entries(operations) as [OperationId, OperationDefinition][]) {
    if (deps.serves && !deps.serves(id)) continue;
    const handler = deps.handlers[id] as (input: unknown, context: RequestContext) => Promise<unknown>;
    // The one place every operation passes: its log line and figures learn the operation here.
    const answer = async (request: FastifyRequest, reply: FastifyReply) => {
      noteRequest(request, { operationId: id, kind: definition.kind });
      if (definition.kind !== 'command') return inOperation(id, () => serve(request, reply));
      try {
        const sent = await inOperation(id, () => serve(request, reply));
        deps.onCommandAnswered?.(id, reply.getHeader('idempotent-replayed') === 'true' ? 'replayed' : 'applied');
        return sent;
      } catch (error) {
        deps.onCommandAnswered?.(id, commandFailure(error));
        throw error;
      }
    };
    const serve = async (request: FastifyRequest, reply: FastifyReply) => {
      const now = deps.clock.now();
      // Public operations never read the Authorization header: a stale or garbage token must not
      // keep a client from signing in again, and health checks must not depend on the account tables.
      const principal = definition.auth === 'public' ? undefined : await authenticate(request.headers.authorization, deps.authenticator, now);
      noteRequest(request, { operationId: id, kind: definition.kind, principalId: principal?.id });
      authorize(definition.auth, principal, definition.alsoAllowed);
      const parsed = parseInput(definition, request);
      const input = definition.kind === 'stream' ? withLastEventId(definition, request, parsed) : parsed;
      // Only signed-in commands are idempotent (the key is kept per principal); elsewhere the header means nothing.
      const key = definition.kind === 'command' && principal !== undefined ? idempotencyKey(request) : undefined;

      let status: number = definition.successStatus ?? 200;
      const context: RequestContext = {
        principal,
        requestId: request.id,
        now,
        ip: request.ip,
        metadata: {
          correlationId: headerValue(request, 'x-correlation-id') ?? request.id,
          causationId: request.id,
          actorId: principal?.id ?? null,
          requestId: request.id,
          occurredAt: now.toISOString(),
        },
        // Answers of queries and commands are not cut short; a stream gets its own signal below.
        signal: NEVER_ABORTED,
        ...(definition.rawBody ? { raw: { body: Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0), headers: request.headers } } : {}),
        setStatus(next) {
          status = next;
        },
      };
      if (definition.kind === 'stream') {
        // The handler checks its input and resolves with the messages before anything is sent,
        // so bad input is an ordinary problem response, not an error inside a stream.
        const stop = new AbortController();
        const stream = handler as (input: unknown, context: RequestContext) => Promise<AsyncIterable<unknown>>;
        const messages = await stream(input, { ...context, signal: stop.signal });
        return serveEventStream(request, reply, definition, messages, stop, deps.eventStream ?? DEFAULT_EVENT_STREAM_OPTIONS);
      }
      const run = async (): Promise<StoredResponse> => {
        const result = definition.output.parse(await (handler(input, context) as Promise<unknown>)) as Record<string, unknown>;
        const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };
        if (typeof result?.version === 'number') headers.etag = `"${result.version}"`;
        if (status === 201 && typeof result?.id === 'string') headers.location = `${request.url.split('?')[0]}/${result.id}`;
        return { status, headers, body: JSON.stringify(result) };
      };

      const response =
        key !== undefined && principal !== undefined
          ? await runOnce(deps.idempotency, { principal: principal.id, key, operationId: id, requestId: request.id }, input, run)
          : await run();
      return send(reply, response);
    };
    const route = (target: FastifyInstance) => target.route({ method: definition.method, url: definition.path, handler: answer });
    if (definition.rawBody) {
      // Only this route keeps the body as bytes, whatever its type: a signature covers the exact bytes, not a re-serialised JSON.
      void app.register(async (scope) => {
        scope.removeAllContentTypeParsers();
        scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
        route(scope);
      });
    } else {
      route(app);
    }
  }
};

/** A command refused or failed: which of the outcomes its metrics count. */
const commandFailure = (error: unknown): CommandOutcome => {
  if (error instanceof VersionMismatchError) return 'version_conflict';
  if (error instanceof StreamBusyError) return 'stream_busy';
  const status = error instanceof HttpProblem ? error.status : (error as { statusCode?: number }).statusCode;
  return typeof status === 'number' && status < 500 ? 'refused' : 'failed';
};

const NEVER_ABORTED = new AbortController().signal;

const runOnce = async (
  store: IdempotencyStore,
  request: Omit<Claim, 'fingerprint'>,
  input: unknown,
  run: () => Promise<StoredResponse>,
): Promise<StoredResponse> => {
  const { principal, key, operationId } = request;
  const start = await store.begin({ ...request, fingerprint: requestFingerprint(operationId, input) });
  if (start.kind === 'replay') return { ...start.response, headers: { ...start.response.headers, 'idempotent-replayed': 'true' } };
  try {
    const response = await run();
    await store.complete(principal, key, response);
    return response;
  } catch (error) {
    // When the database went away mid-request the append may have committed with its answer lost;
    // the claim stays, so a retry finds out from the events instead of doing it again.
    if (!isDatabaseUnavailable(error)) await store.abandon(principal, key).catch(() => {});
    throw error;
  }
};

/** A command's Idempotency-Key, checked whenever one is sent: an empty or malformed key is refused, never ignored. */
const idempotencyKey = (request: FastifyRequest): string | undefined => {
  const sent = request.headers['idempotency-key'];
  if (sent === undefined) return undefined;
  const key = headerValue(request, 'idempotency-key');
  if (key === undefined || !IDEMPOTENCY_KEY_PATTERN.test(key)) {
    throw new RequestValidationError([{ field: 'Idempotency-Key', message: 'Use 8-128 letters, digits, dots, dashes, colons or underscores (a UUID is ideal)' }]);
  }
  return key;
};

const send = (reply: FastifyReply, response: StoredResponse) =>
  reply.status(response.status).headers(response.headers).send(response.body);

const headerValue = (request: FastifyRequest, name: string): string | undefined => {
  const value = request.headers[name];
  if (Array.isArray(value)) throw new HttpProblem(400, 'validation_failed', `Send one ${name} header`);
  return value === undefined || value === '' ? undefined : value;
};
