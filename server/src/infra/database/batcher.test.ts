import { describe, expect, it } from 'vitest';
import { batcher } from './batcher.js';

describe('batcher', () => {
  it('runs calls made in the same turn as one batch, each caller getting its own result', async () => {
    const batches: number[][] = [];
    const double = batcher(async (inputs: number[]) => {
      batches.push(inputs);
      return inputs.map((n) => n * 2);
    });
    const results = await Promise.all([double(1), double(2), double(3)]);
    expect(results).toEqual([2, 4, 6]);
    expect(batches).toEqual([[1, 2, 3]]);
  });

  it('starts a new batch for calls made after the previous one was sent', async () => {
    const batches: number[][] = [];
    const echo = batcher(async (inputs: number[]) => {
      batches.push(inputs);
      return inputs;
    });
    await echo(1);
    await Promise.all([echo(2), echo(3)]);
    expect(batches).toEqual([[1], [2, 3]]);
  });

  it('holds calls made while a batch is in flight and sends them together when it returns', async () => {
    const batches: number[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const echo = batcher(async (inputs: number[]) => {
      batches.push(inputs);
      if (batches.length === 1) await gate;
      return inputs;
    });
    const first = echo(1);
    await new Promise((resolve) => setImmediate(resolve));
    const later = [echo(2), echo(3)];
    await new Promise((resolve) => setImmediate(resolve));
    expect(batches).toEqual([[1]]);
    release();
    expect(await Promise.all([first, ...later])).toEqual([1, 2, 3]);
    expect(batches).toEqual([[1], [2, 3]]);
  });

  it('sends at most a full batch at a time', async () => {
    const batches: number[][] = [];
    const echo = batcher(async (inputs: number[]) => {
      batches.push(inputs);
      return inputs;
    }, { maxBatch: 2 });
    expect(await Promise.all([echo(1), echo(2), echo(3)])).toEqual([1, 2, 3]);
    expect(batches).toEqual([[1, 2], [3]]);
  });

  it('fails every caller of a batch whose statement failed, and only those', async () => {
    let calls = 0;
    const flaky = batcher(async (inputs: number[]) => {
      calls += 1;
      if (calls === 1) throw new Error('connection lost');
      return inputs;
    });
    const first = await Promise.allSettled([flaky(1), flaky(2)]);
    expect(first.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(await flaky(3)).toBe(3);
  });

  it('fails only the input that broke the statement, and answers the rest of its batch', async () => {
    const batches: number[][] = [];
    const lookup = batcher(async (inputs: number[]) => {
      batches.push(inputs);
      // What PostgreSQL answers when one of the ids is not a UUID: the whole statement fails.
      if (inputs.includes(13)) throw Object.assign(new Error('invalid input syntax for type uuid'), { code: '22P02' });
      return inputs.map((n) => n * 10);
    });
    const inputs = Array.from({ length: 40 }, (_, index) => index);
    const results = await Promise.allSettled(inputs.map((n) => lookup(n)));
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(1);
    expect(results[13]).toMatchObject({ status: 'rejected', reason: { code: '22P02' } });
    expect(results.flatMap((r, index) => (index === 13 ? [] : [r]))).toEqual(
      inputs.filter((n) => n !== 13).map((n) => ({ status: 'fulfilled', value: n * 10 })),
    );
    // Halving finds the culprit in about two statements per level, not one per input.
    expect(batches.length).toBeLessThanOrEqual(1 + 2 * Math.ceil(Math.log2(inputs.length)));
  });

  it('does not split a batch on a failure every input would meet, such as a lost connection', async () => {
    let calls = 0;
    const down = batcher(async (_inputs: number[]) => {
      calls += 1;
      throw Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
    });
    const results = await Promise.allSettled([1, 2, 3, 4].map((n) => down(n)));
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected', 'rejected']);
    expect(calls).toBe(1);
  });
});
