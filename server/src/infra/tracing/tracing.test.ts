import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOtlpReceiver } from '../../../../e2e/support/otlp-receiver.js';
import { recordGatewayCallSpan } from './gateway-spans.js';
import { startTracing, stopTracing, tracing, withSpan } from './tracing.js';

let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;

beforeAll(async () => {
  receiver = await startOtlpReceiver();
});
afterAll(async () => {
  await stopTracing();
  await receiver?.close();
});

describe('tracing', () => {
  it('is the no-op until started: withSpan only calls its function, and there is no traceparent', async () => {
    expect(tracing().enabled).toBe(false);
    expect(await withSpan('nothing', {}, () => 42)).toBe(42);
    expect(tracing().traceparent()).toBeUndefined();
    recordGatewayCallSpan({ gateway: 'stripe', operation: 'refund', outcome: 'ok', durationMs: 1 });
  });

  it('once started, nests spans, marks a throw failed, and records gateway calls as client spans of the caller', async () => {
    expect(await startTracing({ OTEL_EXPORTER_OTLP_ENDPOINT: `${receiver.url}/`, OTEL_SERVICE_NAME: 'tracing-test' })).toBe(true);
    let inner: string | undefined;
    await withSpan('checkout', { 'eventshop.order_id': 'o-1' }, async () => {
      inner = tracing().traceparent();
      recordGatewayCallSpan({ gateway: 'stripe', operation: 'captureIntent', outcome: 'failed', durationMs: 40 });
      recordGatewayCallSpan({ gateway: 'stripe', operation: 'confirmIntent', outcome: 'refused', durationMs: 5 });
      await expect(withSpan('doomed', {}, () => Promise.reject(new Error('card vanished')))).rejects.toThrow('card vanished');
    });
    // Stopping sends what is buffered.
    await stopTracing();
    expect(tracing().enabled).toBe(false);

    const checkout = receiver.spans.find((span) => span.name === 'checkout')!;
    expect(checkout).toMatchObject({ service: 'tracing-test', parentSpanId: undefined, attributes: { 'eventshop.order_id': 'o-1' } });
    expect(inner).toBe(`00-${checkout.traceId}-${checkout.spanId}-01`);
    const capture = receiver.spans.find((span) => span.name === 'gateway stripe.captureIntent')!;
    expect(capture).toMatchObject({ kind: 3, parentSpanId: checkout.spanId, traceId: checkout.traceId, status: 2, attributes: { 'eventshop.gateway.outcome': 'failed' } });
    expect(capture.durationMs).toBeCloseTo(40, 0);
    expect(receiver.spans.find((span) => span.name === 'gateway stripe.confirmIntent')).toMatchObject({ parentSpanId: checkout.spanId, status: 0 });
    expect(receiver.spans.find((span) => span.name === 'doomed')).toMatchObject({ parentSpanId: checkout.spanId, status: 2 });
  });
});
