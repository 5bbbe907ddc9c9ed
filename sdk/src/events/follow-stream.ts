import { NetworkError, ServerError, ShopApiError, errorFromResponse } from '../errors.js';
import type { TransportStreamResponse } from '../transport.js';
import { parseSse, SseParser } from './sse-parser.js';

export type StreamOptions = {
  /** Abort to leave the stream: `for await` then simply ends. */
  signal?: AbortSignal | undefined;
  headers?: Record<string, string> | undefined;
  /** How long one (re)connect may take to get the server's answer. Defaults to the client's timeoutMs. */
  timeoutMs?: number | undefined;
  /** Reconnect when nothing at all, not even a heartbeat, arrived for this long. Default 45 s: three missed heartbeats. */
  idleTimeoutMs?: number | undefined;
  /** First wait before reconnecting; doubles (with jitter) on each failure in a row. Default: the server's `retry:`, else 1 s. */
  reconnectDelayMs?: number | undefined;
  /** Failed (re)connects in a row before the last failure is thrown. Default: keep trying. */
  retries?: number | undefined;
};

export const DEFAULT_IDLE_TIMEOUT_MS = 45_000;
export const DEFAULT_RECONNECT_DELAY_MS = 1_000;
export const MAX_RECONNECT_DELAY_MS = 30_000;

/**
 * The wait before reconnect number `failures + 1`: exponential from `baseMs`, capped, and
 * jittered between half and all of it so clients dropped together do not return together.
 */
export const reconnectDelayMs = (failures: number, baseMs: number, random: () => number = Math.random): number => {
  const ceiling = Math.min(MAX_RECONNECT_DELAY_MS, baseMs * 2 ** failures);
  return ceiling / 2 + random() * (ceiling / 2);
};

/** Answers that may go away by themselves: the server or a proxy in front of it is overloaded or restarting. */
const worthRetrying = (status: number) => status >= 500 || status === 429 || status === 408;

export type StreamConnector = {
  /** Opens one connection, resuming after `lastEventId` when there is one. */
  open(lastEventId: string | undefined, signal: AbortSignal): Promise<TransportStreamResponse>;
  /** For error messages: where the stream comes from. */
  origin: string;
  timeoutMs: number;
};

/**
 * Follows a stream operation for as long as the caller wants it: each SSE message's data as JSON,
 * in order, across reconnects. It resumes from the last id it saw (sent as `Last-Event-ID`), so a
 * dropped connection loses nothing and repeats nothing. Network failures and 5xx answers are
 * retried with backoff; a `reconnect` event (the server letting go of a slow reader) reconnects at
 * once; an `end` event (a finite stream's last word) ends the iteration; an `error` event or a
 * 4xx answer is thrown as the typed ShopApiError. Aborting
 * `options.signal` ends the iteration without an error, and so does leaving the loop early, which
 * also closes the connection.
 */
export async function* followStream<Message>(connector: StreamConnector, options: StreamOptions = {}): AsyncGenerator<Message, void, undefined> {
  const caller = options.signal;
  const idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  const timeoutMs = options.timeoutMs ?? connector.timeoutMs;
  const maxFailures = options.retries ?? Number.POSITIVE_INFINITY;
  let lastEventId: string | undefined;
  let serverRetryMs: number | undefined;
  let failures = 0;

  while (!caller?.aborted) {
    const attempt = new AbortController();
    const leave = () => attempt.abort(caller?.reason);
    caller?.addEventListener('abort', leave, { once: true });
    let timedOut: 'connect' | 'idle' | undefined;
    const connectTimer = setTimeout(() => {
      timedOut = 'connect';
      attempt.abort();
    }, timeoutMs);
    let idleTimer: NodeJS.Timeout | undefined;
    let reconnectAtOnce = false;
    let failure: ShopApiError | undefined;
    let retryAfterMs: number | undefined;
    const parser = new SseParser();
    parser.lastEventId = lastEventId;
    try {
      const response = await connector.open(lastEventId, attempt.signal);
      clearTimeout(connectTimer);
      if (response.status >= 400) {
        const error = errorFromResponse(response.status, parseJson(await readText(response.body)), response.headers);
        if (!worthRetrying(response.status)) throw error;
        failure = error;
        retryAfterMs = retryAfterOf(response.headers);
      } else {
        failures = 0;
        idleTimer = setTimeout(() => {
          timedOut = 'idle';
          attempt.abort();
        }, idleTimeoutMs);
        for await (const item of parseSse(response.body, parser)) {
          idleTimer.refresh();
          if (item.kind === 'retry') serverRetryMs = item.ms;
          if (item.kind !== 'event') continue;
          if (item.event === 'message') {
            const message = parseMessage(item.data, connector.origin) as Message;
            lastEventId = parser.lastEventId;
            yield message;
          } else if (item.event === 'end') {
            // A finite stream (a rebuild's progress) is over: nothing more will come, so no reconnect.
            return;
          } else if (item.event === 'reconnect') {
            reconnectAtOnce = true;
            break;
          } else if (item.event === 'error') {
            const problem = parseJson(item.data) as { status?: unknown } | undefined;
            const status = typeof problem?.status === 'number' ? problem.status : 500;
            throw errorFromResponse(status, problem, response.headers);
          }
          // Other event types are for other readers; the SSE standard says to let them pass.
        }
      }
    } catch (error) {
      if (caller?.aborted) return;
      if (error instanceof ShopApiError) throw error;
      failure =
        timedOut === 'connect'
          ? new NetworkError(`No answer from ${connector.origin} within ${timeoutMs} ms`, { status: 0, code: 'timeout', cause: error })
          : timedOut === 'idle'
            ? new NetworkError(`Nothing from ${connector.origin} for ${idleTimeoutMs} ms`, { status: 0, code: 'stream_idle', cause: error })
            : new NetworkError(`Lost the stream from ${connector.origin}: ${(error as Error)?.message ?? String(error)}`, {
                status: 0,
                code: 'network_error',
                cause: error,
              });
    } finally {
      // Also after a break: an id-only block moves the resume point (the server may say where "now" is before any event).
      lastEventId = parser.lastEventId;
      clearTimeout(connectTimer);
      clearTimeout(idleTimer);
      caller?.removeEventListener('abort', leave);
      // Closes the connection when the loop left early, or the body was not read to its end.
      attempt.abort();
    }
    if (caller?.aborted) return;
    if (reconnectAtOnce) continue;
    const baseMs = options.reconnectDelayMs ?? serverRetryMs ?? DEFAULT_RECONNECT_DELAY_MS;
    let delay: number;
    if (failure) {
      if (failures >= maxFailures) throw failure;
      delay = retryAfterMs ?? reconnectDelayMs(failures, baseMs);
      failures++;
    } else {
      // The server ended the stream cleanly: come back after its retry delay, as EventSource would.
      delay = reconnectDelayMs(0, baseMs);
    }
    if (!(await pause(delay, caller))) return;
  }
}

const parseJson = (text: string): unknown => {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
};

const parseMessage = (data: string, origin: string): unknown => {
  try {
    return JSON.parse(data);
  } catch (error) {
    // Reconnecting would only bring the same message back.
    throw new ServerError(`The stream from ${origin} sent a message that is not JSON`, { status: 0, code: 'bad_stream_message', cause: error });
  }
};

const readText = async (body: AsyncIterable<Uint8Array | string>): Promise<string> => {
  const decoder = new TextDecoder();
  let text = '';
  for await (const chunk of body) text += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
  return text + decoder.decode();
};

const retryAfterOf = (headers: Record<string, string>): number | undefined => {
  const seconds = Number(headers['retry-after']);
  return headers['retry-after'] !== undefined && Number.isFinite(seconds) && seconds >= 0 && seconds <= 60 ? seconds * 1000 : undefined;
};

/** Waits `ms`; false when the caller aborted first. */
const pause = (ms: number, signal: AbortSignal | undefined) =>
  new Promise<boolean>((resolve) => {
    if (signal?.aborted) return resolve(false);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
