import { performance } from 'node:perf_hooks';
import type { ShopClient } from '@eventshop/sdk';
import { integerList, parseFlags, positiveInteger, type Bench } from './bench.js';
import { startBenchServer } from './fixture.js';
import { formatMs, formatRate, table, type Log } from './format.js';
import { percentile, runClosedLoop } from './load.js';

/** Checkouts are slow enough that whole numbers would read 0: two decimals below 10/s. */
const rate = (perSec: number) => (Number.isFinite(perSec) && perSec < 10 ? perSec.toFixed(2) : formatRate(perSec));

const ADDRESS = { recipientName: 'Ada Lovelace', line1: '12 St James Square', city: 'London', postalCode: 'SW1Y 4JH', country: 'GB' };
/**
 * How a waiting customer reads its order again: at once after 5 ms, then half as often again each
 * time, up to every 50 ms. The grain of the confirm-to-paid figures; a fixed 5 ms would have 64
 * customers send thousands of reads a second, and measure those instead of the checkouts.
 */
const FIRST_POLL_MS = 5;
const MAX_POLL_MS = 50;
const ACCOUNTS = 8;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const until = async (client: ShopClient, id: string, status: string) => {
  for (let wait = FIRST_POLL_MS; ; wait = Math.min(MAX_POLL_MS, wait * 1.5)) {
    const order = await client.orders.get({ id });
    if (order.status === status) return;
    if (order.status === 'cancelled') throw new Error(`order ${id} was cancelled: ${JSON.stringify(order)}`);
    await sleep(wait);
  }
};

/**
 * One customer's checkout on the simulated gateway, as a shop front does it: order, confirm, wait
 * for the stock to be reserved, open the payment, pay with pm_card_visa, wait for the order to be
 * paid (the process allocated the stock on the authorisation). Answers the confirm-to-paid time.
 */
const checkout = async (client: ShopClient, productId: string): Promise<number> => {
  const order = await client.orders.create({ items: [{ productId, quantity: 1 }], shippingAddress: ADDRESS });
  const t0 = performance.now();
  await client.orders.confirm({ id: order.id });
  await until(client, order.id, 'awaiting_payment');
  const { paymentId } = await client.orders.requestPayment({ id: order.id });
  const payment = await client.payments.confirm({ paymentId, paymentMethod: 'pm_card_visa' });
  if (payment.status !== 'authorized') throw new Error(`payment ${paymentId} is ${payment.status}`);
  await until(client, order.id, 'paid');
  return performance.now() - t0;
};

export type CheckoutRow = { customers: number; checkoutsPerSec: number; p50Ms: number; p99Ms: number; failed: number; productCreatesPerSec: number; firstError: string | undefined };

export const benchCheckout = async (options: { databaseUrl: string; customers: number[]; checkouts: number; log: Log }): Promise<CheckoutRow[]> => {
  const server = await startBenchServer(options.databaseUrl, 'process');
  try {
    const admin = server.client(server.adminToken);
    // Stock spread over products, so the figure is the checkout's and not one hot item's.
    const products = await Promise.all(
      Array.from({ length: 32 }, async (_, i) => {
        const product = await admin.products.create({ name: `Bench mug ${i}`, price: { amount: 1200 + i, currency: 'EUR' }, categoryId: 'bench' });
        await admin.products.setStock({ id: product.id, quantity: 1_000_000_000 });
        return product.id;
      }),
    );
    const most = Math.max(...options.customers);
    // Sign-ups hash passwords (slow on purpose, and not what is measured): a few accounts, signed up
    // one after the other before anything is timed; each concurrent customer has its own client
    // (its own connections) on one of them.
    const tokens: string[] = [];
    for (let i = 0; i < Math.min(most, ACCOUNTS); i += 1) {
      tokens.push((await server.client().users.register({ email: `bench-${i}-${Date.now()}@bench.local`, password: 'bench-customer-password', name: 'Bench Customer' })).token);
    }
    const customers = Array.from({ length: most }, (_, i) => server.client(tokens[i % tokens.length]));
    options.log(`${products.length} products with stock, ${customers.length} customers on ${tokens.length} accounts; server in its own process, simulated gateway, SDK clients in this one (no retries); orders polled after ${FIRST_POLL_MS} ms, then less often, up to every ${MAX_POLL_MS} ms`);
    const admins = Array.from({ length: most }, () => server.client(server.adminToken));
    const rows: CheckoutRow[] = [];
    for (const count of options.customers) {
      const confirmToPaid = new Float64Array(options.checkouts).fill(Number.NaN);
      const result = await runClosedLoop({
        concurrency: count,
        total: options.checkouts,
        maxDurationMs: 180_000,
        operation: async (index, worker) => {
          confirmToPaid[index] = await checkout(customers[worker]!, products[index % products.length]!);
        },
      });
      const done = confirmToPaid.filter((ms) => !Number.isNaN(ms)).sort();
      const creates = await runClosedLoop({
        concurrency: count,
        total: options.checkouts,
        maxDurationMs: 60_000,
        operation: async (index, worker) => {
          await admins[worker]!.products.create({ name: `Bench plate ${count}-${index}`, price: { amount: 900, currency: 'EUR' }, categoryId: 'bench-plates' });
        },
      });
      rows.push({
        customers: count,
        checkoutsPerSec: result.opsPerSec,
        p50Ms: done.length ? percentile(done, 50) : Number.NaN,
        p99Ms: done.length ? percentile(done, 99) : Number.NaN,
        failed: result.failed,
        productCreatesPerSec: creates.opsPerSec,
        firstError: result.firstError,
      });
    }
    return rows;
  } finally {
    await server.close();
  }
};

export const checkoutBench: Bench = {
  name: 'checkout',
  summary: 'completed checkouts/s (order, confirm, pay on the simulated gateway, paid) at 1, 16, 64 customers, confirm-to-paid p50/p99, beside product creates/s',
  usage: ['--customers 1,16,64   concurrent customers per row', '--checkouts 200       checkouts (and product creates) per row'],
  prepare(args) {
    const flags = parseFlags(args, { customers: { type: 'string' }, checkouts: { type: 'string' } });
    const customers = integerList(flags.customers, 'customers') ?? [1, 16, 64];
    const checkouts = positiveInteger(flags.checkouts, 'checkouts') ?? 200;
    return async ({ databaseUrl, log }) => {
      const rows = await benchCheckout({ databaseUrl, customers, checkouts, log });
      for (const line of table(
        ['customers', 'checkouts/s', 'confirm→paid p50 ms', 'p99 ms', 'failed', 'product creates/s'],
        rows.map((row) => [String(row.customers), rate(row.checkoutsPerSec), formatMs(row.p50Ms), formatMs(row.p99Ms), String(row.failed), rate(row.productCreatesPerSec)]),
      ))
        log(line);
      for (const row of rows) if (row.firstError) log(`first failure at ${row.customers} customers: ${row.firstError}`);
    };
  },
};
