import { RateLimitedError } from './problems.js';

/**
 * Fixed-window counter per key, in this process. Enough to blunt password guessing against
 * one instance; behind several instances each enforces its own share.
 */
export const rateLimiter = (options: { limit: number; windowMs: number; now: () => number }) => {
  const windows = new Map<string, { startedAt: number; count: number }>();
  return {
    hit(key: string, detail?: string) {
      const now = options.now();
      let window = windows.get(key);
      if (!window || now - window.startedAt >= options.windowMs) {
        if (windows.size > 10_000) windows.clear();
        window = { startedAt: now, count: 0 };
        windows.set(key, window);
      }
      window.count += 1;
      if (window.count > options.limit) {
        throw new RateLimitedError(Math.max(1, Math.ceil((window.startedAt + options.windowMs - now) / 1000)), detail);
      }
    },
    reset(key: string) {
      windows.delete(key);
    },
  };
};
