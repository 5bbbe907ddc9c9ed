/**
 * `npm run soak -- checkout [--trials 200]`: checkouts on a real server process that is killed
 * with SIGKILL at a named crash point (server/src/infra/crash-points.ts) and started again: after
 * an append and before the process's step, after a gateway call and before recording it, in the
 * middle of a webhook, inside the process's steps. The customer and the admin go on as people
 * would (read the order, do what its status asks), and every trial must end with:
 * - the order delivered or cancelled as its scenario says, its process completed or cancelled,
 *   nothing parked;
 * - no double charge or capture, counted in the simulated gateway's own ledger (it lives in the
 *   database, so it survives the kill): at most one authorised intent per payment, at most one
 *   capture, refunds never above the capture, no hold left on the card, and our payment saying
 *   what the gateway did;
 * - no reservation left behind, in the log or in the read model;
 * - stock in the read model (inventory_stock) equal to stock folded from the log.
 * Prints trials, kills and violations; a missed target (any violation) exits 1.
 */
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { openBenchDatabase } from '../bench/database.js';
import { startServerProcess, type ServerProcess } from '../e2e/support/server-process.js';
import { createDatabase } from '../server/src/infra/database/create-database.js';
import { createPool, type Pool } from '../server/src/infra/database/pool.js';
import { createEventStore, loadState } from '../server/src/infra/eventstore.js';
import { inventoryDecider, inventoryStreamName, presentInventory } from '../server/src/modules/inventory/inventory.js';
import { numericFlags, type Log, type Soak } from './soak.js';

export type Scenario = 'happy' | 'decline-then-good' | 'cancel-before-ship' | 'cancel-after-ship';
const ALL: readonly Scenario[] = ['happy', 'decline-then-good', 'cancel-before-ship', 'cancel-after-ship'];
const SHIPPED: readonly Scenario[] = ['happy', 'decline-then-good', 'cancel-after-ship'];

/** Every named point, with the scenarios that pass through it. */
export const CHECKOUT_CRASH_POINTS: readonly { point: string; scenarios: readonly Scenario[] }[] = [
  // After an append, before the process (or anyone) acted on it.
  { point: 'after-append:OrderConfirmed', scenarios: ALL },
  { point: 'after-append:StockReserved', scenarios: ALL },
  { point: 'after-append:OrderAwaitingPayment', scenarios: ALL },
  { point: 'after-append:PaymentAuthorized', scenarios: ALL },
  { point: 'after-append:OrderPaid', scenarios: ALL },
  { point: 'after-append:OrderShipped', scenarios: SHIPPED },
  { point: 'after-append:PaymentCaptured', scenarios: SHIPPED },
  { point: 'after-append:OrderCancelled', scenarios: ['cancel-before-ship', 'cancel-after-ship'] },
  { point: 'after-append:OrderDelivered', scenarios: ['happy', 'decline-then-good'] },
  // After a gateway call, before its answer was recorded.
  { point: 'gateway:after-createIntent', scenarios: ALL },
  { point: 'gateway:after-confirmIntent', scenarios: ALL },
  { point: 'gateway:after-captureIntent', scenarios: SHIPPED },
  { point: 'gateway:after-cancelIntent', scenarios: ['cancel-before-ship'] },
  { point: 'gateway:after-refund', scenarios: ['cancel-after-ship'] },
  // In the middle of a webhook.
  { point: 'webhook:before-apply', scenarios: ALL },
  { point: 'webhook:after-apply', scenarios: ALL },
  // Inside the process's steps, and before its checkpoint commits.
  { point: 'fulfillment:after-reserve', scenarios: ALL },
  { point: 'fulfillment:after-allocate', scenarios: ALL },
  { point: 'fulfillment:after-capture', scenarios: SHIPPED },
  { point: 'fulfillment:after-void', scenarios: ['cancel-before-ship'] },
  { point: 'fulfillment:after-refund', scenarios: ['cancel-after-ship'] },
  { point: 'fulfillment:before-commit', scenarios: ALL },
];

/** Trial n: the points in turn, each with the scenarios it belongs to in turn. */
export const trialPlan = (count: number): { index: number; point: string; scenario: Scenario }[] => {
  const pairs = CHECKOUT_CRASH_POINTS.flatMap(({ point, scenarios }) => scenarios.map((scenario) => ({ point, scenario })));
  // Interleaved so that a short run still visits every kind of point.
  const byScenario = ALL.map((scenario) => pairs.filter((pair) => pair.scenario === scenario));
  const ordered: { point: string; scenario: Scenario }[] = [];
  for (let i = 0; ordered.length < pairs.length; i += 1) for (const list of byScenario) if (list[i]) ordered.push(list[i]!);
  return Array.from({ length: count }, (_, index) => ({ index, ...ordered[index % ordered.length]! }));
};

const ADMIN = { email: 'admin@soak.local', password: 'soak-admin-password' };
const ADDRESS = { recipientName: 'Ada Lovelace', line1: '12 St James Square', city: 'London', postalCode: 'SW1Y 4JH', country: 'GB' };
const STOCK = 10;
const QUANTITY = 2;
const FINAL_PAYMENT: Record<Scenario, string> = { happy: 'captured', 'decline-then-good': 'captured', 'cancel-before-ship': 'voided', 'cancel-after-ship': 'refunded' };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The server, killed at its armed point and started again (disarmed) whenever a call finds it gone. */
const restartingServer = (databaseUrl: string, crashFile: string, log: Log) => {
  let server: ServerProcess | undefined;
  let starting: Promise<ServerProcess> | undefined;
  let kills = 0;
  let startedAt = Date.now();
  const start = () =>
    (starting ??= startServerProcess({
      DATABASE_URL: databaseUrl,
      EVENTSHOP_ADMIN_EMAIL: ADMIN.email,
      EVENTSHOP_ADMIN_PASSWORD: ADMIN.password,
      EVENTSHOP_TEST_CRASH_FILE: crashFile,
      EVENTSHOP_PROCESSOR_RETRY_MS: '50',
    }).then((started) => {
      server = started;
      starting = undefined;
      startedAt = Date.now();
      return started;
    }));
  const dead = () => !server || server.child.exitCode !== null || server.child.signalCode !== null;
  return {
    start,
    get kills() {
      return kills;
    },
    /** A deadline that a restart moves: a start takes seconds on a busy machine, and is not what a trial waits for. */
    deadline(ms: number) {
      const set = Date.now();
      return () => Date.now() > Math.max(set, startedAt) + ms && !starting;
    },
    /** The URL of a live server: a dead one is counted and replaced (after disarming, or it would die again at once). */
    async url(): Promise<string> {
      if (server && !dead()) return server.url;
      if (server && server.child.signalCode === 'SIGKILL' && !starting) {
        kills += 1;
        disarm(crashFile);
      } else if (server && !starting) log(`server exited on its own (${server.child.exitCode}):\n${server.output().slice(-2000)}`);
      return (await start()).url;
    },
    /** Whether the last call's failure was the server going away (it is given a moment to finish dying). */
    async died() {
      for (let i = 0; i < 20 && !dead(); i += 1) await sleep(25);
      return dead();
    },
    async stop() {
      if (server && !dead()) await server.stop('SIGINT');
    },
  };
};

const arm = (file: string, point: string) => writeFileSync(file, point);
const disarm = (file: string) => writeFileSync(file, '');

type Answer = { status: number; body: any };

/**
 * Runs `trials` checkout trials against a server on `databaseUrl`; answers the counts and every
 * violation in words.
 */
export const checkoutTrials = async (databaseUrl: string, plan: readonly { index: number; point: string; scenario: Scenario }[], log: Log, total = plan.length) => {
  const directory = await mkdtemp(path.join(os.tmpdir(), 'eventshop-checkout-soak-'));
  const crashFile = path.join(directory, 'crash-at');
  disarm(crashFile);
  const shop = restartingServer(databaseUrl, crashFile, log);
  const pool: Pool = createPool(databaseUrl, 3);
  const violations: string[] = [];
  let reached = 0;
  try {
    await shop.start();
    const eventStore = createEventStore(databaseUrl, pool, []);

    /** One call that outlives the server: a connection lost to a kill is sent again to the restarted server. */
    const call = async (method: string, route: string, token: string | undefined, body?: unknown): Promise<Answer> => {
      for (;;) {
        const url = await shop.url();
        try {
          const response = await fetch(`${url}${route}`, {
            method,
            headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token ? { authorization: `Bearer ${token}` } : {}) },
            ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          });
          const text = await response.text();
          return { status: response.status, body: text ? JSON.parse(text) : undefined };
        } catch (error) {
          if (!(await shop.died())) throw error;
        }
      }
    };
    const ok = async (method: string, route: string, token: string | undefined, body?: unknown) => {
      const answer = await call(method, route, token, body);
      if (answer.status >= 300) throw new Error(`${method} ${route}: ${answer.status} ${JSON.stringify(answer.body)}`);
      return answer.body;
    };

    const adminToken = (await ok('POST', '/api/users/login', undefined, ADMIN)).token as string;
    const customer = (await ok('POST', '/api/users/register', undefined, { email: `soak-${Date.now()}@soak.local`, password: 'soak-customer-password', name: 'Soak Customer' })).token as string;

    /** The customer and the admin, doing what the order's status asks until it ends; false when it is stuck. */
    const drive = async (orderId: string, scenario: Scenario): Promise<string> => {
      const late = shop.deadline(60_000);
      let last = '';
      while (!late()) {
        const order = (await call('GET', `/api/orders/${orderId}`, customer)).body as { status: string };
        last = order?.status ?? 'unknown';
        switch (last) {
          case 'draft':
            await call('POST', `/api/orders/${orderId}/confirm`, customer, {});
            break;
          case 'awaiting_payment': {
            const payment = await call('POST', '/api/payments', customer, { orderId });
            const status = payment.body?.status as string | undefined;
            if (status === 'requested' || status === 'declined') {
              const card = scenario === 'decline-then-good' && status === 'requested' ? 'pm_card_chargeDeclined' : 'pm_card_visa';
              await call('POST', `/api/payments/${payment.body.id}/stripe`, customer, { paymentMethod: card });
            } else await sleep(20);
            break;
          }
          case 'paid':
            if (scenario === 'cancel-before-ship') await call('POST', `/api/orders/${orderId}/cancel`, customer, { reason: 'Changed my mind' });
            else await call('POST', `/api/orders/${orderId}/ship`, adminToken, { trackingCode: 'SOAK-1' });
            break;
          case 'shipped':
            if (scenario === 'cancel-after-ship') await call('POST', `/api/orders/${orderId}/cancel`, adminToken, { reason: 'Lost in transit' });
            else await call('POST', `/api/orders/${orderId}/deliver`, adminToken, {});
            break;
          case 'delivered':
          case 'cancelled':
            return last;
          default:
            await sleep(20);
        }
      }
      return `stuck at ${last}`;
    };

    /** The process and the payment have finished what the order's end asks (a crash may have left them to catch up). */
    const settled = async (orderId: string, paymentId: string | undefined, scenario: Scenario) => {
      const late = shop.deadline(30_000);
      let state = '';
      while (!late()) {
        await shop.url(); // a kill in the background (a webhook, the process) is noticed and repaired here
        const { rows } = await pool.query<{ step: string | null; payment: string | null; owed: number }>(
          `SELECT (SELECT step FROM fulfillment_processes WHERE order_id::text = $1::text) AS step,
                  (SELECT status FROM payments WHERE order_id = $1::text) AS payment,
                  (SELECT count(*)::int FROM simulated_gateway_webhooks WHERE delivered_at IS NULL AND payload LIKE '%' || $2 || '%') AS owed`,
          [orderId, paymentId ?? orderId],
        );
        const row = rows[0]!;
        state = `process ${row.step}, payment ${row.payment}, ${row.owed} webhooks owed`;
        const done = row.step === (scenario.startsWith('cancel') ? 'cancelled' : 'completed') && row.payment === FINAL_PAYMENT[scenario] && row.owed === 0;
        if (done) return undefined;
        await sleep(50);
      }
      return `never settled: ${state}`;
    };

    for (const { index, point, scenario } of plan) {
      const problems: string[] = [];
      const product = await ok('POST', '/api/products', adminToken, { name: `Soak cup ${index}`, price: { amount: 1500 + index, currency: 'EUR' }, categoryId: 'soak' });
      await ok('PUT', `/api/products/${product.id}/stock`, adminToken, { quantity: STOCK });
      const order = await ok('POST', '/api/orders', customer, { items: [{ productId: product.id, quantity: QUANTITY }], shippingAddress: ADDRESS });
      const killsBefore = shop.kills;
      arm(crashFile, point);
      const end = await drive(order.id as string, scenario);
      const expectedEnd = scenario.startsWith('cancel') ? 'cancelled' : 'delivered';
      if (end !== expectedEnd) problems.push(`order ${end}, expected ${expectedEnd}`);
      const payment = (await pool.query<{ id: string }>('SELECT id FROM payments WHERE order_id = $1', [order.id])).rows[0];
      const unsettled = await settled(order.id as string, payment?.id, scenario);
      if (unsettled) problems.push(unsettled);
      disarm(crashFile);
      await shop.url();
      const killed = shop.kills > killsBefore;
      if (killed) reached += 1;
      problems.push(...(await checkTrial(pool, eventStore, { orderId: order.id as string, productId: product.id as string, paymentId: payment?.id, scenario })));
      for (const problem of problems) violations.push(`trial ${index + 1} (${scenario}, ${point}): ${problem}`);
      log(`trial ${index + 1}/${total} ${scenario} at ${point}: ${killed ? 'killed and restarted' : 'point not reached'}; ${problems.length === 0 ? 'ok' : problems.join('; ')}`);
    }
    violations.push(...(await checkGlobal(pool, eventStore)));
    return { trials: plan.length, kills: shop.kills, reached, violations };
  } finally {
    await shop.stop().catch(() => {});
    await pool.end();
    await rm(directory, { recursive: true, force: true });
  }
};

/** The checks of one trial, on the database after it settled. */
const checkTrial = async (
  pool: Pool,
  eventStore: ReturnType<typeof createEventStore>,
  trial: { orderId: string; productId: string; paymentId: string | undefined; scenario: Scenario },
): Promise<string[]> => {
  const problems: string[] = [];
  const { orderId, scenario } = trial;
  const count = async (sql: string, params: unknown[]) => (await pool.query<{ n: number }>(sql, params)).rows[0]!.n;
  const eventsOf = (type: string) => count(`SELECT count(*)::int AS n FROM emt_messages WHERE message_type = $1 AND message_data->>'orderId' = $2`, [type, orderId]);

  // Each step once, however often it was tried.
  for (const type of ['OrderConfirmed', 'StockReserved', 'OrderAwaitingPayment', 'OrderPaid', 'PaymentAuthorized']) {
    const n = await eventsOf(type);
    if (n !== 1) problems.push(`${n} × ${type}`);
  }
  if ((await eventsOf('PaymentCaptured')) > 1) problems.push('PaymentCaptured recorded twice');

  // The gateway's own ledger: what the card was charged.
  if (trial.paymentId) {
    const { rows: intents } = await pool.query<{ id: string; status: string; amount: number; received: number }>(
      `SELECT id, state->>'status' AS status, (state->>'amount')::int AS amount, (state->>'amountReceived')::int AS received FROM simulated_gateway_intents WHERE payment_id = $1`,
      [trial.paymentId],
    );
    const { rows: moves } = await pool.query<{ intent_id: string; kind: string; amount: number }>('SELECT intent_id, kind, amount FROM simulated_gateway_movements WHERE payment_id = $1', [trial.paymentId]);
    const of = (kind: string) => moves.filter((move) => move.kind === kind);
    if (intents.length !== 1) problems.push(`${intents.length} gateway intents for one payment`);
    if (of('authorize').length !== 1) problems.push(`${of('authorize').length} authorisations on the card`);
    const captures = of('capture');
    for (const intent of intents) if (captures.filter((move) => move.intent_id === intent.id).length > 1) problems.push(`intent ${intent.id} captured ${captures.length} times`);
    const held = intents.filter((intent) => intent.status === 'requires_capture');
    if (held.length > 0) problems.push(`a hold is left on the card (${held.length} intents requires_capture)`);
    const captured = captures.reduce((sum, move) => sum + move.amount, 0);
    const refunded = of('refund').reduce((sum, move) => sum + move.amount, 0);
    if (refunded > captured) problems.push(`refunded ${refunded} of ${captured} captured`);
    const shipped = scenario !== 'cancel-before-ship';
    if (shipped && captures.length !== 1) problems.push(`${captures.length} captures for a shipped order`);
    if (!shipped && (captures.length > 0 || of('void').length !== 1)) problems.push(`cancelled before shipping: ${captures.length} captures, ${of('void').length} voids`);
    if (scenario === 'cancel-after-ship' && refunded !== captured) problems.push(`cancelled after shipping: refunded ${refunded} of ${captured}`);
    const { rows: ours } = await pool.query<{ captured: number; refunded: number }>('SELECT captured, refunded FROM payments WHERE id = $1', [trial.paymentId]);
    if (ours[0] && (Number(ours[0].captured) !== captured || Number(ours[0].refunded) !== refunded)) {
      problems.push(`our payment says captured ${ours[0].captured} refunded ${ours[0].refunded}; the gateway ${captured} / ${refunded}`);
    }
  } else problems.push('no payment');

  // No reservation left behind, and the stock the scenario leaves.
  const inventoryId = (await pool.query<{ id: string }>('SELECT id FROM inventory_stock WHERE product_id = $1', [trial.productId])).rows[0]?.id;
  if (!inventoryId) return [...problems, 'no inventory row'];
  const { state } = await loadState(eventStore, inventoryDecider, inventoryStreamName(inventoryId), undefined);
  if (state.status !== 'tracked') return [...problems, `inventory ${state.status}`];
  const shown = presentInventory(state);
  const left = shown.status === 'tracked' ? Object.keys(shown.reservations) : [];
  if (left.length > 0) problems.push(`reservations left in the log: ${left.join(', ')}`);
  const active = await count(`SELECT count(*)::int AS n FROM inventory_reservations WHERE inventory_id = $1 AND status = 'active'`, [inventoryId]);
  if (active > 0) problems.push(`${active} reservations active in the read model`);
  const expectedOnHand = scenario === 'cancel-before-ship' ? STOCK : STOCK - QUANTITY;
  if (state.onHand !== expectedOnHand) problems.push(`on hand ${state.onHand} in the log, expected ${expectedOnHand}`);
  return problems;
};

/** Over the whole run: every item's stock in the read model equal to its log, nothing parked. */
export const checkGlobal = async (pool: Pool, eventStore: ReturnType<typeof createEventStore>): Promise<string[]> => {
  const problems: string[] = [];
  const { rows } = await pool.query<{ id: string; on_hand: number; reserved: number }>('SELECT id, on_hand, reserved FROM inventory_stock');
  for (const row of rows) {
    const { state } = await loadState(eventStore, inventoryDecider, inventoryStreamName(row.id), undefined);
    if (state.status !== 'tracked') continue;
    if (state.onHand !== row.on_hand || state.reserved !== row.reserved) {
      problems.push(`inventory ${row.id}: read model on hand ${row.on_hand} reserved ${row.reserved}, log ${state.onHand} / ${state.reserved}`);
    }
  }
  const { rows: parked } = await pool.query<{ processor: string; event_type: string; error: string }>(`SELECT processor, event_type, error FROM eventshop_parked WHERE status IN ('parked', 'blocked')`);
  for (const entry of parked) problems.push(`${entry.processor} parked ${entry.event_type}: ${entry.error}`);
  const { rows: open } = await pool.query<{ order_id: string; step: string }>(`SELECT order_id, step FROM fulfillment_processes WHERE step NOT IN ('completed', 'cancelled')`);
  for (const entry of open) problems.push(`order ${entry.order_id} left at step ${entry.step}`);
  return problems;
};

export const checkoutSoak: Soak = {
  name: 'checkout',
  summary: 'kill -9 the server at every crash point of a checkout; no double charge, no stock lost',
  usage: ['--trials N   checkouts, each with one armed crash point (default 200)', '--lanes N    servers killed side by side, each on its own database (default 4)'],
  async run(args, log) {
    const { trials, lanes } = numericFlags(args, { trials: 200, lanes: 4 });
    const database = await openBenchDatabase();
    try {
      log(`soak checkout: ${trials} trials, ${CHECKOUT_CRASH_POINTS.length} crash points, ${lanes} lanes, on ${database.description}`);
      const plan = trialPlan(trials);
      const started = Date.now();
      // A start costs seconds and a trial needs one: lanes of their own (server, database) run side by side.
      const results = await Promise.all(
        Array.from({ length: lanes }, async (_, lane) =>
          checkoutTrials(lane === 0 ? database.url : await createDatabase(database.url, `checkout_lane_${lane}`), plan.filter((trial) => trial.index % lanes === lane), log, trials),
        ),
      );
      const violations = results.flatMap((result) => result.violations);
      const sum = (key: 'trials' | 'kills' | 'reached') => results.reduce((total, result) => total + result[key], 0);
      for (const violation of violations) log(`VIOLATION ${violation}`);
      log(`soak checkout: ${sum('trials')} trials, ${sum('kills')} kills -9 and restarts (${sum('reached')} trials reached their point), ${violations.length} violations, in ${Math.round((Date.now() - started) / 1000)} s`);
      return violations.length > 0;
    } finally {
      await database.close();
    }
  },
};
