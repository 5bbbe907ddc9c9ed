import http from 'node:http';
import net from 'node:net';

/**
 * The slow-upload flood of the fault probe: many connections that start a request and then stall,
 * while `/health` is asked again and again from another connection. A server with request
 * timeouts and connection caps cuts the stalled ones and keeps answering; one without holds
 * them until the descriptors run out.
 */
export type SlowUploadFloodOptions = {
  /** The server's base URL (`http://127.0.0.1:3000`). */
  url: string;
  /** Stalled connections to open. */
  connections: number;
  /** The longest the flood runs; it ends sooner once the server has cut every connection. */
  seconds: number;
  /**
   * Local addresses the flood connects from, in turn (on Linux all of 127.0.0.0/8 is loopback),
   * so per-address caps can be seen apart from the health checks, which come from the default one.
   * Default: 127.77.0.1 when the server is on IPv4 loopback (127.x) under Linux (the flood then meets the
   * per-address cap as well as the timeouts, and the health checks do not); elsewhere the default
   * address, the same as the health checks'.
   */
  sourceAddresses?: string[];
  /** How often `/health` is asked during the flood. */
  healthEveryMs?: number;
  /** A health check not answered within this counts as failed. */
  healthTimeoutMs?: number;
  /**
   * How fast connections are opened (default 2,000 a second). Faster overflows the listen backlog:
   * the kernel then drops the handshake's last step, the client believes it is connected, and a
   * connection that never sends a byte is counted as held although the server never saw it.
   */
  openPerSecond?: number;
};

export type SlowUploadFloodCounts = {
  /** Connections the server accepted (the TCP handshake completed). */
  opened: number;
  /** Connections that could not even be opened (refused, or no descriptors left on either side). */
  failedToOpen: number;
  /** Opened connections the server closed before the flood ended: cut by a timeout or a cap. */
  cutByServer: number;
  /** Of those, the ones the server answered (408, 400...) before closing. */
  answeredBeforeCut: number;
  /** Connections still open when the flood ended (then closed by the flood itself). */
  heldToEnd: number;
  /** Of those, how many stalled in each way. */
  heldByStall: Record<StallKind, number>;
  health: { answered: number; failed: number };
  elapsedSeconds: number;
};

type StallKind = 'body' | 'headers' | 'silent';

/** Three ways to stall: after the headers (a body that never comes), inside the headers, and before a byte. */
const STALLS: { kind: StallKind; start: (host: string) => string }[] = [
  { kind: 'body', start: (host) => `POST /api/users/register HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nContent-Length: 4096\r\n\r\n{"email":` },
  { kind: 'headers', start: (host) => `GET /health HTTP/1.1\r\nHost: ${host}\r\nX-Slow: ` },
  { kind: 'silent', start: () => '' },
];

export const runSlowUploadFlood = async (options: SlowUploadFloodOptions): Promise<SlowUploadFloodCounts> => {
  const target = new URL(options.url);
  const port = Number(target.port || 80);
  const hostname = target.hostname;
  const onLoopback = hostname.startsWith('127.');
  const sourceAddresses = options.sourceAddresses ?? (onLoopback && process.platform === 'linux' ? ['127.77.0.1'] : undefined);
  const started = Date.now();
  const counts: SlowUploadFloodCounts = {
    opened: 0,
    failedToOpen: 0,
    cutByServer: 0,
    answeredBeforeCut: 0,
    heldToEnd: 0,
    heldByStall: { body: 0, headers: 0, silent: 0 },
    health: { answered: 0, failed: 0 },
    elapsedSeconds: 0,
  };
  const open = new Map<net.Socket, StallKind>();
  let settled = 0;
  let finished = false;
  let allSettled!: () => void;
  const everyConnectionSettled = new Promise<void>((resolve) => (allSettled = resolve));
  const settle = () => {
    settled += 1;
    if (settled === options.connections) allSettled();
  };

  const openOne = (index: number) => {
    const localAddress = sourceAddresses?.[index % sourceAddresses.length];
    const socket = net.connect({ host: hostname, port, ...(localAddress ? { localAddress } : {}) });
    let connected = false;
    let answered = false;
    const stall = STALLS[index % STALLS.length]!;
    socket.on('connect', () => {
      connected = true;
      counts.opened += 1;
      open.set(socket, stall.kind);
      const start = stall.start(target.host);
      if (start) socket.write(start);
    });
    socket.on('data', () => (answered = true));
    socket.on('error', () => {});
    socket.on('close', () => {
      open.delete(socket);
      if (finished) return;
      if (!connected) counts.failedToOpen += 1;
      else {
        counts.cutByServer += 1;
        if (answered) counts.answeredBeforeCut += 1;
      }
      settle();
    });
  };

  const checkHealth = () =>
    new Promise<boolean>((resolve) => {
      const request = http.get({ hostname, port, path: '/health', agent: false, timeout: options.healthTimeoutMs ?? 2000 }, (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode === 200));
        response.on('error', () => resolve(false));
      });
      request.on('timeout', () => request.destroy());
      request.on('error', () => resolve(false));
    });

  // Opened in small waves, so the listen backlog is not what refuses (or silently loses) them.
  const wave = 50;
  const pauseMs = (wave / (options.openPerSecond ?? 2000)) * 1000;
  const opening = (async () => {
    for (let index = 0; index < options.connections; index += 1) {
      openOne(index);
      if (index % wave === wave - 1) await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  })();

  const deadline = new Promise<void>((resolve) => setTimeout(resolve, options.seconds * 1000).unref());
  const ended = Promise.race([everyConnectionSettled, deadline]).then(() => (finished = true));
  const healthChecks = (async () => {
    while (!finished) {
      if (await checkHealth()) counts.health.answered += 1;
      else counts.health.failed += 1;
      await new Promise((resolve) => setTimeout(resolve, options.healthEveryMs ?? 200));
    }
  })();

  await opening;
  await ended;
  await healthChecks;
  counts.heldToEnd = open.size;
  for (const [socket, kind] of open) {
    counts.heldByStall[kind] += 1;
    socket.destroy();
  }
  counts.elapsedSeconds = Math.round((Date.now() - started) / 100) / 10;
  return counts;
};
