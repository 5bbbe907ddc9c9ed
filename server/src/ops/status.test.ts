import { describe, expect, it } from 'vitest';
import { needsAttention } from './status.js';

const processor = (overrides: Record<string, unknown> = {}) => ({
  name: 'catalog_category_stats',
  kind: 'read-model' as const,
  module: 'catalog',
  handles: ['ProductCreated'],
  status: 'running' as const,
  checkpoint: 10,
  head: 10,
  lagEvents: 0,
  lagSeconds: 0,
  heldBy: 'host:1',
  parked: 0,
  lastError: null,
  updatedAt: '2026-11-24T12:00:00.000Z',
  rebuild: null,
  ...overrides,
});

const healthy = {
  version: '0.1.0',
  instance: 'host:1',
  uptimeSeconds: 5,
  ready: true,
  checks: [{ name: 'database', ok: true }],
  processors: [processor()],
  parked: 0,
  database: { connections: 2, idle: 2, waiting: 0, max: 20 },
  payments: { breaker: 'closed' as const },
};

describe('needsAttention', () => {
  it('says nothing when all is well', () => {
    expect(needsAttention(healthy)).toEqual([]);
  });

  it('puts a failed readiness check first, then the breaker, then processors, then the pool', () => {
    const lines = needsAttention({
      ...healthy,
      ready: false,
      checks: [{ name: 'database', ok: false, detail: 'no answer within 800 ms' }],
      payments: { breaker: 'open' },
      processors: [processor({ status: 'stopped', heldBy: null }), processor({ name: 'orders_fulfillment', status: 'catching_up', lagEvents: 5000, lagSeconds: 12.5 })],
      database: { connections: 20, idle: 0, waiting: 7, max: 20 },
    });
    expect(lines).toEqual([
      'Not ready: database — no answer within 800 ms. The load balancer sends this instance nothing until it passes.',
      'Payments: the circuit breaker is open, so payments are refused at once. Check the gateway; it closes by itself after a trial call succeeds.',
      'Processor catalog_category_stats is stopped: no instance runs it. Start an instance with processors on (EVENTSHOP_PROCESSORS).',
      'Processor orders_fulfillment is 5000 events (12.5 s) behind.',
      'Database: 7 requests wait for a connection (pool of 20). The database is slow or the pool too small.',
    ]);
  });

  it('names a paused processor and one retrying an event, with their next steps', () => {
    expect(needsAttention({ ...healthy, processors: [processor({ status: 'paused' }), processor({ name: 'other', status: 'failing', lastError: 'boom' })] })).toEqual([
      'Processor catalog_category_stats is paused. Run `shopctl processors resume catalog_category_stats` when it should carry on.',
      'Processor other is retrying an event: boom.',
    ]);
  });
});
