import { describe, expect, it } from 'vitest';
import type { StoredLogEvent } from '../log/log-reader.js';
import { batchSpanOptions } from './trace-context.js';

const event = (position: number, metadata: Record<string, unknown>): StoredLogEvent => ({
  position,
  transactionId: '1',
  eventId: `e${position}`,
  streamId: 'product-1',
  streamType: 'product',
  version: position,
  type: 'ProductCreated',
  data: {},
  metadata,
  occurredAt: '2026-01-01T00:00:00.000Z',
});
const parent = (trace: string, span: string) => `00-${trace.repeat(32)}-${span.repeat(16)}-01`;

describe("a processor batch's span", () => {
  it('continues the one trace its events came from, and links to each command', () => {
    const { options, attributes } = batchSpanOptions('stats', [event(1, { traceparent: parent('a', '1'), correlationId: 'c1' }), event(2, { traceparent: parent('a', '2'), correlationId: 'c1' })]);
    expect(options).toEqual({ kind: 'consumer', parent: parent('a', '1'), links: [parent('a', '1'), parent('a', '2')] });
    expect(attributes).toMatchObject({ 'eventshop.events': 2, 'eventshop.first_position': 1, 'eventshop.last_position': 2, 'eventshop.correlation_ids': ['c1'] });
  });

  it('starts a trace of its own, linked to each, when its events came from several traces', () => {
    const { options } = batchSpanOptions('stats', [event(1, { traceparent: parent('a', '1') }), event(2, { traceparent: parent('b', '2') }), event(3, {})]);
    expect(options).toEqual({ kind: 'consumer', parent: null, links: [parent('a', '1'), parent('b', '2')] });
  });
});
