import { availableParallelism } from 'node:os';
import { RateLimitedError } from '../http/problems.js';

/**
 * Admission for scrypt work. Each hash or verification takes a libuv thread and most of a core
 * for tens of milliseconds; unbounded, 64 parallel registrations from one address queued ahead of
 * every sign-in and pushed a real user's login from 105 ms to 2.5 s. Here the work runs a few at a
 * time, in two lanes:
 *
 * - verifications (sign-in, checking a current password) go first whenever a slot frees up;
 * - hashes of new passwords (registration, password change) may hold all slots but one, so a
 *   sign-in never waits behind more than the hash already running in its slot.
 *
 * Each lane has a bounded waiting line. Past it the caller gets 429 with a Retry-After estimated
 * from how long the work takes, at once, instead of making everyone slower.
 */
export type PasswordWorkOptions = {
  /** scrypt calls running at once (each takes a libuv thread; the pool has 4 by default). */
  slots: number;
  /** Hashes that may wait for a slot before further ones are refused. */
  maxWaitingHashes: number;
  /** Verifications that may wait for a slot before further ones are refused. */
  maxWaitingVerifications: number;
};

export const DEFAULT_PASSWORD_WORK: PasswordWorkOptions = {
  slots: Math.max(1, Math.min(4, availableParallelism())),
  maxWaitingHashes: 8,
  maxWaitingVerifications: 64,
};

type Job = { run: () => Promise<unknown>; resolve: (value: unknown) => void; reject: (error: unknown) => void; lane: 'hash' | 'verify' };

export const passwordWork = (options: PasswordWorkOptions = DEFAULT_PASSWORD_WORK) => {
  const hashSlots = options.slots > 1 ? options.slots - 1 : 1;
  const waiting = { hash: [] as Job[], verify: [] as Job[] };
  let running = 0;
  let runningHashes = 0;
  // What one call takes, smoothed, for the Retry-After of a refusal (scrypt at N=2^15: ~50-100 ms).
  let averageMs = 100;

  const next = (): Job | undefined => {
    if (waiting.verify.length > 0) return waiting.verify.shift();
    if (runningHashes < hashSlots) return waiting.hash.shift();
    return undefined;
  };

  const pump = () => {
    while (running < options.slots) {
      const job = next();
      if (!job) return;
      running += 1;
      if (job.lane === 'hash') runningHashes += 1;
      const started = performance.now();
      job.run().then(job.resolve, job.reject).finally(() => {
        averageMs = averageMs * 0.8 + (performance.now() - started) * 0.2;
        running -= 1;
        if (job.lane === 'hash') runningHashes -= 1;
        pump();
      });
    }
  };

  const admit = <T>(lane: Job['lane'], run: () => Promise<T>, limit: number, slots: number): Promise<T> => {
    if (waiting[lane].length >= limit) {
      const seconds = Math.max(1, Math.ceil(((waiting[lane].length + 1) * averageMs) / slots / 1000));
      return Promise.reject(new RateLimitedError(seconds, 'The server is busy with other sign-ups and sign-ins.'));
    }
    return new Promise<T>((resolve, reject) => {
      waiting[lane].push({ run, resolve: resolve as (value: unknown) => void, reject, lane });
      pump();
    });
  };

  return {
    /** Runs a new password's hashing, behind any waiting sign-in. */
    hash: <T>(run: () => Promise<T>) => admit('hash', run, options.maxWaitingHashes, hashSlots),
    /** Runs a password check, ahead of any waiting hash. */
    verify: <T>(run: () => Promise<T>) => admit('verify', run, options.maxWaitingVerifications, options.slots),
  };
};

export type PasswordWork = ReturnType<typeof passwordWork>;
