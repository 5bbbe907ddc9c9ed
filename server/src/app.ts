import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { PostgresEventStore } from '@event-driven-io/emmett-postgresql';
import { createAuthenticator } from './infra/auth/authenticator.js';
import type { TokenService } from './infra/auth/tokens.js';
import type { Clock } from './infra/clock.js';
import { withDeadline, type Pool } from './infra/database/pool.js';
import { commitWakeups, observeCommands, requestLeftEvents } from './infra/eventstore.js';
import { DEFAULT_EVENT_STREAM_OPTIONS, type EventStreamOptions } from './infra/http/event-stream.js';
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
import { trustedProxyCheck, type TrustedProxies } from './infra/http/trusted-proxies.js';
import { RequestLogLine, withRedaction, type LoggerOptions } from './infra/logging.js';
import { createMetrics, type Metrics } from './infra/observability/metrics.js';
import { registerMetricsRoute } from './infra/observability/metrics-endpoint.js';
import { observeRequests } from './infra/observability/request-metrics.js';
import { registerRequestSpans } from './infra/tracing/request-spans.js';
import { tracing } from './infra/tracing/tracing.js';
import { snapshotStore } from './infra/snapshots.js';
import { apiKeysModule } from './modules/api-keys/module.js';
import { inventoryModule } from './modules/inventory/module.js';
import { paymentsModule } from './modules/payments/module.js';
import type { PaymentGateway } from './infra/payments/gateway.js';
import { ordersModule } from './modules/orders/module.js';
import { apiKeyQueries } from './modules/api-keys/projections.js';
import { shopModules } from './modules/index.js';
import type { ModuleContext } from './modules/module.js';
import { catalogModule } from './modules/products/module.js';
import { READINESS_DEADLINE_MS, systemHandlers, SERVER_VERSION, type ReadinessCheck } from './modules/system/handlers.js';
import { usersModule } from './modules/users/module.js';
import { accountQueries } from './modules/users/projections.js';
import { opsHandlers } from './ops/handlers.js';
import { declaredProcessors, processorHandlers } from './ops/processors.js';
import { inlineReadModels } from './ops/inline-rebuild.js';
import { statusHandlers } from './ops/status.js';
import { processorsReadiness } from './infra/processors/readiness.js';
import type { DeclaredProcessor } from './infra/processors/overview.js';

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
  /** Proxies whose X-Forwarded-For is believed (infra/http/trusted-proxies.ts). */
  trustedProxies?: TrustedProxies | undefined;
  /** Registrations accepted from one address per window; unset parts keep the users module's defaults. */
  signUpLimit?: { perAddress?: number; windowSeconds?: number };
  /** Heartbeat and slow-client bounds of event streams (tests shorten them). */
  eventStream?: Partial<EventStreamOptions>;
  /** Processors to report and control (default: the modules' own). */
  processors?: readonly DeclaredProcessor[];
  /** /ready fails while a running processor trails the log by more than this. */
  readyMaxLagSeconds?: number;
  /** The figures /metrics serves (default: a registry of this app's own). */
  metrics?: Metrics;
  /** The secret that opens /metrics on this port; unset, it is not served here. */
  metricsToken?: string | undefined;
  /** False for a processor instance (EVENTSHOP_API=off): only the system operations (/health, /ready) are served. */
  api?: boolean;
  /** The payment gateway (server.ts builds it from the configuration). */
  gateway: PaymentGateway;
  /** How long stock is held for an unpaid order. */
  orderReservationSeconds?: number;
};

/** What a processor instance still answers: the probes of its orchestrator and load balancer. */
const PROCESSOR_INSTANCE_OPERATIONS = /^system\./;

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

const DOCS_LOGO =
  '<svg xmlns="http://www.w3.org/2000/svg" width="160" height="32"><text x="0" y="24" font-family="sans-serif" font-size="24" font-weight="700" fill="#ffffff">eventshop</text></svg>';

/** Builds the whole HTTP application without listening, so tests drive it with `inject`. */
export const buildApp = async (deps: AppDependencies): Promise<FastifyInstance> => {
  const httpLimits = deps.httpLimits ?? DEFAULT_HTTP_LIMITS;
  const app = Fastify({
    logger: withRedaction(deps.logger),
    logController: new RequestLogLine(),
    bodyLimit: deps.bodyLimitBytes ?? 64 * 1024,
    // request.ip is the client's address, also behind the load balancers named here, and only theirs.
    trustProxy: deps.trustedProxies ? [...deps.trustedProxies] : false,
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
  // First of the hooks, so a request's span covers all of them; none at all with tracing off.
  if (tracing().enabled) registerRequestSpans(app, tracing());

  capConnections(app.server, httpLimits, trustedProxyCheck(deps.trustedProxies));

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
    const detail =
      deps.api === false ? `This instance runs processors only (EVENTSHOP_API=off) and answers /health and /ready; send API requests to an API instance.` : `${request.method} ${path} is not part of this API; see /docs.`;
    return sendProblem(reply, request, new HttpProblem(404, 'route_not_found', 'No such route', detail));
  });
  app.addHook('onRequest', refuseUnsupportedEncodings);
  app.addHook('onSend', async (request, reply, payload) => {
    reply.header('x-request-id', request.id);
    return payload;
  });

  const context: ModuleContext = {
    pool: deps.pool,
    eventStore: deps.eventStore,
    snapshots: snapshotStore(deps.pool),
    tokens: deps.tokens,
    clock: deps.clock,
    gateway: deps.gateway,
    signUpLimit: deps.signUpLimit,
    orderReservationSeconds: deps.orderReservationSeconds,
  };
  const processors = deps.processors ?? declaredProcessors(shopModules, context);
  const metrics = deps.metrics ?? createMetrics({ pool: deps.pool, processors: { db: deps.pool, declared: processors } });
  observeRequests(app, metrics);
  observeCommands(deps.eventStore, metrics.commandObserver);
  registerMetricsRoute(app, metrics, { token: deps.metricsToken });
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
      // Inline projections commit with their events, so they are never behind; this proves every declared table answers.
      check: async () => {
        // One statement, so a poll holds one connection at most while the database is slow.
        const tables = shopModules.flatMap((module) => module.readModels.flatMap((readModel) => readModel.tables));
        await deps.pool.query(withDeadline(`SELECT ${tables.map((table) => `(SELECT 1 FROM ${table} LIMIT 1)`).join(', ')}`, [], READINESS_DEADLINE_MS));
        return { ok: true, detail: `inline: ${tables.length} tables updated in each append transaction` };
      },
    },
    processorsReadiness(deps.pool, processors, deps.readyMaxLagSeconds ?? 30),
  ];

  const apiKeys = apiKeyQueries(deps.pool);
  const accounts = accountQueries(deps.pool);
  const authenticator = createAuthenticator(deps.tokens, {
    userAccess: (userId) => accounts.access(userId),
    activeApiKey: (keyHash) => apiKeys.activeByHash(keyHash),
  });

  // Spelled out module by module (not spread from the list) so a missing handler is still a compile error.
  const startedAt = Date.now();
  const handlers = {
    ...systemHandlers({ checks, startedAt }),
    ...catalogModule.handlers(context),
    ...usersModule.handlers(context),
    ...apiKeysModule.handlers(context),
    ...inventoryModule.handlers(context),
    ...paymentsModule.handlers(context),
    ...ordersModule.handlers(context),
    ...opsHandlers({ db: deps.pool, snapshots: context.snapshots, modules: shopModules, wakeups: commitWakeups(deps.eventStore) }),
    ...processorHandlers({ pool: deps.pool, processors, inlineReadModels: inlineReadModels(shopModules.flatMap((module) => module.readModels)) }),
    ...statusHandlers({ checks, startedAt, pool: deps.pool, processors, metrics }),
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
  registerOperations(app, {
    handlers,
    authenticator,
    clock: deps.clock,
    idempotency,
    eventStream: { ...DEFAULT_EVENT_STREAM_OPTIONS, ...deps.eventStream },
    onCommandAnswered: (operation, outcome) => metrics.commandAnswered(operation, outcome),
    serves: deps.api === false ? (id) => PROCESSOR_INSTANCE_OPERATIONS.test(id) : undefined,
  });
  return app;
};

