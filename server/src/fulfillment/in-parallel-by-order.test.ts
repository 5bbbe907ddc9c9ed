import { describe, expect, it } from 'vitest';
import type { StoredLogEvent } from '../infra/log/log-reader.js';
import { inParallelByOrder } from './processor.js';

const event = (position: number, orderId: string) => ({ position, eventId: `e${position}`, type: 'OrderConfirmed', data: { orderId } }) as unknown as StoredLogEvent;

/** A promise and the function that settles it, so a test decides when each handler may finish. */
const gate = () => {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
};

describe('a batch of the fulfillment process', () => {
  it('moves different orders along side by side and each order’s events in log order', async () => {
    const timeline: string[] = [];
    const secondOrderStarted = gate();
    await inParallelByOrder([event(1, 'a'), event(2, 'b'), event(3, 'a'), event(4, 'b')], async (e) => {
      timeline.push(`start ${e.position}`);
      // Order a's first event finishes only once order b's has started: it never would, one at a time.
      if (e.position === 1) await secondOrderStarted.opened;
      if (e.position === 2) secondOrderStarted.open();
      timeline.push(`end ${e.position}`);
    });
    const at = (entry: string) => timeline.indexOf(entry);
    expect(at('start 2')).toBeLessThan(at('end 1'));
    expect(at('end 1')).toBeLessThan(at('start 3'));
    expect(at('end 2')).toBeLessThan(at('start 4'));
    expect(timeline.filter((entry) => entry.startsWith('end')).sort()).toEqual(['end 1', 'end 2', 'end 3', 'end 4']);
  });

  it('answers a failure only once every other handler has finished, since they share one transaction', async () => {
    const slow = gate();
    let slowFinished = false;
    const done = inParallelByOrder([event(1, 'a'), event(2, 'b')], async (e) => {
      if (e.position === 1) throw new Error('step failed');
      await slow.opened;
      slowFinished = true;
    });
    let settled = false;
    const outcome = done.then(
      () => 'resolved',
      (error: Error) => error.message,
    );
    void outcome.finally(() => (settled = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(false);
    slow.open();
    expect(await outcome).toBe('step failed');
    expect(slowFinished).toBe(true);
  });
});
