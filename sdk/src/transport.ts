import type { Agent } from 'undici';

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

/**
 * The SDK speaks HTTP through this; swap it in tests or to route through your own stack. Resolve
 * with any status (error statuses are the client's to interpret), reject only when no answer came,
 * and honour `signal`: it carries both the caller's abort and the per-attempt timeout.
 */
export interface Transport {
  request(req: TransportRequest): Promise<TransportResponse>;
  close?(): Promise<void>;
}

/**
 * Keep-alive pool shared by every request of one client. undici is loaded on the first request,
 * not when the SDK is imported: it takes longer to load (~150 ms) than a short-lived program such
 * as a CLI answering `--help` takes to run, and such a program may never send a request.
 */
export const undiciTransport = (options: { connections?: number } = {}): Transport => {
  let loaded: Promise<{ agent: Agent; request: typeof import('undici').request }> | undefined;
  const load = () =>
    (loaded ??= import('undici').then(({ Agent, request }) => ({ agent: new Agent({ keepAliveTimeout: 10_000, connections: options.connections ?? 128 }), request })));
  return {
    async request(req) {
      const { agent, request } = await load();
      const response = await request(req.url, {
        method: req.method as 'GET',
        headers: req.headers,
        body: req.body,
        signal: req.signal,
        dispatcher: agent,
      });
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(response.headers)) {
        if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
      }
      return { status: response.statusCode, headers, body: await response.body.text() };
    },
    // Nothing to release when no request was ever sent.
    close: async () => {
      if (loaded) await (await loaded).agent.close();
    },
  };
};
