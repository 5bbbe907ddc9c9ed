import { describe, expect, it } from 'vitest';
import { passwordWork } from './password-work.js';

/** Work that finishes when the test says so, recording when it started. */
const gatedWork = (started: string[]) => {
  const gates = new Map<string, () => void>();
  return {
    job: (name: string) => () =>
      new Promise<string>((resolve) => {
        started.push(name);
        gates.set(name, () => resolve(name));
      }),
    finish: async (name: string) => {
      gates.get(name)!();
      // Let the finished job's bookkeeping and the next start run.
      for (let turn = 0; turn < 5; turn++) await new Promise((resolve) => setImmediate(resolve));
    },
  };
};

describe('password work admission', () => {
  it('keeps a slot for sign-ins: hashes never take the last one', async () => {
    const started: string[] = [];
    const { job, finish } = gatedWork(started);
    const work = passwordWork({ slots: 2, maxWaitingHashes: 10, maxWaitingVerifications: 10 });
    const hashes = ['h1', 'h2', 'h3'].map((name) => work.hash(job(name)));
    const check = work.verify(job('v1'));
    await finish('h1');
    expect(started).toEqual(['h1', 'v1', 'h2']);
    await finish('v1');
    await finish('h2');
    await finish('h3');
    expect(await Promise.all([...hashes, check])).toEqual(['h1', 'h2', 'h3', 'v1']);
  });

  it('starts a waiting sign-in before waiting hashes when a slot frees up', async () => {
    const started: string[] = [];
    const { job, finish } = gatedWork(started);
    const work = passwordWork({ slots: 1, maxWaitingHashes: 10, maxWaitingVerifications: 10 });
    const all = [work.hash(job('h1')), work.hash(job('h2')), work.hash(job('h3')), work.verify(job('v1'))];
    await finish('h1');
    expect(started).toEqual(['h1', 'v1']);
    await finish('v1');
    await finish('h2');
    await finish('h3');
    await Promise.all(all);
    expect(started).toEqual(['h1', 'v1', 'h2', 'h3']);
  });

  it('refuses work past the waiting line at once with 429 and Retry-After, and passes failures through', async () => {
    const started: string[] = [];
    const { job, finish } = gatedWork(started);
    const work = passwordWork({ slots: 1, maxWaitingHashes: 2, maxWaitingVerifications: 1 });
    const accepted = [work.hash(job('h1')), work.hash(job('h2')), work.hash(job('h3'))];
    await expect(work.hash(job('h4'))).rejects.toMatchObject({ status: 429, code: 'rate_limited', headers: { 'retry-after': expect.stringMatching(/^[1-9]\d*$/) } });
    const failing = expect(work.verify(async () => Promise.reject(new Error('bad salt')))).rejects.toThrow('bad salt');
    for (const name of ['h1', 'h2', 'h3']) await finish(name);
    await failing;
    expect(await Promise.all(accepted)).toEqual(['h1', 'h2', 'h3']);
    expect(started).not.toContain('h4');
  });
});
