import os from 'node:os';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import type { PostgresEventStore } from '@event-driven-io/emmett-postgresql';
import { buildApp, type AppDependencies } from './app.js';
import { createTokenService, loadSigningSecret } from './infra/auth/tokens.js';
import { systemClock, type Clock } from './infra/clock.js';
import type { Config } from './infra/config.js';
import { startEmbeddedPostgres, type EmbeddedDatabase } from './infra/database/embedded.js';
import { migrate, migrateEventLog } from './infra/database/migrations.js';
import { createPool, DATABASE_TIMEOUTS } from './infra/database/pool.js';
import { commitWakeups, createEventStore } from './infra/eventstore.js';
import { LOG_INDEXES } from './infra/log/log-reader.js';
import { ORDER_STORY_INDEXES } from './modules/orders/story.js';
import type { LoggerOptions } from './infra/logging.js';
import { createMetrics, type Metrics } from './infra/observability/metrics.js';
import { inOperation } from './infra/observability/scope.js';
import { snapshotStore } from './infra/snapshots.js';
import type { ScheduledProcessor } from './infra/processors/declaration.js';
import { recordGatewayCallSpan } from './infra/tracing/gateway-spans.js';
import { createPaymentGateway, postgresLedger, SIMULATED_LEDGER_SCHEMA, type BreakerOptions, type GuardedGateway } from './infra/payments/index.js';
import type { DeclaredProcessor } from './infra/processors/overview.js';
import { RECORDER_TABLE, recorderProcessor } from './infra/processors/recorder.js';
import { startProcessors, type ProcessorRuntime, type ProcessorRuntimeOptions } from './infra/processors/runtime.js';
import { inlineProjections, moduleSchemas, shopModules } from './modules/index.js';
import { ensureAdmin } from './modules/users/accounts.js';
import { completeInterruptedErasures } from './modules/users/erasure.js';
import { declaredProcessors } from './ops/processors.js';

export type RunningServer = {
  app: FastifyInstance;
  eventStore: PostgresEventStore;
  databaseUrl: string;
  embedded: boolean;
  admin: Awaited<ReturnType<typeof ensureAdmin>>;
  /** This instance's figures, served at /metrics (and on EVENTSHOP_METRICS_PORT when main.ts opens it). */
  metrics: Metrics;
  /** Records where the server listens, so a second server started on the same data directory can name it. */
  announce(url: string): void;
  /** The background processors this instance may lead; undefined with EVENTSHOP_PROCESSORS=off, or before they start. */
  readonly processors: ProcessorRuntime | undefined;
  /** The payment gateway this instance calls (the breaker's state is read from it). */
  gateway: GuardedGateway;
  /** Starts the processors (and scheduled work) when `deferBackgroundWork` held them back; a no-op otherwise. */
  startBackgroundWork(): Promise<void>;
  close(): Promise<void>;
};

const DATABASE_NAME = 'eventshop';

export { inlineProjections };

/**
 * Everything but `listen`: the database (embedded unless DATABASE_URL is set), the schema,
 * the event store with its inline read models, the signing secret, the bootstrap admin, and the app.
 */
/** The gateway's calls and breaker, as figures and (when tracing is on) spans. */
const observeGateway = (gateway: GuardedGateway, metrics: Metrics) => {
  const outcomes = { ok: 'ok', refused: 'refused', failed: 'failed', rejected: 'rejected' } as const;
  gateway.onCall((call) => {
    metrics.gatewayCall(call.operation, outcomes[call.outcome], call.durationMs / 1000);
    recordGatewayCallSpan(call);
  });
  const breakerState = (state: ReturnType<GuardedGateway['breakerState']>) => metrics.setBreakerState(state === 'half-open' ? 'half_open' : state);
  breakerState(gateway.breakerState());
  gateway.onBreakerStateChange(breakerState);
};

/** A scheduled task whose runs are counted, and whose appends are counted under its name. */
const observedTask = (task: ScheduledProcessor, metrics: Metrics): ScheduledProcessor => ({
  ...task,
  tick: (signal) =>
    inOperation(task.name, async () => {
      try {
        const done = await task.tick(signal);
        metrics.scheduledTaskRan(task.name, 'ok', typeof done === 'number' ? done : 0);
        return done;
      } catch (error) {
        metrics.scheduledTaskRan(task.name, 'failed', 0);
        throw error;
      }
    }),
});

export const createServer = async (
  config: Config,
  options: {
    clock?: Clock;
    logger?: boolean | LoggerOptions;
    log?: (line: string) => void;
    eventStream?: AppDependencies['eventStream'];
    /** `npm start` starts background work after its banner, so nothing logs above the admin password. */
    deferBackgroundWork?: boolean;
    /** Tests: processors declared beside the modules' own, and faster retries. */
    extraProcessors?: readonly DeclaredProcessor[];
    processorOptions?: ProcessorRuntimeOptions;
    /** Tests: the gateway's circuit breaker and Stripe's own retries. */
    gateway?: { breaker?: BreakerOptions; maxNetworkRetries?: number };
  } = {},
): Promise<RunningServer> => {
  const clock = options.clock ?? systemClock;
  let embedded: EmbeddedDatabase | undefined;
  let databaseUrl = config.databaseUrl;
  // Until the app's logger exists, start-up problems go to stderr.
  let notice: (line: string) => void = (line) => process.stderr.write(`${line}\n`);
  if (!databaseUrl) {
    embedded = await startEmbeddedPostgres(`${config.dataDir}/postgres`, { log: options.log, notice: (line) => notice(line) });
    await ensureDatabase(embedded.adminUrl, DATABASE_NAME);
    databaseUrl = embedded.urlFor(DATABASE_NAME);
  }
  try {
    const pool = createPool(databaseUrl);
    await migrate(pool, [...moduleSchemas(), ...SIMULATED_LEDGER_SCHEMA]);
    const eventStore = createEventStore(databaseUrl, pool, inlineProjections());
    await eventStore.schema.migrate();
    await migrateEventLog(pool, [...LOG_INDEXES, ...ORDER_STORY_INDEXES]);
    const tokens = createTokenService(await loadSigningSecret(pool, config.jwtSecret), config.tokenTtlSeconds);
    // A forgetting interrupted by a crash is finished before anything is served.
    await completeInterruptedErasures(pool);
    const admin = await ensureAdmin({ pool, eventStore }, { email: config.adminEmail, password: config.adminPassword, now: clock.now() });
    const extra = [...(options.extraProcessors ?? [])];
    if (config.testRecorder) {
      await pool.query(RECORDER_TABLE);
      extra.push({ module: 'testing', processor: recorderProcessor(instanceName(), config.testRecorder.delayMs) });
    }
    // The simulated gateway keeps its ledger beside the shop's data, so a restart finds what it did.
    const gateway = createPaymentGateway(config.payments, { now: () => clock.now(), simulatedLedger: postgresLedger(pool), ...options.gateway });
    const context = { pool, eventStore, snapshots: snapshotStore(pool), tokens, clock, gateway, orderReservationSeconds: config.orderReservationSeconds };
    const declared = declaredProcessors(shopModules, context, extra);
    const metrics = createMetrics({ pool, processors: { db: pool, declared } });
    observeGateway(gateway, metrics);
    const processors = declared.map((entry) => (entry.processor.kind === 'scheduled' ? { ...entry, processor: observedTask(entry.processor, metrics) } : entry));
    const app = await buildApp({
      metrics,
      metricsToken: config.metrics.token,
      gateway,
      pool,
      eventStore,
      tokens,
      clock,
      logger: options.logger,
      idempotencyStallSeconds: config.idempotencyStallSeconds,
      processors,
      readyMaxLagSeconds: config.readyMaxLagSeconds,
      eventStream: options.eventStream,
      httpLimits: config.http,
      trustedProxies: config.trustedProxies,
      signUpLimit: config.signUpLimit,
      api: config.api,
      orderReservationSeconds: config.orderReservationSeconds,
    });
    notice = (line) => app.log.warn(line);
    let runtime: ProcessorRuntime | undefined;
    const startBackgroundWork = async () => {
      if (runtime || !config.processors) return;
      // Scheduled tasks are led like processors, through the same runtime (listed, paused, taken over alike).
      const led = processors.map((entry) => entry.processor).filter((processor) => processor.kind !== 'scheduled' || config.scheduledTasks);
      runtime = await startProcessors({
        databaseUrl,
        pool,
        processors: led,
        options: {
          maxAttempts: config.processorMaxAttempts,
          retryBaseMs: config.processorRetryMs,
          instance: instanceName(),
          log: (line) => app.log.info(line),
          wakeups: commitWakeups(eventStore),
          ...options.processorOptions,
        },
      });
    };
    if (!options.deferBackgroundWork) await startBackgroundWork();
    return {
      app,
      eventStore,
      databaseUrl,
      embedded: embedded !== undefined,
      admin,
      metrics,
      gateway,
      announce: (url) => embedded?.announce(url),
      get processors() {
        return runtime;
      },
      startBackgroundWork,
      async close() {
        await app.close();
        // Webhooks the simulated gateway is still delivering land before the pool goes.
        await gateway.close?.();
        // After the last request, before the pool goes: the batch in flight finishes, the locks are released.
        await runtime?.stop();
        await eventStore.close().catch(() => {});
        await pool.end().catch(() => {});
        await embedded?.stop();
      },
    };
  } catch (error) {
    await embedded?.stop();
    throw error;
  }
};

const instanceName = () => `${os.hostname()}:${process.pid}`;

const ensureDatabase = async (adminUrl: string, name: string) => {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: DATABASE_TIMEOUTS.connectMs });
  client.on('error', () => {}); // a failure mid-way rejects the statement, and start-up reports that
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rowCount === 0) await client.query(`CREATE DATABASE "${name}"`).catch((error: { code?: string }) => {
      if (error.code !== '42P04') throw error; // created meanwhile by another instance
    });
  } finally {
    await client.end();
  }
};
