import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Queryable } from '../privacy/keyring.js';
import { processorOverview, type DeclaredProcessor } from '../processors/overview.js';
import { currentOperation } from './scope.js';

/**
 * Every figure the server exposes at `GET /metrics`, on a registry of its own: tests start many
 * servers in one process, and prom-client's global registry would mix their counts (and refuse a
 * second registration of the same name). docs/operations.md lists each series and what it means.
 *
 * Figures that live in the database (processor lag, parked events, rebuilds) are read when
 * Prometheus scrapes, from the same overview `ops.processors.list` answers, rather than being
 * kept a second time in memory where they could drift from it.
 */

/** How a command's request ended, as the route builder sees it (routes.ts). */
export type CommandOutcome = 'applied' | 'replayed' | 'version_conflict' | 'stream_busy' | 'refused' | 'failed';

/** The payments gateway's circuit breaker (server/src/infra/payments/, on branch payments). */
export type BreakerState = 'closed' | 'open' | 'half_open';
export const BREAKER_STATES: readonly BreakerState[] = ['closed', 'open', 'half_open'];

/**
 * What a gateway call came to, as the gateway port reports it: `refused` an answer that says no
 * (a declined card, an unknown token), `failed` an outage, `rejected` the breaker refusing it unsent.
 */
export type GatewayOutcome = 'ok' | 'refused' | 'failed' | 'rejected';

type PoolStats = { totalCount: number; idleCount: number; waitingCount: number; options?: { max?: number } };

export type MetricsSources = {
  /** The pool every request uses; its use is read at scrape time. */
  pool?: PoolStats;
  /** Where processor checkpoints live, and which processors to report. */
  processors?: { db: Queryable; declared: readonly DeclaredProcessor[] };
};

/** Seconds: from a cached read (1 ms) to a request that waited on a slow database (the 503 comes at about 8 s). */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export const createMetrics = (sources: MetricsSources = {}) => {
  const registry = new Registry();
  // Event-loop delay, heap and RSS, CPU, open handles, GC: prom-client's process and Node figures.
  collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const httpRequests = new Counter({
    name: 'eventshop_http_requests_total',
    help: 'HTTP requests answered, by contract operation id (or route for the few others), method and status',
    labelNames: ['operation', 'method', 'status'],
    registers,
  });
  const httpDuration = new Histogram({
    name: 'eventshop_http_request_duration_seconds',
    help: 'Time from request to answer, by operation, method and status (event streams are left out: they last as long as the client stays)',
    labelNames: ['operation', 'method', 'status'],
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const commands = new Counter({
    name: 'eventshop_commands_total',
    help: 'Command requests by operation and outcome: applied, replayed (Idempotency-Key), version_conflict (412), stream_busy (409), refused (other 4xx), failed (5xx)',
    labelNames: ['operation', 'outcome'],
    registers,
  });
  const eventsAppended = new Counter({
    name: 'eventshop_events_appended_total',
    help: 'Events appended by commands, by operation (or background task) and event type',
    labelNames: ['operation', 'type'],
    registers,
  });
  const appendDuration = new Histogram({
    name: 'eventshop_eventstore_append_duration_seconds',
    help: 'One append to the event store (a batch of commands for one stream), by stream type and outcome (conflict: another instance moved the stream, so it is read and decided again)',
    labelNames: ['stream_type', 'outcome'],
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const taskRuns = new Counter({
    name: 'eventshop_scheduled_task_runs_total',
    help: 'Passes of scheduled work (inventory_reservation_expiry) in the instance leading it, by outcome',
    labelNames: ['task', 'outcome'],
    registers,
  });
  const taskItems = new Counter({
    name: 'eventshop_scheduled_task_items_total',
    help: 'Items a scheduled pass handled: for inventory_reservation_expiry, the due holds it expired',
    labelNames: ['task'],
    registers,
  });
  const gatewayCalls = new Counter({
    name: 'eventshop_payment_gateway_calls_total',
    help: 'Calls to the payments gateway by operation and outcome (rejected: refused by the open circuit breaker, never sent)',
    labelNames: ['operation', 'outcome'],
    registers,
  });
  const gatewayDuration = new Histogram({
    name: 'eventshop_payment_gateway_call_duration_seconds',
    help: 'Time a payments gateway call took, by operation and outcome',
    labelNames: ['operation', 'outcome'],
    buckets: LATENCY_BUCKETS,
    registers,
  });
  let breaker: BreakerState | undefined;
  new Gauge({
    name: 'eventshop_payment_gateway_breaker_state',
    help: 'The payments circuit breaker: 1 on its current state (closed, open, half_open); absent until a gateway is in use',
    labelNames: ['state'],
    registers,
    collect() {
      this.reset();
      if (breaker) for (const state of BREAKER_STATES) this.set({ state }, state === breaker ? 1 : 0);
    },
  });

  if (sources.pool) {
    const pool = sources.pool;
    new Gauge({
      name: 'eventshop_db_pool_connections',
      help: 'Connections of the request pool: total open, idle, and max (its size)',
      labelNames: ['state'],
      registers,
      collect() {
        this.set({ state: 'total' }, pool.totalCount);
        this.set({ state: 'idle' }, pool.idleCount);
        if (pool.options?.max !== undefined) this.set({ state: 'max' }, pool.options.max);
      },
    });
    new Gauge({
      name: 'eventshop_db_pool_waiting',
      help: 'Requests waiting for a free connection of the request pool (above 0 for long: the pool is too small or the database slow)',
      registers,
      collect() {
        this.set(pool.waitingCount);
      },
    });
  }

  if (sources.processors) registerProcessorGauges(registry, sources.processors);

  return {
    registry,
    contentType: registry.contentType,
    render: () => registry.metrics(),

    /** Every answered request (app.ts, onResponse). */
    requestAnswered(request: { operation: string; method: string; status: number; seconds: number; stream: boolean }) {
      const labels = { operation: request.operation, method: request.method, status: String(request.status) };
      httpRequests.inc(labels);
      if (!request.stream) httpDuration.observe(labels, request.seconds);
    },
    /** Every command request, once, with how it ended (routes.ts). */
    commandAnswered(operation: string, outcome: CommandOutcome) {
      commands.inc({ operation, outcome });
    },
    /** handleCommand's observer (eventstore.ts): appends and what they recorded. */
    commandObserver: {
      appended(streamName: string, outcome: 'ok' | 'conflict', seconds: number) {
        appendDuration.observe({ stream_type: streamTypeOf(streamName), outcome }, seconds);
      },
      /** Called in the context of the command's caller, so the operation in scope is its own. */
      recorded(types: readonly string[]) {
        const operation = currentOperation() ?? 'background';
        for (const type of types) eventsAppended.inc({ operation, type });
      },
    },
    scheduledTaskRan(task: string, outcome: 'ok' | 'failed', items: number) {
      taskRuns.inc({ task, outcome });
      if (items > 0) taskItems.inc({ task }, items);
    },
    /** For the payments gateway port: one call and how long it took. */
    gatewayCall(operation: string, outcome: GatewayOutcome, seconds: number) {
      gatewayCalls.inc({ operation, outcome });
      if (outcome !== 'rejected') gatewayDuration.observe({ operation, outcome }, seconds);
    },
    /** For the circuit breaker: its state as it changes (`shopctl status` shows it too). */
    setBreakerState(state: BreakerState) {
      breaker = state;
    },
    breakerState: (): BreakerState | undefined => breaker,
  };
};

export type Metrics = ReturnType<typeof createMetrics>;

/** `product-3f1c…` → `product`: stream names are `<type>-<id>` (modules/module.ts), and ids would be unbounded labels. */
export const streamTypeOf = (streamName: string) => {
  const dash = streamName.indexOf('-');
  return dash > 0 ? streamName.slice(0, dash) : streamName;
};

/**
 * Processor figures, read once per scrape: prom-client asks every metric at the same moment, so
 * they share one overview in flight. When the database does not answer, the series are left out
 * and `eventshop_processors_overview_up` says 0, rather than the scrape failing as a whole.
 */
const registerProcessorGauges = (registry: Registry, source: NonNullable<MetricsSources['processors']>) => {
  type Overview = Awaited<ReturnType<typeof processorOverview>>;
  let inFlight: Promise<Overview | undefined> | undefined;
  const overview = () =>
    (inFlight ??= processorOverview(source.db, source.declared)
      .catch(() => undefined)
      .finally(() => {
        inFlight = undefined;
      }));
  const registers = [registry];
  const perProcessor = (name: string, help: string, value: (item: Overview[number]) => number | undefined, extraLabels: string[] = []) =>
    new Gauge({
      name,
      help,
      labelNames: ['processor', 'kind', 'module', ...extraLabels],
      registers,
      async collect() {
        this.reset();
        for (const item of (await overview()) ?? []) {
          const figure = value(item);
          if (figure !== undefined) this.set({ processor: item.name, kind: item.kind, module: item.module }, figure);
        }
      },
    });
  new Gauge({
    name: 'eventshop_processors_overview_up',
    help: '1 when the processor figures below could be read from the database at this scrape, 0 when not',
    registers,
    async collect() {
      this.set((await overview()) === undefined ? 0 : 1);
    },
  });
  perProcessor('eventshop_processor_lag_events', 'Events the processor handles that are committed and not handled yet', (item) => item.lagEvents);
  perProcessor('eventshop_processor_lag_seconds', 'Age of the oldest event the processor has not handled yet (0 when caught up)', (item) => item.lagSeconds);
  perProcessor('eventshop_processor_parked_events', 'Parked and blocked events waiting for an operator (shopctl failures list)', (item) => item.parked);
  perProcessor('eventshop_processor_checkpoint_position', 'Global position of the last event the processor handled', (item) => item.checkpoint);
  perProcessor('eventshop_processor_led', '1 while some instance holds the processor (runs it), 0 when none does', (item) => (item.heldBy === null ? 0 : 1));
  perProcessor('eventshop_read_model_rebuild_running', '1 while a rebuild of the read model runs', (item) => (item.rebuild ? (item.rebuild.status === 'running' ? 1 : 0) : undefined));
  perProcessor('eventshop_read_model_rebuild_events_done', 'Events the running or last rebuild has replayed', (item) => item.rebuild?.eventsDone);
  perProcessor('eventshop_read_model_rebuild_events_total', 'Events the running or last rebuild has to replay', (item) => item.rebuild?.eventsTotal);
  new Gauge({
    name: 'eventshop_processor_status',
    help: 'The processor status ops.processors.list reports: 1 on its current one (running, catching_up, rebuilding, paused, failing, stopped)',
    labelNames: ['processor', 'status'],
    registers,
    async collect() {
      this.reset();
      for (const item of (await overview()) ?? []) this.set({ processor: item.name, status: item.status }, 1);
    },
  });
};
