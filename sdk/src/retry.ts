export const DEFAULT_MAX_RETRIES = 2;
export const INITIAL_RETRY_DELAY_MS = 250;
export const MAX_RETRY_DELAY_MS = 8_000;

export type Attempt = {
  /** Retries already made for this call. */
  retriesSoFar: number;
  maxRetries: number;
  /** Whether repeating the request cannot do the work twice: a read, or a command with an Idempotency-Key. */
  safeToRepeat: boolean;
  aborted: boolean;
  /** Undefined when no response arrived. */
  status?: number | undefined;
  headers?: Record<string, string> | undefined;
};

/** The retry decision, one ordered list of rules. The first rule that answers wins. */
export const shouldRetry = (attempt: Attempt): boolean => {
  // Out of retries: stop.
  if (attempt.retriesSoFar >= attempt.maxRetries) return false;
  // The caller gave up; honour that over everything.
  if (attempt.aborted) return false;
  // Repeating a non-idempotent request could do the work twice.
  if (!attempt.safeToRepeat) return false;
  // No response (refused, reset, timed out): the request may not have arrived, and it is safe to repeat.
  if (attempt.status === undefined) return true;
  // The server knows best when it says so explicitly.
  const told = attempt.headers?.['x-should-retry'];
  if (told === 'true') return true;
  if (told === 'false') return false;
  // Rate limited or briefly unavailable is worth asking again; anything else (4xx answers, 500 bugs)
  // will fail the same way again.
  return isTransientStatus(attempt.status);
};

/** Rate limited, or the server or a proxy in front of it is briefly unavailable: worth asking again. */
export const isTransientStatus = (status: number): boolean => status === 429 || status === 502 || status === 503 || status === 504;

/**
 * Exponential backoff with jitter: a random wait between half the ceiling and the ceiling, so clients
 * that failed together do not retry together, yet none retries almost at once. A Retry-After in
 * seconds from the server wins when it is sane (0-60 s); an HTTP-date or a longer one falls back to backoff.
 */
export const retryDelayMs = (retriesSoFar: number, headers?: Record<string, string>): number => {
  const retryAfter = Number(headers?.['retry-after']);
  if (Number.isFinite(retryAfter) && retryAfter >= 0 && retryAfter <= 60) return retryAfter * 1000;
  const ceiling = Math.min(MAX_RETRY_DELAY_MS, INITIAL_RETRY_DELAY_MS * 2 ** retriesSoFar);
  return ceiling / 2 + Math.random() * (ceiling / 2);
};
