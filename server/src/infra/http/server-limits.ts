import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { addressKey } from './rate-limit.js';

/**
 * How long a client may take to send a request, and how many connections it may hold open.
 * Without these a client that sends its headers and then stalls holds a socket (a file
 * descriptor) for ever: about 20,400 such uploads exhausted the process's descriptors, and
 * `/health` failed while they were held. docs/deployment.md ("Limits and timeouts") says why
 * each default is what it is.
 */
export type HttpLimits = {
  /** The whole header block must arrive within this (slowloris headers). */
  headersTimeoutMs: number;
  /** The whole request, headers and body, must arrive within this; the handler's own time does not count. */
  requestTimeoutMs: number;
  /** A socket with no traffic either way for this long is closed, even in the middle of a response. */
  idleTimeoutMs: number;
  /** An idle keep-alive connection between two requests is closed after this. */
  keepAliveTimeoutMs: number;
  /** Open connections in total; a connection beyond it is closed at once. 0: no cap. */
  maxConnections: number;
  /** Open connections from one remote address; a connection beyond it is closed at once. 0: no cap. */
  maxConnectionsPerAddress: number;
};

export const DEFAULT_HTTP_LIMITS: HttpLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  idleTimeoutMs: 60_000,
  keepAliveTimeoutMs: 72_000,
  maxConnections: 8_192,
  maxConnectionsPerAddress: 256,
};

const SETTINGS: { [K in keyof HttpLimits]: { env: string; unit: 'seconds' | 'count' } } = {
  headersTimeoutMs: { env: 'EVENTSHOP_HTTP_HEADERS_TIMEOUT_SECONDS', unit: 'seconds' },
  requestTimeoutMs: { env: 'EVENTSHOP_HTTP_REQUEST_TIMEOUT_SECONDS', unit: 'seconds' },
  idleTimeoutMs: { env: 'EVENTSHOP_HTTP_IDLE_TIMEOUT_SECONDS', unit: 'seconds' },
  keepAliveTimeoutMs: { env: 'EVENTSHOP_HTTP_KEEP_ALIVE_TIMEOUT_SECONDS', unit: 'seconds' },
  maxConnections: { env: 'EVENTSHOP_HTTP_MAX_CONNECTIONS', unit: 'count' },
  maxConnectionsPerAddress: { env: 'EVENTSHOP_HTTP_MAX_CONNECTIONS_PER_ADDRESS', unit: 'count' },
};

/** The limits from the environment, each falling back to its default; nonsense is refused at start. */
export const loadHttpLimits = (env: NodeJS.ProcessEnv): HttpLimits => {
  const limits = { ...DEFAULT_HTTP_LIMITS };
  for (const [field, { env: name, unit }] of Object.entries(SETTINGS) as [keyof HttpLimits, (typeof SETTINGS)[keyof HttpLimits]][]) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    const value = Number(raw);
    if (unit === 'seconds') {
      if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a number of seconds above 0, got "${raw}"`);
      limits[field] = Math.round(value * 1000);
    } else {
      if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a whole number (0 for no cap), got "${raw}"`);
      limits[field] = value;
    }
  }
  // Node refuses a headers timeout longer than the request timeout it is part of.
  if (limits.headersTimeoutMs > limits.requestTimeoutMs) {
    throw new Error(`${SETTINGS.headersTimeoutMs.env} must not be longer than ${SETTINGS.requestTimeoutMs.env}`);
  }
  return limits;
};

/**
 * The options of `Fastify({...})` that carry the limits. Node checks the headers and request
 * timeouts on a timer (every 30 s unless told otherwise), so a stalled request would live up to
 * 30 s past its deadline; checking at a quarter of the shortest timeout (at most each second)
 * keeps the bound close to what is configured, for the cost of one walk over open connections.
 */
export const fastifyLimitOptions = (limits: HttpLimits) => ({
  connectionTimeout: limits.idleTimeoutMs,
  keepAliveTimeout: limits.keepAliveTimeoutMs,
  requestTimeout: limits.requestTimeoutMs,
  http: {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    connectionsCheckingInterval: Math.max(25, Math.min(1000, Math.floor(Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs) / 4))),
  },
});

/**
 * Caps open connections in total (Node's own `maxConnections`, which closes the newcomer) and per
 * remote address (an IPv6 /64 counts as one, as for the rate limits; counted here, on the same terms). Closing at once, before a byte is read, is
 * what costs a flood nothing; a client that meets the cap sees a reset and retries with backoff
 * (the SDK does). Behind a reverse proxy every connection comes from the proxy's address: the
 * trusted proxies (EVENTSHOP_TRUST_PROXY) are not capped per address, and limit their clients themselves.
 */
export const capConnections = (server: Server, limits: HttpLimits, isTrustedProxy: (address: string) => boolean = () => false) => {
  if (limits.maxConnections > 0) server.maxConnections = limits.maxConnections;
  if (limits.maxConnectionsPerAddress <= 0) return;
  const open = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    if (socket.remoteAddress && isTrustedProxy(socket.remoteAddress)) return;
    const address = addressKey(socket.remoteAddress ?? 'unknown');
    const count = open.get(address) ?? 0;
    if (count >= limits.maxConnectionsPerAddress) {
      socket.destroy();
      return;
    }
    open.set(address, count + 1);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left > 0) open.set(address, left);
      else open.delete(address);
    });
  });
};
