import { isIPv6 } from 'node:net';
import { RateLimitedError } from './problems.js';

/** Keys tracked at once (see makeRoom for what is forgotten past it). */
const MAX_KEYS = 10_000;

/**
 * What "one address" means to a per-address limit. An IPv4 address is one (also when it arrives
 * IPv4-mapped, `::ffff:a.b.c.d`); for IPv6 it is the /64 network, because one subscriber is
 * routinely given a whole /64 and could otherwise step past any limit by changing address.
 */
export const addressKey = (ip: string): string => {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  if (mapped) return mapped[1]!;
  if (!isIPv6(ip)) return ip;
  const [head = '', tail = ''] = ip.toLowerCase().split('::');
  const front = head ? head.split(':') : [];
  const back = ip.includes('::') ? (tail ? tail.split(':') : []) : [];
  const groups = [...front, ...Array(Math.max(0, 8 - front.length - back.length)).fill('0'), ...back];
  return `${groups.slice(0, 4).map((group) => group.replace(/^0+(?=.)/, '')).join(':')}::/64`;
};

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
  // Forgetting every window when the map is full would let anyone with enough keys (addresses,
  // emails) wipe the count of the one they attack. Ended windows go first; then those still under
  // the limit (forgetting one gives its key back at most the rest of one window's allowance);
  // the keys being refused are kept unless nothing else is left.
  const makeRoom = (now: number) => {
    const target = Math.floor(MAX_KEYS * 0.9);
    for (const [key, window] of windows) if (now - window.startedAt >= options.windowMs) windows.delete(key);
    for (const [key, window] of windows) {
      if (windows.size < target) break;
      if (window.count < options.limit) windows.delete(key);
    }
    while (windows.size >= MAX_KEYS) windows.delete(windows.keys().next().value!);
  };
  const count = (key: string, now: number) => {
    let window = current(key, now);
    if (!window) {
      // Re-inserted, so the map stays in order of window start and the oldest is always first.
      windows.delete(key);
      if (windows.size >= MAX_KEYS) makeRoom(now);
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
