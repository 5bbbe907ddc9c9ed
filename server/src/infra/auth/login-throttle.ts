import { RateLimitedError } from '../http/problems.js';

/**
 * Counts failed sign-ins per account (normalized email) in a fixed window. Once the limit is
 * reached, attempts are refused with 429 before any password is checked, right or wrong, until
 * the window ends; a success clears the count. Unknown emails count the same as known ones, so
 * a 429 says nothing about whether an account exists. Kept in this process, like the per-address
 * limiter: each instance enforces its own share.
 */
export const loginThrottle = (options: { maxFailures: number; windowMs: number; now: () => number }) => {
  const windows = new Map<string, { startedAt: number; failures: number }>();
  const current = (key: string, now: number) => {
    const window = windows.get(key);
    if (window && now - window.startedAt >= options.windowMs) {
      windows.delete(key);
      return undefined;
    }
    return window;
  };
  return {
    /** Throws 429 when the account has used up its failures for this window. */
    check(key: string) {
      const now = options.now();
      const window = current(key, now);
      if (window && window.failures >= options.maxFailures) {
        const retryAfterSeconds = Math.max(1, Math.ceil((window.startedAt + options.windowMs - now) / 1000));
        throw new RateLimitedError(retryAfterSeconds, 'Too many failed sign-in attempts for this account.');
      }
    },
    recordFailure(key: string) {
      const now = options.now();
      const window = current(key, now);
      if (window) window.failures += 1;
      else {
        if (windows.size > 10_000) windows.clear();
        windows.set(key, { startedAt: now, failures: 1 });
      }
    },
    recordSuccess(key: string) {
      windows.delete(key);
    },
  };
};

export type LoginThrottle = ReturnType<typeof loginThrottle>;
