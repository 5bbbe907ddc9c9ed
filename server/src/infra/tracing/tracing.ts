/**
 * Tracing as the server sees it: spans around requests, commands, processor batches and gateway
 * calls, and the W3C `traceparent` that carries a trace through event metadata into the
 * processors. This file imports nothing from OpenTelemetry. Until `startTracing` finds
 * OTEL_EXPORTER_OTLP_ENDPOINT set, every call lands on the no-op below, and OpenTelemetry is
 * never loaded (a test holds that: e2e/traces.test.ts).
 */

export type SpanAttributes = Record<string, string | number | boolean | readonly string[] | undefined>;

/** As OpenTelemetry names them: a request we serve, a call we make, a message we consume. */
export type SpanKind = 'internal' | 'server' | 'client' | 'consumer';

export type SpanOptions = {
  kind?: SpanKind | undefined;
  /**
   * A W3C traceparent to continue instead of the active span (a request's header, an event's
   * metadata); null starts a new trace whatever is active.
   */
  parent?: string | null | undefined;
  /** Traceparents of other traces this span follows from (the appends of a processor batch's events). */
  links?: readonly string[] | undefined;
};

/** One span, ended exactly once (later calls to `end` are ignored). */
export type SpanHandle = {
  setAttributes(attributes: SpanAttributes): void;
  /** Marks the span failed and records the error on it. */
  fail(error: unknown): void;
  /** Runs `fn` with this span active, so the spans and traceparents made inside are its children. */
  run<T>(fn: () => T): T;
  end(): void;
};

export type Tracing = {
  readonly enabled: boolean;
  startSpan(name: string, attributes: SpanAttributes, options?: SpanOptions): SpanHandle;
  /**
   * Records a span that already happened, as a child of the active span: for work that reports
   * itself once done (the payments gateway's onCall).
   */
  recordSpan(name: string, attributes: SpanAttributes, timing: { kind?: SpanKind; startTime: Date; endTime?: Date; failed?: string | undefined }): void;
  /** The active span's W3C traceparent, to store beside an event; undefined with tracing off or no span. */
  traceparent(): string | undefined;
  /** Sends the spans still buffered; at the end of a clean stop. */
  shutdown(): Promise<void>;
};

const NO_SPAN: SpanHandle = { setAttributes() {}, fail() {}, run: (fn) => fn(), end() {} };

const noTracing: Tracing = {
  enabled: false,
  startSpan: () => NO_SPAN,
  recordSpan() {},
  traceparent: () => undefined,
  shutdown: async () => {},
};

let active: Tracing = noTracing;

/** The process's tracing: OpenTelemetry once started, the no-op otherwise. */
export const tracing = (): Tracing => active;

/**
 * Runs `fn` in a span named `name` that ends when `fn` settles and is marked failed when it
 * throws. Wrap anything worth seeing in a trace in it: a payment gateway call is
 * `withSpan('gateway stripe.capture', { 'eventshop.payment_id': id }, () => ..., { kind: 'client' })`.
 * With tracing off it is a plain call of `fn`.
 */
export const withSpan = async <T>(name: string, attributes: SpanAttributes, fn: (span: SpanHandle) => Promise<T> | T, options?: SpanOptions): Promise<T> => {
  if (!active.enabled) return fn(NO_SPAN);
  const span = active.startSpan(name, attributes, options);
  try {
    return await span.run(() => fn(span));
  } catch (error) {
    span.fail(error);
    throw error;
  } finally {
    span.end();
  }
};

/**
 * Starts OpenTelemetry when OTEL_EXPORTER_OTLP_ENDPOINT (or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT)
 * is set, and only then imports it. Returns whether tracing is on.
 */
export const startTracing = async (env: NodeJS.ProcessEnv = process.env): Promise<boolean> => {
  if (active.enabled) return true;
  if (!env.OTEL_EXPORTER_OTLP_ENDPOINT && !env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return false;
  const { openTelemetryTracing } = await import('./open-telemetry.js');
  active = openTelemetryTracing(env);
  return true;
};

/** Flushes and stops OpenTelemetry (if it runs); tracing is the no-op afterwards. */
export const stopTracing = async (): Promise<void> => {
  const stopping = active;
  active = noTracing;
  await stopping.shutdown();
};
