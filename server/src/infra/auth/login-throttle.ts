import { rateLimiter } from '../http/rate-limit.js';

/**
 * Counts failed sign-ins per account (normalized email) in a fixed window. Once the limit is
 * reached, attempts are refused with 429 before any password is checked, right or wrong, until
 * the window ends; a success clears the count. Unknown emails count the same as known ones, so
 * a 429 says nothing about whether an account exists. Kept in this process, like the per-address
 * limiter: each instance enforces its own share.
 */
export const loginThrottle = (options: { maxFailures: number; windowMs: number; now: () => number }) => {
  // Only failures are counted, so the check before the password must not count the attempt itself.
  const failures = rateLimiter({ limit: options.maxFailures, windowMs: options.windowMs, now: options.now });
  return {
    /** Throws 429 when the account has used up its failures for this window. */
    check(key: string) {
      failures.check(key, 'Too many failed sign-in attempts for this account.');
    },
    recordFailure(key: string) {
      failures.record(key);
    },
    recordSuccess(key: string) {
      failures.reset(key);
    },
  };
};

export type LoginThrottle = ReturnType<typeof loginThrottle>;
