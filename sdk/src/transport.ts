import { Agent, request } from 'undici';

export type TransportRequest = {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string | undefined;
  signal: AbortSignal;
};

export type TransportResponse = {
  status: number;
  /** Names in lower case: the client and the errors read `etag`, `retry-after`, `x-request-id` as such. */
  headers: Record<string, string>;
  body: string;
};

/** A response whose body arrives over time (Server-Sent Events): read it chunk by chunk. */
export type TransportStreamResponse = {
  status: number;
  /** Names in lower case, as for `request`. */
  headers: Record<string, string>;
  /** The body as it arrives. Ends when the server closes the response; throws when the connection breaks or `signal` fires. */
  body: AsyncIterable<Uint8Array | string>;
};

/**
 * The SDK speaks HTTP through this; swap it in tests or to route through your own stack. Resolve
 * with any status (error statuses are the client's to interpret), reject only when no answer came,
 * and honour `signal`: it carries both the caller's abort and the per-attempt timeout.
 */
export interface Transport {
  request(req: TransportRequest): Promise<TransportResponse>;
  /**
   * For stream operations: resolve once the status and headers are in, with the body still
   * arriving. Aborting `signal` must end the body (the SDK aborts it to leave a stream). A
   * transport without it can serve every operation but the stream ones.
   */
  stream?(req: TransportRequest): Promise<TransportStreamResponse>;
  close?(): Promise<void>;
}

/** Keep-alive pool shared by every request of one client. */
export const undiciTransport = (options: { connections?: number } = {}): Transport => {
  const agent = new Agent({ keepAliveTimeout: 10_000, connections: options.connections ?? 128 });
  const send = (req: TransportRequest, bodyTimeout?: number) =>
    request(req.url, {
      method: req.method as 'GET',
      headers: req.headers,
      body: req.body,
      signal: req.signal,
      dispatcher: agent,
      ...(bodyTimeout === undefined ? {} : { bodyTimeout }),
    });
  return {
    async request(req) {
      const response = await send(req);
      return { status: response.statusCode, headers: lowerCaseHeaders(response.headers), body: await response.body.text() };
    },
    async stream(req) {
      // No body timeout of undici's own: a quiet stream is normal, and the SDK watches for a dead one itself.
      const response = await send(req, 0);
      return { status: response.statusCode, headers: lowerCaseHeaders(response.headers), body: response.body };
    },
    close: () => agent.close(),
  };
};

const lowerCaseHeaders = (raw: Record<string, string | string[] | undefined>): Record<string, string> => {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
};
