import { once } from 'node:events';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { OperationDefinition } from '@eventshop/sdk/contract';
import { toProblem } from './problem-response.js';
import { RequestValidationError } from './problems.js';

export type EventStreamOptions = {
  /** A comment line this often keeps proxies from closing an idle stream. */
  heartbeatMs: number;
  /** How long a client may leave its socket full before it is told to reconnect and let go. */
  slowClientMs: number;
};

export const DEFAULT_EVENT_STREAM_OPTIONS: EventStreamOptions = { heartbeatMs: 15_000, slowClientMs: 10_000 };

/**
 * A reconnecting EventSource sends the last id it saw as `Last-Event-ID`; the contract names the
 * input field that takes it (`after`), so resuming needs nothing from the client's code. The
 * header wins over a value in the query: EventSource reconnects to the very URL it first opened,
 * so `?after=` there is where the reader started, and the header is how far it got since.
 */
export const withLastEventId = (definition: OperationDefinition, request: FastifyRequest, input: Record<string, unknown>) => {
  const field = definition.resume?.inputField;
  const header = request.headers['last-event-id'];
  if (!field || typeof header !== 'string' || header === '') return input;
  const schema = definition.input.shape[field] as unknown as z.ZodType;
  const parsed = schema.safeParse(/^\d+$/.test(header) ? Number(header) : header);
  if (!parsed.success) throw new RequestValidationError([{ field: 'Last-Event-ID', message: 'Send back an id this stream gave out' }]);
  return { ...input, [field]: parsed.data };
};

const RESUME_POINT = Symbol('resume point');
type WithResumePoint = { [RESUME_POINT]?: string | number };

/**
 * Marks a stream with the id a reader should resume after if it drops before the first message:
 * where "from now on" began. It is sent as an id-only block (which moves an EventSource's
 * `Last-Event-ID` without dispatching anything), so a reconnect after an early drop resumes from
 * the start that was fixed, instead of fixing a new one and missing what came in between.
 */
export const startingAfter = <Messages extends AsyncIterable<unknown>>(id: string | number, messages: Messages): Messages =>
  Object.assign(messages, { [RESUME_POINT]: id });

/**
 * Serves a stream operation as Server-Sent Events: one `data:` line of JSON per message, its
 * contract-named field as the `id`, comment heartbeats while idle. Memory is bounded: the next
 * message is produced only once the socket has taken the last one, and a client that takes
 * nothing for `slowClientMs` is sent a `reconnect` event with where to resume, then closed.
 */
export const serveEventStream = async (
  request: FastifyRequest,
  reply: FastifyReply,
  definition: OperationDefinition,
  messages: AsyncIterable<unknown>,
  /** Aborted here when the client leaves, which tells the producer to stop. */
  stop: AbortController,
  options: EventStreamOptions,
) => {
  const idField = definition.resume?.idField;
  const raw = reply.raw;
  reply.hijack();
  raw.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    // nginx and friends buffer responses unless told not to.
    'x-accel-buffering': 'no',
    'x-request-id': request.id,
  });
  raw.write('retry: 1000\n\n');
  const start = (messages as WithResumePoint)[RESUME_POINT];
  if (start !== undefined) raw.write(`id: ${String(start)}\n\n`);
  const onClose = () => stop.abort();
  raw.on('close', onClose);
  const heartbeat = setInterval(() => raw.write(': heartbeat\n\n'), options.heartbeatMs);
  let lastId: unknown;
  // Until a break: the producer ran out by itself, not because the reader left or was let go.
  let completed = true;
  try {
    for await (const message of messages) {
      if (stop.signal.aborted) {
        completed = false;
        break;
      }
      lastId = idField ? (message as Record<string, unknown>)[idField] : undefined;
      const written = raw.write(`${lastId !== undefined ? `id: ${String(lastId)}\n` : ''}data: ${JSON.stringify(message)}\n\n`);
      if (!written && !(await drained(raw, options.slowClientMs, stop.signal))) {
        if (!stop.signal.aborted) {
          completed = false;
          raw.write(`event: reconnect\ndata: ${JSON.stringify({ reason: 'slow_client', ...(lastId !== undefined ? { lastEventId: String(lastId) } : {}) })}\n\n`);
        }
        break;
      }
    }
    // A finite stream says it is over, so readers stop rather than reconnect for more.
    if (completed && !stop.signal.aborted && definition.finite) raw.write('event: end\ndata: {}\n\n');
  } catch (error) {
    if (!stop.signal.aborted) {
      const problem = toProblem(error, request.id);
      if (problem.status >= 500) request.log.error({ err: error }, 'stream failed');
      raw.write(`event: error\ndata: ${JSON.stringify(problem.body)}\n\n`);
    }
  } finally {
    clearInterval(heartbeat);
    raw.off('close', onClose);
    stop.abort();
    raw.end();
  }
};

/** Waits for the socket to drain; false when it did not within `ms` or the client left. */
const drained = async (raw: NodeJS.WritableStream, ms: number, signal: AbortSignal): Promise<boolean> => {
  try {
    await once(raw, 'drain', { signal: AbortSignal.any([signal, AbortSignal.timeout(ms)]) });
    return true;
  } catch {
    return false;
  }
};
