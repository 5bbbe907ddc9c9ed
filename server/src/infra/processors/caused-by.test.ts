import { expect, it } from 'vitest';
import { metadataCausedBy } from './caused-by.js';

it("carries the causing event's correlation id and names the event as the cause", () => {
  const at = new Date('2026-01-02T03:04:05.000Z');
  expect(metadataCausedBy({ eventId: 'ev-1', metadata: { correlationId: 'checkout-9', traceparent: 'ignored' } }, 'fulfillment', at)).toEqual({
    correlationId: 'checkout-9',
    causationId: 'ev-1',
    actorId: null,
    requestId: 'fulfillment',
    occurredAt: '2026-01-02T03:04:05.000Z',
  });
  // An event from before correlation ids starts its own correlation.
  expect(metadataCausedBy({ eventId: 'ev-2', metadata: {} }, 'fulfillment', at).correlationId).toBe('ev-2');
});
