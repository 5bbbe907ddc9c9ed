import { afterEach, describe, expect, it, vi } from 'vitest';
import { INITIAL_RETRY_DELAY_MS, MAX_RETRY_DELAY_MS, retryDelayMs, shouldRetry, type Attempt } from './retry.js';

/** A first attempt of a safe request that got no answer: every rule below changes one thing. */
const base: Attempt = { retriesSoFar: 0, maxRetries: 2, safeToRepeat: true, aborted: false, status: undefined, headers: undefined };

describe('shouldRetry', () => {
  // In rule order; each row would be decided differently by a later rule, so a reordering fails here.
  const rules: [string, Partial<Attempt>, boolean][] = [
    ['stops when out of retries, even with no answer', { retriesSoFar: 2 }, false],
    ['stops when out of retries, even when the server says retry', { retriesSoFar: 2, status: 503, headers: { 'x-should-retry': 'true' } }, false],
    ['stops when retries are turned off', { maxRetries: 0 }, false],
    ['stops when the caller aborted, even with no answer', { aborted: true }, false],
    ['stops when repeating is unsafe, even with no answer', { safeToRepeat: false }, false],
    ['stops when repeating is unsafe, even on a 503', { safeToRepeat: false, status: 503 }, false],
    ['retries when no answer arrived', {}, true],
    ['retries on the last allowed retry', { retriesSoFar: 1 }, true],
    ['obeys x-should-retry: true on an answer it would not retry', { status: 409, headers: { 'x-should-retry': 'true' } }, true],
    ['obeys x-should-retry: false on an answer it would retry', { status: 503, headers: { 'x-should-retry': 'false' } }, false],
    ['retries a 429', { status: 429 }, true],
    ['retries a 502', { status: 502 }, true],
    ['retries a 503', { status: 503 }, true],
    ['retries a 504', { status: 504 }, true],
    ['does not retry a 500 (a bug answers the same way twice)', { status: 500 }, false],
    ['does not retry a 400', { status: 400 }, false],
    ['does not retry a 401', { status: 401 }, false],
    ['does not retry a 404', { status: 404 }, false],
    ['does not retry a 409 the server did not mark', { status: 409 }, false],
    ['does not retry a 412', { status: 412 }, false],
  ];

  it.each(rules)('%s', (_rule, change, expected) => {
    expect(shouldRetry({ ...base, ...change })).toBe(expected);
  });
});

describe('retryDelayMs', () => {
  afterEach(() => vi.restoreAllMocks());

  const ceiling = (retriesSoFar: number) => Math.min(MAX_RETRY_DELAY_MS, INITIAL_RETRY_DELAY_MS * 2 ** retriesSoFar);

  it.each([0, 1, 2, 3, 4, 5, 6, 10])('waits between half the ceiling and the ceiling after %i retries', (retriesSoFar) => {
    vi.spyOn(Math, 'random').mockReturnValue(0);
    expect(retryDelayMs(retriesSoFar)).toBe(ceiling(retriesSoFar) / 2);
    vi.spyOn(Math, 'random').mockReturnValue(0.999999);
    const longest = retryDelayMs(retriesSoFar);
    expect(longest).toBeLessThan(ceiling(retriesSoFar));
    expect(longest).toBeGreaterThan(ceiling(retriesSoFar) * 0.99);
  });

  it('grows exponentially and is capped at MAX_RETRY_DELAY_MS', () => {
    vi.spyOn(Math, 'random').mockReturnValue(0);
    expect([0, 1, 2, 3, 4, 5, 6].map((n) => retryDelayMs(n))).toEqual([125, 250, 500, 1000, 2000, 4000, 4000]);
  });

  it('keeps real jitter inside the bounds', () => {
    for (let i = 0; i < 200; i++) {
      const delay = retryDelayMs(2);
      expect(delay).toBeGreaterThanOrEqual(ceiling(2) / 2);
      expect(delay).toBeLessThanOrEqual(ceiling(2));
    }
  });

  it.each([
    ['0', 0],
    ['1', 1000],
    ['30', 30_000],
    ['60', 60_000],
  ])('honours Retry-After: %s', (retryAfter, expected) => {
    expect(retryDelayMs(3, { 'retry-after': retryAfter })).toBe(expected);
  });

  it.each(['61', '-1', 'soon', 'Wed, 21 Oct 2026 07:28:00 GMT'])('falls back to backoff for Retry-After: %s', (retryAfter) => {
    vi.spyOn(Math, 'random').mockReturnValue(0);
    expect(retryDelayMs(1, { 'retry-after': retryAfter })).toBe(ceiling(1) / 2);
  });
});
