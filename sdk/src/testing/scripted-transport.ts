import type { Transport, TransportRequest, TransportResponse, TransportStreamResponse } from '../transport.js';

/**
 * What the scripted transport does for one request: answer, fail as the network would, or run a
 * function (to hang until aborted, or to act on the request). Test-only; not exported from the package.
 */
export type Step = TransportResponse | Error | ((request: TransportRequest) => Promise<TransportResponse>);

/** A Transport that plays `steps` in order and records every request it was given. */
export const scriptedTransport = (steps: Step[]) => {
  const requests: TransportRequest[] = [];
  const transport: Transport = {
    async request(request) {
      // Copy the headers: the client reuses its object across retries, and we want what was sent each time.
      requests.push({ ...request, headers: { ...request.headers } });
      const step = steps[requests.length - 1];
      if (step === undefined) throw new Error(`scripted transport: no step for request #${requests.length} (${request.method} ${request.url})`);
      if (step instanceof Error) throw step;
      if (typeof step === 'function') return step(request);
      return step;
    },
  };
  return { transport, requests };
};

export const json = (status: number, body: unknown, headers: Record<string, string> = {}): TransportResponse => ({
  status,
  headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  body: JSON.stringify(body),
});

/** A problem response shaped like the server's (RFC 9457 plus `code` and `requestId`). */
export const problem = (
  status: number,
  code: string,
  extra: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): TransportResponse => ({
  status,
  headers: { 'content-type': 'application/problem+json', 'x-request-id': 'req-from-header', ...headers },
  body: JSON.stringify({ type: `urn:eventshop:problem:${code}`, title: `Problem ${code}`, status, code, requestId: `req-${status}`, ...extra }),
});

/** The error a socket gives when the peer drops the connection. */
export const connectionReset = () => Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });

/** Never answers; rejects the way undici does once the request's signal fires (caller abort or timeout). */
export const hangUntilAborted = (request: TransportRequest) =>
  new Promise<TransportResponse>((_resolve, reject) => {
    const fail = () => reject(request.signal.reason);
    if (request.signal.aborted) return fail();
    request.signal.addEventListener('abort', fail, { once: true });
  });

export const product = {
  id: '3f1c2a4e-7b9d-4e8a-9c1f-2d3e4f5a6b7c',
  sku: null,
  name: 'Espresso cup',
  description: '',
  price: { amount: 1299, currency: 'USD' },
  categoryId: 'kitchen',
  status: 'active',
  version: 1,
  createdAt: '2026-11-24T12:00:00.000Z',
  updatedAt: '2026-11-24T12:00:00.000Z',
} as const;

export const newProduct = { name: 'Espresso cup', price: { amount: 1299, currency: 'USD' }, categoryId: 'kitchen' };

/** What the scripted transport does for one stream request: answer (the body plays as it is read), fail, or run a function. */
export type StreamStep = TransportStreamResponse | Error | ((request: TransportRequest) => Promise<TransportStreamResponse>);

/** A Transport whose `stream` plays `steps` in order, recording every request; `request` is not scripted. */
export const scriptedStreamTransport = (steps: StreamStep[]) => {
  const requests: TransportRequest[] = [];
  const transport: Transport = {
    request: () => Promise.reject(new Error('scripted stream transport: only stream() is scripted')),
    async stream(request) {
      requests.push({ ...request, headers: { ...request.headers } });
      const step = steps[requests.length - 1];
      if (step === undefined) throw new Error(`scripted stream transport: no step for connection #${requests.length} (${request.url})`);
      if (step instanceof Error) throw step;
      if (typeof step === 'function') return step(request);
      return step;
    },
  };
  return { transport, requests };
};

/**
 * An event stream that sends `chunks` (each as it is read, split exactly there), then ends the way
 * `then` says: the server closes it, the connection breaks, or it stays open until the request is aborted.
 */
export const sse =
  (chunks: string[], then: 'close' | 'reset' | 'hang' = 'hang') =>
  async (request: TransportRequest): Promise<TransportStreamResponse> => ({
    status: 200,
    headers: { 'content-type': 'text/event-stream; charset=utf-8' },
    body: (async function* () {
      const encoder = new TextEncoder();
      for (const chunk of chunks) {
        if (request.signal.aborted) throw request.signal.reason;
        yield encoder.encode(chunk);
      }
      if (then === 'reset') throw connectionReset();
      if (then === 'hang') await hangUntilAborted(request);
    })(),
  });

/** A problem answer to a stream request. */
export const streamProblem = (status: number, code: string, headers: Record<string, string> = {}): TransportStreamResponse => {
  const answer = problem(status, code, {}, headers);
  return {
    status,
    headers: answer.headers,
    body: (async function* () {
      yield answer.body;
    })(),
  };
};

/** One SSE message carrying `data` as JSON, with `id` when given. */
export const sseMessage = (data: unknown, id?: number | string) => `${id === undefined ? '' : `id: ${id}\n`}data: ${JSON.stringify(data)}\n\n`;
