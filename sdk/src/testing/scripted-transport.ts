import type { Transport, TransportRequest, TransportResponse } from '../transport.js';

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
