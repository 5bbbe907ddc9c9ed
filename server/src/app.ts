import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { PostgresEventStore } from '@event-driven-io/emmett-postgresql';
import { createAuthenticator } from './infra/auth/authenticator.js';
import type { TokenService } from './infra/auth/tokens.js';
import type { Clock } from './infra/clock.js';
import { withDeadline, type Pool } from './infra/database/pool.js';
import { requestLeftEvents } from './infra/eventstore.js';
import { idempotencyStore } from './infra/http/idempotency.js';
import { trackAllowedMethods } from './infra/http/allowed-methods.js';
import { clientErrorHandler, refuseUnsupportedEncodings, routerProblem } from './infra/http/framework-errors.js';
import { buildOpenApiDocument } from './infra/http/openapi.js';
import { parseQueryString } from './infra/http/query-string.js';
import type { HandlerTable } from './infra/http/operations.js';
import { sendProblem } from './infra/http/problem-response.js';
import { HttpProblem } from './infra/http/problems.js';
import { registerOperations } from './infra/http/routes.js';
import { capConnections, DEFAULT_HTTP_LIMITS, fastifyLimitOptions, type HttpLimits } from './infra/http/server-limits.js';
import { RequestLogLine, type LoggerOptions } from './infra/logging.js';
import { productHandlers } from './modules/products/handlers.js';
import { catalogQueries } from './modules/products/projections.js';
import { READINESS_DEADLINE_MS, systemHandlers, SERVER_VERSION, type ReadinessCheck } from './modules/system/handlers.js';
import { apiKeyHandlers } from './modules/api-keys/handlers.js';
import { apiKeyQueries } from './modules/api-keys/projections.js';
import { userHandlers } from './modules/users/handlers.js';
import { accountQueries } from './modules/users/projections.js';

export type AppDependencies = {
  pool: Pool;
  eventStore: PostgresEventStore;
  tokens: TokenService;
  clock: Clock;
  logger?: boolean | LoggerOptions;
  /** Largest accepted request body; larger ones get 413. */
  bodyLimitBytes?: number;
  /** How long an unfinished request holds its Idempotency-Key before a retry looks at what it did. */
  idempotencyStallSeconds?: number;
  /** Request timeouts and connection caps of the listening server (inject does not meet them). */
  httpLimits?: HttpLimits;
  /** Registrations accepted from one address per window; unset parts keep the users module's defaults. */
  signUpLimit?: { perAddress?: number; windowSeconds?: number };
};

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

const DOCS_LOGO =
  '<svg xmlns="http://www.w3.org/2000/svg" width="160" height="32"><text x="0" y="24" font-family="sans-serif" font-size="24" font-weight="700" fill="#ffffff">eventshop</text></svg>';

/** Builds the whole HTTP application without listening, so tests drive it with `inject`. */
export const buildApp = async (deps: AppDependencies): Promise<FastifyInstance> => {
  const httpLimits = deps.httpLimits ?? DEFAULT_HTTP_LIMITS;
  const app = Fastify({
    logger: deps.logger ?? false,
    logController: new RequestLogLine(),
    bodyLimit: deps.bodyLimitBytes ?? 64 * 1024,
    ...fastifyLimitOptions(httpLimits),
    // Honour a caller's request id when it is sane, so logs line up across services.
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    // Refusals from before routing are problems too (framework-errors.ts).
    frameworkErrors: routerProblem,
    clientErrorHandler,
    routerOptions: { querystringParser: parseQueryString },
  });
  const allowedMethods = trackAllowedMethods(app);

  capConnections(app.server, httpLimits);

  // JSON only: without this, Fastify parses text/plain bodies into strings and they fail later, less clearly.
  app.removeContentTypeParser('text/plain');
  app.setErrorHandler((error, request, reply) => sendProblem(reply, request, error));
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0];
    const allow = allowedMethods(request.url);
    if (allow.length > 0) {
      const detail = `${path} answers ${allow.join(', ')}; ${request.method} is not one of them.`;
      return sendProblem(reply, request, new HttpProblem(405, 'method_not_allowed', 'Method not allowed here', detail, {}, { allow: allow.join(', ') }));
    }
    return sendProblem(reply, request, new HttpProblem(404, 'route_not_found', 'No such route', `${request.method} ${path} is not part of this API; see /docs.`));
  });
  app.addHook('onRequest', refuseUnsupportedEncodings);
  app.addHook('onSend', async (request, reply, payload) => {
    reply.header('x-request-id', request.id);
    return payload;
  });

  const checks: ReadinessCheck[] = [
    {
      name: 'database',
      check: async () => {
        await deps.pool.query(withDeadline('SELECT 1', [], READINESS_DEADLINE_MS));
        return { ok: true };
      },
    },
    {
      name: 'read models',
      // Inline projections commit with their events, so they are never behind; this proves their tables answer.
      check: async () => {
        // One statement, so a poll holds one connection at most while the database is slow.
        await deps.pool.query(
          withDeadline(
            `SELECT (SELECT 1 FROM catalog_products LIMIT 1), (SELECT 1 FROM user_accounts LIMIT 1),
                    (SELECT 1 FROM user_addresses LIMIT 1), (SELECT 1 FROM api_keys LIMIT 1)`,
            [],
            READINESS_DEADLINE_MS,
          ),
        );
        return { ok: true, detail: 'inline: updated in each append transaction' };
      },
    },
  ];

  const apiKeys = apiKeyQueries(deps.pool);
  const accounts = accountQueries(deps.pool);
  const authenticator = createAuthenticator(deps.tokens, {
    userAccess: (userId) => accounts.access(userId),
    activeApiKey: (keyHash) => apiKeys.activeByHash(keyHash),
  });

  const handlers = {
    ...systemHandlers({ checks, startedAt: Date.now() }),
    ...userHandlers({ pool: deps.pool, eventStore: deps.eventStore, tokens: deps.tokens, clock: deps.clock, signUpLimit: deps.signUpLimit }),
    ...apiKeyHandlers({ pool: deps.pool, eventStore: deps.eventStore, apiKeys }),
    ...productHandlers({ eventStore: deps.eventStore, catalog: catalogQueries(deps.pool) }),
  } satisfies HandlerTable;

  const document = buildOpenApiDocument({ version: SERVER_VERSION });
  await app.register(swagger, { mode: 'static', specification: { document: document as never } });
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    uiConfig: { docExpansion: 'list', deepLinking: true },
    theme: { title: 'eventshop API reference' },
    logo: { type: 'image/svg+xml', content: Buffer.from(DOCS_LOGO), href: '/docs' },
    // Never send the document to a third-party validator from a reader's browser.
    validatorUrl: false,
  });
  app.get('/openapi.json', { schema: { hide: true } }, async (_request, reply) => reply.type('application/json').send(document));

  const idempotency = idempotencyStore(deps.pool, { stallSeconds: deps.idempotencyStallSeconds, requestLeftEvents: requestLeftEvents(deps.pool) });
  registerOperations(app, { handlers, authenticator, clock: deps.clock, idempotency });
  return app;
};

