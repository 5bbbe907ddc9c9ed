import { freePort, findHaproxy, installHaproxy, startHaproxy, startNodeProxy, type LoadBalancer } from './load-balancer.js';
import { startServerProcess, type ServerProcess } from './server-process.js';

export const CLUSTER_ADMIN = { email: 'admin@cluster.local', password: 'cluster-admin-password' };

export type LoadBalancerChoice = 'haproxy' | 'node' | 'auto';

/** One API instance on a port of its own, so it comes back behind the balancer on the same address. */
export type ApiInstance = { name: string; port: number; process: ServerProcess };

/**
 * The production shape on one machine: a processor instance (EVENTSHOP_API=off) and two API
 * instances (EVENTSHOP_PROCESSORS=off) on one database, behind a load balancer (haproxy when
 * it can be had, else the Node proxy). An API instance can be killed and started again.
 */
export const shopCluster = async (
  databaseUrl: string,
  options: { loadBalancer?: LoadBalancerChoice; installHaproxy?: boolean; apiInstances?: number; log?: (line: string) => void } = {},
) => {
  const log = options.log ?? (() => {});
  const common = {
    DATABASE_URL: databaseUrl,
    EVENTSHOP_ADMIN_EMAIL: CLUSTER_ADMIN.email,
    EVENTSHOP_ADMIN_PASSWORD: CLUSTER_ADMIN.password,
    EVENTSHOP_JWT_SECRET: 'cluster-shared-secret-cluster-shared-secret',
    // A key whose instance died mid-request is looked into after 2 s instead of 60, so the SDK's retries meet the answer.
    EVENTSHOP_IDEMPOTENCY_STALL_SECONDS: '2',
    // Every sign-up comes from one address, the clients' and the balancer's alike (all on loopback here).
    EVENTSHOP_SIGNUPS_PER_ADDRESS: '1000000',
    // As deployed: the API instances believe X-Forwarded-For from the balancer only.
    EVENTSHOP_TRUST_PROXY: 'loopback',
  };
  // First, alone: it creates the schema and the admin.
  const processors = await startServerProcess({ ...common, EVENTSHOP_API: 'off' });
  const startApi = async (port: number) =>
    startServerProcess({ ...common, EVENTSHOP_PROCESSORS: 'off', HOST: '127.0.0.1', PORT: String(port) });
  // The API instances together: the schema is there by now.
  const ports: number[] = [];
  // One at a time: a port is only known free until someone takes it.
  while (ports.length < (options.apiInstances ?? 2)) {
    const port = await freePort();
    if (!ports.includes(port)) ports.push(port);
  }
  const apis: ApiInstance[] = await Promise.all(ports.map(async (port, index) => ({ name: `api${index + 1}`, port, process: await startApi(port) })));

  const backends = apis.map((api) => ({ host: '127.0.0.1', port: api.port }));
  const choice = options.loadBalancer ?? 'auto';
  let balancer: LoadBalancer;
  let why = '';
  if (choice === 'node') {
    balancer = await startNodeProxy(backends);
    why = 'asked for';
  } else {
    const found = findHaproxy();
    const version = found ?? (options.installHaproxy ? installHaproxy(log) : undefined);
    if (version) {
      balancer = await startHaproxy(backends, version);
      why = found ? 'found on PATH' : 'installed with apt-get';
    } else if (choice === 'haproxy') {
      throw new Error('haproxy is not installed and could not be installed (apt-get install haproxy, as root)');
    } else {
      balancer = await startNodeProxy(backends);
      why = 'haproxy could not be had';
    }
  }

  return {
    processors,
    apis,
    balancer,
    /** What answers in front, and why that one. */
    describeBalancer: () => `${balancer.kind} (${why})`,
    async kill(api: ApiInstance) {
      await api.process.stop('SIGKILL');
    },
    async restart(api: ApiInstance) {
      api.process = await startApi(api.port);
    },
    async close() {
      await balancer.close();
      await Promise.all([processors, ...apis.map((api) => api.process)].map((server) => (server.child.exitCode === null && server.child.signalCode === null ? server.stop('SIGKILL') : undefined)));
    },
  };
};

export type ShopCluster = Awaited<ReturnType<typeof shopCluster>>;
