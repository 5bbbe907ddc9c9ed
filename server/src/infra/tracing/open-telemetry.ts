import { context, propagation, ROOT_CONTEXT, SpanKind as OtelSpanKind, SpanStatusCode, trace, type Attributes, type Link, type Span } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { SpanAttributes, SpanHandle, SpanKind, SpanOptions, Tracing } from './tracing.js';

/**
 * The OpenTelemetry side of tracing.ts, loaded only when tracing is on. Spans go in batches to
 * the OTLP/HTTP endpoint of OTEL_EXPORTER_OTLP_ENDPOINT (`/v1/traces` is appended; JSON
 * encoding), which the exporter reads from the environment with the other OTEL_* settings
 * (headers, timeout, OTEL_BSP_* batching). The provider is registered globally, which brings the
 * AsyncLocalStorage context manager (a span stays active across awaits) and W3C trace context.
 */
export const openTelemetryTracing = (env: NodeJS.ProcessEnv): Tracing => {
  // The exporter reads its other settings (headers, timeout) from process.env itself; the address comes from `env`.
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({
      'service.name': env.OTEL_SERVICE_NAME || 'eventshop',
      'service.instance.id': env.HOSTNAME ? `${env.HOSTNAME}:${process.pid}` : String(process.pid),
    }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: tracesUrl(env) }))],
  });
  provider.register();
  const tracer = trace.getTracer('eventshop');

  const startSpan = (name: string, attributes: SpanAttributes, options: SpanOptions = {}): SpanHandle => {
    const parent = options.parent === undefined ? context.active() : options.parent === null ? ROOT_CONTEXT : contextOf(options.parent);
    const links = (options.links ?? []).flatMap((traceparent): Link[] => {
      const linked = trace.getSpanContext(contextOf(traceparent));
      return linked ? [{ context: linked }] : [];
    });
    const span = tracer.startSpan(name, { kind: KINDS[options.kind ?? 'internal'], attributes: defined(attributes), links }, parent);
    return handleOf(span, parent);
  };

  return {
    enabled: true,
    startSpan,
    recordSpan(name, attributes, timing) {
      const span = tracer.startSpan(name, { kind: KINDS[timing.kind ?? 'internal'], attributes: defined(attributes), startTime: timing.startTime }, context.active());
      if (timing.failed !== undefined) span.setStatus({ code: SpanStatusCode.ERROR, message: timing.failed });
      span.end(timing.endTime ?? new Date());
    },
    traceparent() {
      const carrier: Record<string, string> = {};
      propagation.inject(context.active(), carrier);
      return carrier.traceparent;
    },
    shutdown: () => provider.shutdown(),
  };
};

/** OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as it is; OTEL_EXPORTER_OTLP_ENDPOINT is a base that `/v1/traces` is added to (the OTLP rule). */
const tracesUrl = (env: NodeJS.ProcessEnv) => env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || `${env.OTEL_EXPORTER_OTLP_ENDPOINT!.replace(/\/+$/, '')}/v1/traces`;

const KINDS: Record<SpanKind, OtelSpanKind> = {
  internal: OtelSpanKind.INTERNAL,
  server: OtelSpanKind.SERVER,
  client: OtelSpanKind.CLIENT,
  consumer: OtelSpanKind.CONSUMER,
};

/** A context holding the remote span a traceparent names (the root context when it is malformed). */
const contextOf = (traceparent: string) => propagation.extract(ROOT_CONTEXT, { traceparent });

const handleOf = (span: Span, parent: ReturnType<typeof context.active>): SpanHandle => {
  const active = trace.setSpan(parent, span);
  let ended = false;
  return {
    setAttributes: (attributes) => void span.setAttributes(defined(attributes)),
    fail(error) {
      span.recordException(error instanceof Error ? error : String(error));
      span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
    },
    run: (fn) => context.with(active, fn),
    end() {
      if (ended) return;
      ended = true;
      span.end();
    },
  };
};

const defined = (attributes: SpanAttributes): Attributes =>
  Object.fromEntries(Object.entries(attributes).filter(([, value]) => value !== undefined)) as Attributes;
