import { RateLimitedError } from './problems.js';

/**
 * Fixed-window counter per key, in this process. Enough to blunt password guessing against
 * one instance; behind several instances each enforces its own share.
 */
export const rateLimiter = (options: { limit: number; windowMs: number; now: () => number }) => {
  const windows = new Map<string, { startedAt: number; count: number }>();
  /** The key's window, unless it has ended. */
  const current = (key: string, now: number) => {
    const window = windows.get(key);
    return window && now - window.startedAt < options.windowMs ? window : undefined;
  };
  const count = (key: string, now: number) => {
    let window = current(key, now);
    if (!window) {
      if (windows.size > 10_000) windows.clear();
      window = { startedAt: now, count: 0 };
      windows.set(key, window);
    }
    window.count += 1;
    return window;
  };
  const refused = (window: { startedAt: number }, now: number, detail: string | undefined) =>
    new RateLimitedError(Math.max(1, Math.ceil((window.startedAt + options.windowMs - now) / 1000)), detail);
  return {
    /** Counts this use, and throws 429 when it is more than the window allows. */
    hit(key: string, detail?: string) {
      const now = options.now();
      const window = count(key, now);
      if (window.count > options.limit) throw refused(window, now, detail);
    },
    /** Throws 429 when the key has used up its window, without counting this call. */
    check(key: string, detail?: string) {
      const now = options.now();
      const window = current(key, now);
      if (window && window.count >= options.limit) throw refused(window, now, detail);
    },
    /** Counts a use without refusing it; a later check (or hit) is what refuses. */
    record(key: string) {
      count(key, options.now());
    },
    reset(key: string) {
      windows.delete(key);
    },
  };
};
