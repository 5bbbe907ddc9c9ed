import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { operations } from '@eventshop/sdk/contract';
import { createColors } from './colors.js';
import { eventLine, type EventForLine } from './event-line.js';
import { messageLineViewFor } from './operation-views.js';
import type { Presentation } from './presentation.js';

const people: Presentation = { colors: createColors(false), forPeople: true };
const orderId = '3f1c2a4e-7b9d-4e8a-9c1f-2d3e4f5a6b7c';
const reserved: EventForLine = {
  position: 7,
  occurredAt: '2026-11-24T13:00:00.000Z',
  type: 'StockReserved',
  streamId: 'inventory-a2b70301-b3c2-535d-9648-85e9b8f0aee3',
  version: 2,
  data: { orderId, quantity: 2 },
};

describe('a stream command’s lines', () => {
  it('show every stream of logged events as the live tail shows them, an order’s story included', () => {
    for (const id of ['ops.events.live', 'orders.watch'] as const) {
      expect(messageLineViewFor(operations[id])(reserved, people)).toBe(eventLine(reserved, people));
    }
    expect(eventLine(reserved, people)).toMatch(/^ +7 {2}2026-11-24 \d{2}:\d{2}:\d{2} {2}StockReserved +inventory-\S+ v2 {2}.*quantity=2/);
  });

  it('show other messages as compact JSON when no view of their own is declared', () => {
    expect(messageLineViewFor({ id: 'testing.stream' as never, output: z.object({ n: z.number() }) })({ n: 1 }, people)).toBe('{"n":1}');
  });
});
