import * as sdk from '@eventshop/sdk';
import { encodeRequest, errorFromResponse, NetworkError, ShopApiError, type ShopClient } from '@eventshop/sdk';
import { operations, type OperationDefinition } from '@eventshop/sdk/contract';
import type { Connection } from '../../config/connection.js';
import { sdkMethodOf } from './sdk-calls.js';

type StreamMethod = (input: Record<string, unknown>, options: { signal: AbortSignal }) => AsyncIterable<unknown>;

/**
 * The SDK serves stream operations itself (an AsyncIterable that reconnects by itself) from the
 * version that exports its SSE parser. Before that, its method for a stream operation would make
 * an ordinary JSON call, so shopctl reads the stream with its own reader below.
 */
export const SDK_HAS_STREAMS = 'parseSse' in sdk;

/**
 * The messages of a `stream` operation until `signal` aborts, resuming after a dropped connection
 * from the last message seen: the SDK's stream method where it has one, else the reader below
 * (which goes away once every SDK shopctl is built with has stream methods).
 */
export const streamMessages = (
  client: ShopClient,
  connection: Connection,
  operationId: string,
  input: Record<string, unknown>,
  signal: AbortSignal,
): AsyncIterable<unknown> => {
  const definition = (operations as Record<string, OperationDefinition>)[operationId];
  if (!definition || definition.kind !== 'stream') throw new TypeError(`${operationId} is not a stream operation`);
  const method = SDK_HAS_STREAMS ? (sdkMethodOf(client, operationId) as unknown as StreamMethod | undefined) : undefined;
  if (method) return method(input, { signal });
  const credential = connection.credential?.value;
  return readEventStream(definition, input, { baseUrl: connection.url.replace(/\/+$/, ''), credential, signal });
};

type SseMessage = { event: string; data: string; id: string | undefined; retry: number | undefined };

async function* readEventStream(
  definition: OperationDefinition,
  input: Record<string, unknown>,
  options: { baseUrl: string; credential: string | undefined; signal: AbortSignal },
): AsyncGenerator<unknown> {
  const { signal } = options;
  const resume = definition.resume;
  let resumeAt = input;
  let retryMs = 1_000;
  let connectedOnce = false;
  while (!signal.aborted) {
    const parsed = definition.input.safeParse(resumeAt);
    // The SDK validates the same way for ordinary calls; a bad flag is caught before anything is sent.
    if (!parsed.success) throw errorFromResponse(422, { title: 'Invalid input', errors: parsed.error.issues.map((issue) => ({ field: issue.path.join('.'), message: issue.message })) }, {});
    const { url } = encodeRequest(definition, parsed.data as Record<string, unknown>, options.baseUrl);
    let response: Response;
    try {
      response = await fetch(url, {
        headers: { accept: 'text/event-stream', ...(options.credential ? { authorization: `Bearer ${options.credential}` } : {}) },
        signal,
      });
    } catch (error) {
      if (signal.aborted) return;
      // Never reached: say so now. Reached before: the server is restarting, so wait and resume.
      if (!connectedOnce) throw new NetworkError(`Could not reach ${options.baseUrl}: ${(error as Error).message}`, { status: 0, code: 'network_error', cause: error });
      await pause(retryMs, signal);
      continue;
    }
    if (!response.ok) {
      const body = await response.json().catch(() => undefined);
      throw errorFromResponse(response.status, body, Object.fromEntries(response.headers));
    }
    connectedOnce = true;
    try {
      for await (const message of sseMessages(response.body!)) {
        if (message.retry !== undefined) retryMs = message.retry;
        if (message.event === 'error') {
          const problem = JSON.parse(message.data) as { status?: number };
          throw errorFromResponse(problem.status ?? 500, problem, {});
        }
        // The server lets a slow reader go and says so: reconnect from where we are.
        if (message.event === 'reconnect') break;
        if (message.event !== 'message' || message.data === '') continue;
        const value = JSON.parse(message.data) as Record<string, unknown>;
        // The query's position wins over Last-Event-ID on the server, so a resume moves the query itself.
        if (resume && value[resume.idField] !== undefined) resumeAt = { ...input, [resume.inputField]: value[resume.idField] };
        yield value;
      }
    } catch (error) {
      if (signal.aborted) return;
      if (error instanceof ShopApiError || error instanceof SyntaxError) throw error;
      // The connection dropped mid-stream: resume below.
    }
    await pause(retryMs, signal);
  }
}

/** Server-Sent Events framing: `field: value` lines, a blank line ends a message, `:` lines are comments (heartbeats). */
async function* sseMessages(body: ReadableStream<Uint8Array>): AsyncGenerator<SseMessage> {
  const decoder = new TextDecoder();
  let buffer = '';
  let message: SseMessage = { event: 'message', data: '', id: undefined, retry: undefined };
  let dataLines: string[] = [];
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let newline: number;
    while ((newline = buffer.search(/\r?\n/)) >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + (buffer[newline] === '\r' ? 2 : 1));
      if (line === '') {
        if (dataLines.length > 0 || message.retry !== undefined) yield { ...message, data: dataLines.join('\n') };
        message = { event: 'message', data: '', id: undefined, retry: undefined };
        dataLines = [];
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'data') dataLines.push(value);
      else if (field === 'event') message.event = value;
      else if (field === 'id') message.id = value;
      else if (field === 'retry' && /^\d+$/.test(value)) message.retry = Number(value);
    }
  }
}

const pause = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
