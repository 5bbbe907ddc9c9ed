import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export type Backend = { host: string; port: number };

export type LoadBalancer = {
  /** `haproxy 2.6.12` or `node proxy`: what answers in front. */
  kind: string;
  url: string;
  close(): Promise<void>;
};

/** How often each balancer asks a backend's /ready, and how soon one refusal takes it out. */
const CHECK_INTERVAL_MS = 300;

/** A port nothing listens on now, for a process that must come back on the same one after a restart. */
export const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });

/** The haproxy on PATH, if any, with its version line. */
export const findHaproxy = (): string | undefined => {
  const probe = spawnSync('haproxy', ['-v'], { encoding: 'utf8' });
  return probe.status === 0 ? /HAProxy version (\S+)/.exec(probe.stdout)?.[1] ?? 'unknown' : undefined;
};

/**
 * Debian's haproxy, when it is missing and this process may install it (root, apt-get present);
 * undefined when that fails (no network, not root): the Node proxy serves instead.
 */
export const installHaproxy = (log: (line: string) => void): string | undefined => {
  if (findHaproxy()) return findHaproxy();
  if (process.getuid?.() !== 0 || spawnSync('apt-get', ['--version']).status !== 0) return undefined;
  log('haproxy is missing: apt-get install -y haproxy ...');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const installed = spawnSync('apt-get', ['install', '-y', '-qq', 'haproxy'], { env, stdio: 'ignore' });
  if (installed.status !== 0) spawnSync('sh', ['-c', 'apt-get update -qq && apt-get install -y -qq haproxy'], { env, stdio: 'ignore' });
  return findHaproxy();
};

/**
 * The same shape as deploy/haproxy.cfg of the compose profile: round robin over the API
 * instances, each checked on /ready; a refused connection is retried on another instance
 * (nothing was sent, so that is always safe); a request already sent to an instance that dies
 * answers 502, which the SDK retries with the same Idempotency-Key.
 */
export const haproxyConfig = (port: number, backends: readonly Backend[]) => `global
  maxconn 2048

defaults
  mode http
  timeout connect 1s
  timeout client 60s
  timeout server 60s
  retries 3
  # Each retry of a refused connection goes to another instance.
  option redispatch 1

frontend shop
  bind 127.0.0.1:${port}
  option forwardfor
  default_backend api

backend api
  balance roundrobin
  option httpchk GET /ready
  http-check expect status 200
  default-server inter ${CHECK_INTERVAL_MS}ms fall 1 rise 2
${backends.map((backend, index) => `  server api${index + 1} ${backend.host}:${backend.port} check`).join('\n')}
`;

export const startHaproxy = async (backends: readonly Backend[], version: string): Promise<LoadBalancer> => {
  const port = await freePort();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'eventshop-haproxy-'));
  const config = path.join(dir, 'haproxy.cfg');
  await writeFile(config, haproxyConfig(port, backends));
  const check = spawnSync('haproxy', ['-c', '-q', '-f', config], { encoding: 'utf8' });
  if (check.status !== 0) throw new Error(`haproxy refused its configuration:\n${check.stdout}${check.stderr}`);
  const child: ChildProcess = spawn('haproxy', ['-db', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let errors = '';
  child.stderr!.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.once('exit', () => child.kill('SIGKILL'));
  await waitUntilListening(port, () => (child.exitCode !== null ? `haproxy exited: ${errors}` : undefined));
  return {
    kind: `haproxy ${version}`,
    url: `http://127.0.0.1:${port}`,
    async close() {
      child.kill('SIGTERM');
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
};

/**
 * A small HTTP load balancer in Node for machines without haproxy, behaving as the haproxy
 * configuration above: round robin over the instances whose /ready answers 200, a refused
 * connection tried on the next instance, a connection lost after the request went out a 502.
 */
export const startNodeProxy = async (backends: readonly Backend[]): Promise<LoadBalancer> => {
  const up = new Set<Backend>(backends);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  let next = 0;
  const pick = (tried: Set<Backend>) => {
    const candidates = backends.filter((backend) => up.has(backend) && !tried.has(backend));
    return candidates.length === 0 ? undefined : candidates[next++ % candidates.length];
  };

  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      const tried = new Set<Backend>();
      const attempt = () => {
        const backend = pick(tried);
        if (!backend) {
          response.writeHead(503, { 'content-type': 'text/plain' }).end('no API instance is up\n');
          return;
        }
        tried.add(backend);
        // Names the client, as HAProxy's `option forwardfor` does.
        const forwardedFor = [request.headers['x-forwarded-for'], request.socket.remoteAddress].filter(Boolean).join(', ');
        const headers = { ...request.headers, 'x-forwarded-for': forwardedFor };
        const upstream = http.request({ host: backend.host, port: backend.port, method: request.method, path: request.url, headers, agent }, (answer) => {
          response.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(response);
          answer.on('error', () => response.destroy());
        });
        upstream.on('error', (error: NodeJS.ErrnoException) => {
          if (error.code === 'ECONNREFUSED') {
            up.delete(backend);
            attempt();
          } else if (!response.headersSent) response.writeHead(502, { 'content-type': 'text/plain' }).end('the API instance went away\n');
          else response.destroy();
        });
        upstream.end(body);
      };
      attempt();
    });
  });

  const checks = setInterval(() => {
    for (const backend of backends) {
      const probe = http.get({ host: backend.host, port: backend.port, path: '/ready', timeout: CHECK_INTERVAL_MS * 3 }, (answer) => {
        answer.resume();
        if (answer.statusCode === 200) up.add(backend);
        else up.delete(backend);
      });
      probe.on('error', () => up.delete(backend));
      probe.on('timeout', () => probe.destroy());
    }
  }, CHECK_INTERVAL_MS);
  checks.unref();

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    kind: 'node proxy',
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    async close() {
      clearInterval(checks);
      agent.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
};

const waitUntilListening = async (port: number, failed: () => string | undefined) => {
  for (let tries = 0; tries < 200; tries += 1) {
    const why = failed();
    if (why) throw new Error(why);
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.end();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`nothing listens on port ${port}`);
};
