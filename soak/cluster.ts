/**
 * `npm run soak -- cluster [--seconds 60] [--kills 2] [--workers 8] [--lb auto|haproxy|node]`:
 * two API processes and one processor process on one PostgreSQL (DATABASE_URL or an embedded
 * one), behind a load balancer (haproxy, installed with apt-get when missing and possible; else
 * a small Node proxy). SDK clients send mixed traffic (products, inventory, users) through the
 * balancer for the given time while API processes are killed with SIGKILL and started again.
 * Then: every command that answered 2xx is in the log exactly once, every failed call was in
 * flight at a kill, no call that failed was applied twice, the processors caught up and their
 * read model equals a fresh replay. Prints counts; exits 1 when a check fails.
 */
import { createShopClient, ShopApiError, type ShopClient } from '@eventshop/sdk';
import { undiciTransport, type Transport } from '../sdk/src/transport.js';
import { openBenchDatabase } from '../bench/database.js';
import { CLUSTER_ADMIN, shopCluster, type LoadBalancerChoice, type ShopCluster } from '../e2e/support/shop-cluster.js';
import { createPool, type Pool } from '../server/src/infra/database/pool.js';
import { compareWithFreshReplay } from '../server/src/infra/processors/rebuild.js';
import { categoryStatsProcessor } from '../server/src/modules/products/category-stats.js';
import { UsageError, type Log, type Soak } from './soak.js';

export type ClusterCampaignOptions = { seconds: number; kills: number; workers: number; loadBalancer: LoadBalancerChoice; installHaproxy: boolean };

/** A command whose effect can be found in the log by what it wrote. */
type CommandKind = 'products.create' | 'products.update' | 'inventory.track' | 'inventory.setStock' | 'users.register' | 'users.addAddress';

type Call = {
  operation: CommandKind | 'read';
  /** What identifies its effect in the log (a unique name, a product id, an inventory id and quantity...). */
  mark: string;
  /** For addresses: whose list to read. */
  customer?: ShopClient;
  ok: boolean;
  failure?: string;
  startedAt: number;
  endedAt: number;
};

export type ClusterReport = {
  balancer: string;
  calls: number;
  commands: number;
  reads: number;
  attempts: number;
  /** Attempts answered 5xx or not answered at all, which the SDK retried or gave up on. */
  attemptFailures: { network: number; status5xx: number; inUse: number };
  kills: { at: number; instance: string; backAfterMs: number }[];
  failed: { operation: string; failure: string; inFlightAtKill: boolean }[];
  /** 2xx commands: found once, not found, found more than once. */
  okOnce: number;
  okMissing: string[];
  okDoubled: string[];
  /** Failed commands the log shows done (their answer was lost with the instance), and any done twice. */
  failedApplied: number;
  failedDoubled: string[];
  /** Calls that began after the first kill and answered 2xx: the survivor carried the traffic. */
  okAfterFirstKill: number;
  processorsCaughtUp: boolean;
  readModelEqualsReplay: boolean;
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Counts what the SDK sends, attempt by attempt, so retries show in the figures. */
const countingTransport = (counts: ClusterReport['attemptFailures'] & { attempts: number }): Transport => {
  const inner = undiciTransport({ connections: 8 });
  return {
    async request(request) {
      counts.attempts += 1;
      try {
        const response = await inner.request(request);
        if (response.status >= 500) counts.status5xx += 1;
        if (response.status === 409 && response.body.includes('idempotency_key_in_use')) counts.inUse += 1;
        return response;
      } catch (error) {
        counts.network += 1;
        throw error;
      }
    },
    close: () => inner.close!(),
  };
};

export const runClusterCampaign = async (cluster: ShopCluster, pool: Pool, options: ClusterCampaignOptions, log: Log): Promise<ClusterReport> => {
  const tag = `cl${Date.now().toString(36)}`;
  const counts = { attempts: 0, network: 0, status5xx: 0, inUse: 0 };
  const transport = countingTransport(counts);
  // Retries enough to outlast a dead instance's claim on a key (EVENTSHOP_IDEMPOTENCY_STALL_SECONDS=2 in the cluster).
  const clientOptions = { baseUrl: cluster.balancer.url, transport, retries: 8 };
  const admin = createShopClient(clientOptions);
  admin.setToken((await admin.auth.login(CLUSTER_ADMIN)).token);

  const calls: Call[] = [];
  const started = Date.now();
  const deadline = started + options.seconds * 1000;
  const elapsed = () => Date.now() - started;

  /** Runs one call and keeps its outcome; `markOf` names its effect from its answer, where only the answer can. */
  const record = async (operation: Call['operation'], mark: string, run: () => Promise<unknown>, customer?: ShopClient, markOf?: (result: any) => string) => {
    const startedAt = elapsed();
    try {
      const result = await run();
      calls.push({ operation, mark: markOf ? markOf(result) : mark, customer, ok: true, startedAt, endedAt: elapsed() });
      return result;
    } catch (error) {
      const failure = error instanceof ShopApiError ? `${error.status} ${error.code}` : String(error);
      calls.push({ operation, mark, customer, ok: false, failure, startedAt, endedAt: elapsed() });
      return undefined;
    }
  };

  const kills: ClusterReport['kills'] = [];
  let killsDone = options.kills === 0;

  const worker = async (index: number) => {
    const products: { id: string; renames: number; inventoryId?: string; quantity: number }[] = [];
    let customer: { client: ShopClient; addresses: number } | undefined;
    let sequence = 0;
    const unique = () => `${tag}-w${index}-${(sequence += 1)}`;
    // Until the time is up and the last killed instance is back: traffic goes on through every restart.
    while (Date.now() < deadline || !killsDone) {
      const roll = Math.random();
      const product = products[Math.floor(Math.random() * products.length)];
      if (roll < 0.25 || !product) {
        const name = unique();
        const created = (await record('products.create', name, () =>
          admin.products.create({ name, price: { amount: 100 + sequence, currency: 'EUR' }, categoryId: `cat-${sequence % 4}` }),
        )) as { id: string } | undefined;
        if (created) products.push({ id: created.id, renames: 0, quantity: 0 });
      } else if (roll < 0.37) {
        const name = `${unique()} renamed`;
        await record('products.update', name, () => admin.products.update({ id: product.id, name }));
      } else if (roll < 0.47 && product.inventoryId === undefined) {
        const tracked = (await record('inventory.track', product.id, () => admin.inventory.track({ productId: product.id, quantity: 1 }))) as { id: string } | undefined;
        // A track whose answer was lost still tracked it; the next read finds out.
        product.inventoryId = tracked ? tracked.id : '';
        product.quantity = 1;
      } else if (roll < 0.6 && product.inventoryId) {
        // Quantities only grow per item (from the 1 it was tracked with), so each set is a change the log must show once.
        product.quantity += 1 + Math.floor(Math.random() * 5);
        const { inventoryId, quantity } = product;
        await record('inventory.setStock', `${inventoryId}:${quantity}`, () => admin.inventory.setStock({ inventoryId, quantity, reason: 'restock' }));
      } else if (roll < 0.63 || (roll < 0.72 && !customer)) {
        const email = `${unique()}@cluster.example`;
        const session = (await record(
          'users.register',
          email,
          () => admin.users.register({ email, password: 'cluster-customer-password', name: 'Cluster Customer' }),
          undefined,
          (answer: { user: { id: string } }) => answer.user.id,
        )) as { token: string } | undefined;
        if (session) customer = { client: createShopClient({ ...clientOptions, token: session.token }), addresses: 0 };
      } else if (roll < 0.72 && customer && customer.addresses < 15) {
        const line1 = `${unique()} Cluster Street`;
        customer.addresses += 1;
        const { client } = customer;
        await record('users.addAddress', line1, () => client.users.addAddress({ recipientName: 'Cluster Customer', line1, city: 'Berlin', postalCode: '10115', country: 'DE' }), client);
      } else {
        const pick = Math.random();
        await record('read', '', () =>
          pick < 0.4 ? admin.products.get({ id: product.id }) : pick < 0.8 ? admin.products.list({ limit: 20 }) : admin.products.categoryStats({}),
        );
      }
    }
  };

  const killer = async () => {
    for (let kill = 1; kill <= options.kills; kill += 1) {
      const at = (options.seconds * 1000 * kill) / (options.kills + 1);
      await sleep(Math.max(0, at - elapsed()));
      const victim = cluster.apis[(kill - 1) % cluster.apis.length]!;
      const killedAt = elapsed();
      await cluster.kill(victim);
      log(`kill ${kill} at ${(killedAt / 1000).toFixed(1)} s: ${victim.name} (kill -9), starting it again`);
      await cluster.restart(victim);
      kills.push({ at: killedAt, instance: victim.name, backAfterMs: elapsed() - killedAt });
      log(`  ${victim.name} is back after ${((elapsed() - killedAt) / 1000).toFixed(1)} s`);
    }
    killsDone = true;
  };

  await Promise.all([killer(), ...Array.from({ length: options.workers }, (_, index) => worker(index))]);
  log(`traffic over after ${(elapsed() / 1000).toFixed(1)} s`);
  // The checks below read through the SDK too; the figures are the traffic's.
  const traffic = { ...counts };

  // ---- Checks: the log against what was answered ----
  const commands = calls.filter((call): call is Call & { operation: CommandKind } => call.operation !== 'read');
  const found = await countInLog(pool, tag, commands);
  for (const call of commands.filter((each) => each.operation === 'users.addAddress')) {
    found.set(`users.addAddress ${call.mark}`, await addressCount(call));
  }
  const countOf = (call: Call) => found.get(`${call.operation} ${call.mark}`) ?? 0;
  // A failed register has no user id to look for: only its email, which the log keeps sealed.
  const checkable = commands.filter((call) => call.ok || call.operation !== 'users.register');
  const okCalls = checkable.filter((call) => call.ok);
  const failedCalls = checkable.filter((call) => !call.ok);
  const inFlightAtKill = (call: Call) => kills.some((kill) => call.startedAt <= kill.at && call.endedAt >= kill.at);

  let processorsCaughtUp = false;
  for (let waited = 0; waited < 60_000 && !processorsCaughtUp; waited += 100) {
    // As an operator would ask: through the ops API (event processors only; scheduled tasks keep no checkpoint).
    const { items } = await admin.ops.processors.list({});
    processorsCaughtUp = items.filter((entry) => entry.kind !== 'scheduled').every((entry) => entry.lagEvents === 0 && entry.heldBy !== null);
    if (!processorsCaughtUp) await sleep(100);
  }
  const comparison = await compareWithFreshReplay(pool, categoryStatsProcessor);
  await admin.close();

  return {
    balancer: cluster.describeBalancer(),
    calls: calls.length,
    commands: commands.length,
    reads: calls.length - commands.length,
    attempts: traffic.attempts,
    attemptFailures: { network: traffic.network, status5xx: traffic.status5xx, inUse: traffic.inUse },
    kills,
    failed: calls.filter((call) => !call.ok).map((call) => ({ operation: call.operation, failure: call.failure!, inFlightAtKill: inFlightAtKill(call) })),
    okOnce: okCalls.filter((call) => countOf(call) === 1).length,
    okMissing: okCalls.filter((call) => countOf(call) === 0).map((call) => `${call.operation} ${call.mark}`),
    okDoubled: okCalls.filter((call) => countOf(call) > 1).map((call) => `${call.operation} ${call.mark} x${countOf(call)}`),
    failedApplied: failedCalls.filter((call) => countOf(call) === 1).length,
    failedDoubled: failedCalls.filter((call) => countOf(call) > 1).map((call) => `${call.operation} ${call.mark} x${countOf(call)}`),
    okAfterFirstKill: kills.length === 0 ? 0 : calls.filter((call) => call.ok && call.startedAt > kills[0]!.at).length,
    processorsCaughtUp,
    readModelEqualsReplay: comparison.equal,
  };
};

/** How often each command's mark appears in the events it writes, by one query per kind. */
const countInLog = async (pool: Pool, tag: string, calls: readonly Call[]): Promise<Map<string, number>> => {
  const found = new Map<string, number>();
  const add = (operation: CommandKind, rows: { mark: string; count: number }[]) => {
    for (const row of rows) found.set(`${operation} ${row.mark}`, row.count);
  };
  const count = async (operation: CommandKind, sql: string, values: unknown[]) =>
    add(operation, (await pool.query<{ mark: string; count: number }>(sql, values)).rows);
  const like = `${tag}-%`;
  await count('products.create', `SELECT message_data->>'name' AS mark, count(*)::int AS count FROM emt_messages WHERE message_type = 'ProductCreated' AND message_data->>'name' LIKE $1 GROUP BY 1`, [like]);
  await count('products.update', `SELECT message_data->>'name' AS mark, count(*)::int AS count FROM emt_messages WHERE message_type = 'ProductDetailsChanged' AND message_data->>'name' LIKE $1 GROUP BY 1`, [like]);
  const marks = (operation: CommandKind) => calls.filter((call) => call.operation === operation).map((call) => call.mark);
  await count('inventory.track', `SELECT message_data->>'productId' AS mark, count(*)::int AS count FROM emt_messages WHERE message_type = 'InventoryTracked' AND message_data->>'productId' = ANY($1) GROUP BY 1`, [marks('inventory.track')]);
  await count(
    'inventory.setStock',
    `SELECT (message_data->>'inventoryId') || ':' || (message_data->>'onHand') AS mark, count(*)::int AS count
       FROM emt_messages WHERE message_type = 'StockLevelSet' AND (message_data->>'inventoryId') || ':' || (message_data->>'onHand') = ANY($1) GROUP BY 1`,
    [marks('inventory.setStock')],
  );
  await count('users.register', `SELECT message_data->>'userId' AS mark, count(*)::int AS count FROM emt_messages WHERE message_type = 'UserRegistered' AND message_data->>'userId' = ANY($1) GROUP BY 1`, [marks('users.register')]);
  return found;
};

/** Addresses are personal data, sealed in the log: the customer's own list (an inline read model, written with the events) shows them. */
const addressCount = async (call: Call): Promise<number> => {
  const { items } = (await call.customer!.users.listAddresses({})) as { items: { line1: string }[] };
  return items.filter((address) => address.line1 === call.mark).length;
};

const parseFlags = (args: string[]): ClusterCampaignOptions => {
  const options: ClusterCampaignOptions = { seconds: 60, kills: 2, workers: 8, loadBalancer: 'auto', installHaproxy: true };
  for (let index = 0; index < args.length; index += 2) {
    const [flag, value] = [args[index], args[index + 1]];
    if (flag === '--lb' && (value === 'auto' || value === 'haproxy' || value === 'node')) options.loadBalancer = value;
    else if ((flag === '--seconds' || flag === '--kills' || flag === '--workers') && Number.isInteger(Number(value)) && Number(value) > 0) {
      options[flag.slice(2) as 'seconds' | 'kills' | 'workers'] = Number(value);
    } else throw new UsageError(`unknown flag or bad value: ${flag} ${value ?? ''}`);
  }
  return options;
};

/** The report as lines; true when a check failed. */
export const printReport = (report: ClusterReport, log: Log): boolean => {
  const unexplained = report.failed.filter((failure) => !failure.inFlightAtKill);
  const failures = new Map<string, number>();
  for (const failure of report.failed) failures.set(`${failure.operation}: ${failure.failure}`, (failures.get(`${failure.operation}: ${failure.failure}`) ?? 0) + 1);
  log(`requests: ${report.calls} SDK calls (${report.commands} commands, ${report.reads} reads) in ${report.attempts} HTTP attempts`);
  log(
    `  attempts that failed and were retried or given up: ${report.attemptFailures.status5xx} answered 5xx by the balancer, ${report.attemptFailures.network} with no answer, ` +
      `${report.attemptFailures.inUse} told the key was still in use by a dead instance`,
  );
  log(`failed calls: ${report.failed.length}, ${report.failed.length - unexplained.length} of them in flight at a kill${unexplained.length ? `, ${unexplained.length} NOT` : ''}`);
  for (const [what, count] of failures) log(`  ${count} x ${what}`);
  const checked = report.okOnce + report.okMissing.length + report.okDoubled.length;
  log(`2xx commands in the log exactly once: ${report.okOnce} of ${checked}${report.okMissing.length ? `; MISSING ${report.okMissing.slice(0, 5).join(', ')}` : ''}${report.okDoubled.length ? `; DOUBLED ${report.okDoubled.slice(0, 5).join(', ')}` : ''}`);
  log(`failed commands the log shows done anyway (answer lost with the instance): ${report.failedApplied}; done twice: ${report.failedDoubled.length}`);
  log(`processors ${report.processorsCaughtUp ? 'caught up' : 'DID NOT catch up'}; category statistics ${report.readModelEqualsReplay ? 'equal to a fresh replay' : 'DIFFER from a fresh replay'}`);
  return unexplained.length > 0 || report.okMissing.length > 0 || report.okDoubled.length > 0 || report.failedDoubled.length > 0 || !report.processorsCaughtUp || !report.readModelEqualsReplay;
};

export const clusterSoak: Soak = {
  name: 'cluster',
  summary: 'two API processes and a processor process behind a load balancer; kill -9 and restart API processes under SDK traffic',
  usage: ['--seconds N   traffic time (default 60)', '--kills N     API kills, evenly spread (default 2)', '--workers N   concurrent SDK clients (default 8)', '--lb auto|haproxy|node   load balancer (default auto: haproxy, installed if missing, else the Node proxy)'],
  async run(args, log) {
    const options = parseFlags(args);
    const database = await openBenchDatabase();
    let cluster: ShopCluster | undefined;
    const pool = createPool(database.url, 2);
    try {
      cluster = await shopCluster(database.url, { loadBalancer: options.loadBalancer, installHaproxy: options.installHaproxy, log });
      log(`soak cluster: ${options.seconds} s, ${options.workers} SDK clients, ${options.kills} kills; ${cluster.apis.length} API processes + 1 processor process on ${database.description}`);
      log(`load balancer: ${cluster.describeBalancer()} at ${cluster.balancer.url}`);
      const report = await runClusterCampaign(cluster, pool, options, log);
      const missed = printReport(report, log);
      log(missed ? 'soak cluster: FAILED' : 'soak cluster: every 2xx command recorded exactly once; every failure was in flight at a kill');
      return missed;
    } finally {
      await cluster?.close();
      await pool.end();
      await database.close();
    }
  },
};
