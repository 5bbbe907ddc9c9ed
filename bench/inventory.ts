import { randomUUID } from 'node:crypto';
import { Agent, request } from 'undici';
import { performance } from 'node:perf_hooks';
import type { ShopClient } from '@eventshop/sdk';
import { createPool } from '../server/src/infra/database/pool.js';
import { createEventStore, handleCommand } from '../server/src/infra/eventstore.js';
import { snapshotStore } from '../server/src/infra/snapshots.js';
import { inlineProjections } from '../server/src/modules/index.js';
import { inventoryDecider, inventoryStreamName, type InventoryCommand } from '../server/src/modules/inventory/inventory.js';
import { integerList, parseFlags, positiveInteger, type Bench } from './bench.js';
import { startBenchServer, type BenchServer } from './fixture.js';
import { formatMs, formatRate, table, verdict, type Log } from './format.js';
import { combineRuns, runClosedLoop } from './load.js';

/** From the issue: at 64 clients one hot product keeps at least half its 16-client rate. */
const HOT_RATIO_TARGET = 0.5;

const tracked = async (admin: ShopClient, quantity: number) => {
  const product = await admin.products.create({ name: `Bench item ${randomUUID().slice(0, 8)}`, price: { amount: 100, currency: 'USD' }, categoryId: 'bench' });
  return admin.inventory.track({ productId: product.id, quantity });
};

const serviceClientFactory = async (server: BenchServer) => {
  const admin = server.client(server.adminToken);
  const { key } = await admin.apiKeys.create({ name: 'bench warehouse', role: 'service' });
  return { admin, key, client: () => server.client(key) };
};

/** Reservations per second from `clients` callers, each reserving 1 unit for its own order on `pick(i)`. */
const reserveRun = async (clients: ShopClient[], total: number, pick: (index: number) => string) => {
  let busy = 0;
  const result = await runClosedLoop({
    concurrency: clients.length,
    total,
    maxDurationMs: 120_000,
    operation: async (index, worker) => {
      try {
        await clients[worker]!.inventory.reserve({ inventoryId: pick(index), orderId: `bench-${randomUUID()}`, quantity: 1, expiresInSeconds: 3600 });
      } catch (error) {
        if ((error as { code?: string }).code === 'stream_busy') busy++;
        throw error;
      }
    },
  });
  return { ...result, busy };
};

/** Appends and events in a stream: events per append is how much batching the load found. */
const appendsOf = async (databaseUrl: string, inventoryIds: string[]) => {
  const pool = createPool(databaseUrl, 1);
  try {
    const { rows } = await pool.query<{ appends: number; events: number }>(
      `SELECT count(DISTINCT transaction_id)::int AS appends, count(*)::int AS events FROM emt_messages WHERE stream_id = ANY($1)`,
      [inventoryIds.map(inventoryStreamName)],
    );
    return rows[0]!;
  } finally {
    await pool.end();
  }
};

/** Runs `count` commands on one item through the command path (batched appends, snapshots included), from the bench process. */
const commandsOn = async (databaseUrl: string, inventoryId: string, count: number, command: (index: number) => InventoryCommand) => {
  const pool = createPool(databaseUrl, 4);
  const eventStore = createEventStore(databaseUrl, pool, inlineProjections());
  const snapshots = snapshotStore(pool);
  try {
    const metadata = { correlationId: 'bench', causationId: 'bench', actorId: null, requestId: 'bench', occurredAt: new Date().toISOString() };
    for (let done = 0; done < count; done += 500) {
      await Promise.all(
        Array.from({ length: Math.min(500, count - done) }, (_, i) =>
          handleCommand(eventStore, inventoryDecider, { streamName: inventoryStreamName(inventoryId), command: command(done + i), metadata, snapshots }),
        ),
      );
    }
  } finally {
    await eventStore.close().catch(() => {});
    await pool.end();
  }
};

export const hotProductBench: Bench = {
  name: 'hot-product',
  summary: 'reservations/s on one product at 1, 16, 64 clients beside 1,000 products; a 100,000-event item against a new one; 5,000 open holds against none',
  usage: [
    '--clients 1,16,64   concurrent callers per row',
    '--requests 2000     reservations per row',
    '--long 100000       events in the long stream (0 to skip)',
    '--holds 5000        open reservations on one item, against none (0 to skip)',
  ],
  prepare(args) {
    const flags = parseFlags(args, { clients: { type: 'string' }, requests: { type: 'string' }, long: { type: 'string' }, holds: { type: 'string' } });
    const openHolds = flags.holds === '0' ? 0 : (positiveInteger(flags.holds, 'holds') ?? 5000);
    const clientCounts = integerList(flags.clients, 'clients') ?? [1, 16, 64];
    const requests = positiveInteger(flags.requests, 'requests') ?? 2000;
    const longEvents = flags.long === '0' ? 0 : (positiveInteger(flags.long, 'long') ?? 100_000);
    return async ({ databaseUrl, log }) => {
      const server = await startBenchServer(databaseUrl, 'process');
      try {
        const { admin, client } = await serviceClientFactory(server);
        const hot = await tracked(admin, 1_000_000_000);
        const spread = await Promise.all(Array.from({ length: 1000 }, () => tracked(admin, 1_000_000_000)));
        log(`${spread.length + 1} inventory items tracked; server in its own process, SDK clients in this one (no retries)`);
        const rows: string[][] = [];
        const rates = new Map<number, number>();
        for (const count of clientCounts) {
          const clients = Array.from({ length: count }, client);
          for (const [label, ids] of [['hot (1 product)', [hot.id]], ['spread (1,000)', spread.map((item) => item.id)]] as const) {
            const before = await appendsOf(databaseUrl, [...ids]);
            const result = await reserveRun(clients, requests, (index) => ids[index % ids.length]!);
            const after = await appendsOf(databaseUrl, [...ids]);
            const eventsPerAppend = (after.events - before.events) / Math.max(1, after.appends - before.appends);
            if (label.startsWith('hot')) rates.set(count, result.opsPerSec);
            rows.push([label, String(count), formatRate(result.opsPerSec), formatMs(result.latency.p50Ms), formatMs(result.latency.p99Ms), String(result.failed), String(result.busy), eventsPerAppend.toFixed(1)]);
          }
        }
        for (const line of table(['load', 'clients', 'reserve/s', 'p50 ms', 'p99 ms', 'failed', 'busy (409)', 'events/append'], rows)) log(line);
        const at16 = rates.get(16);
        const at64 = rates.get(64);
        const ratio = at16 && at64 ? at64 / at16 : undefined;
        log('');
        log(`hot product at 64 clients: ${ratio === undefined ? '-' : `${(ratio * 100).toFixed(0)}%`} of its 16-client rate (target >= ${HOT_RATIO_TARGET * 100}%): ${verdict(ratio === undefined ? undefined : ratio >= HOT_RATIO_TARGET)}`);

        if (longEvents > 0) {
          const long = await tracked(admin, 1_000_000_000);
          const fresh = await tracked(admin, 1_000_000_000);
          const t0 = performance.now();
          await commandsOn(databaseUrl, long.id, longEvents, (i) => ({
            type: 'SetStockLevel',
            data: { inventoryId: long.id, onHand: 1_000_000 + (i % 2), reason: 'count_correction', now: new Date() },
          }));
          log('');
          log(`long stream: ${longEvents} events appended in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
          const one = [client()];
          const longRun = await reserveRun(one, 300, () => long.id);
          const freshRun = await reserveRun(one, 300, () => fresh.id);
          for (const line of table(
            ['item', 'reserve/s', 'p50 ms', 'p99 ms'],
            [
              [`${longEvents}-event stream`, formatRate(longRun.opsPerSec), formatMs(longRun.latency.p50Ms), formatMs(longRun.latency.p99Ms)],
              ['new stream', formatRate(freshRun.opsPerSec), formatMs(freshRun.latency.p50Ms), formatMs(freshRun.latency.p99Ms)],
            ],
          ))
            log(line);
          const slowdown = longRun.latency.p50Ms / freshRun.latency.p50Ms;
          log(`long stream p50 is ${slowdown.toFixed(2)}x a new stream's (target <= 1.5x): ${verdict(slowdown <= 1.5)}`);
        }

        if (openHolds > 0) {
          // A hot item's open reservations are part of its state: their number must not slow a command down.
          const rows: string[][] = [];
          const ratios: number[] = [];
          const piled = await tracked(admin, 1_000_000_000);
          const hour = new Date(Date.now() + 3_600_000);
          await commandsOn(databaseUrl, piled.id, openHolds, (i) => ({
            type: 'ReserveStock',
            data: { inventoryId: piled.id, reservationId: randomUUID(), orderId: `open-${i}`, quantity: 1, expiresAt: hour, now: new Date() },
          }));
          log('');
          log(`open holds: ${openHolds} reservations left open on one item (from the bench process), against an item with none; 4 alternating rounds each`);
          for (const count of [1, 16]) {
            const clients = Array.from({ length: count }, client);
            const fresh = await tracked(admin, 1_000_000_000);
            // Alternating rounds, so a change in the machine's load falls on both sides alike.
            const noneRuns = [];
            const manyRuns = [];
            for (let round = 0; round < 4; round++) {
              noneRuns.push(await reserveRun(clients, 75 * Math.min(count, 4), () => fresh.id));
              manyRuns.push(await reserveRun(clients, 75 * Math.min(count, 4), () => piled.id));
            }
            const none = { ...combineRuns(noneRuns), busy: 0 };
            const many = { ...combineRuns(manyRuns), busy: 0 };
            ratios.push(many.opsPerSec / none.opsPerSec);
            for (const [label, run] of [['0 open', none], [`${openHolds} open`, many]] as const)
              rows.push([label, String(count), formatRate(run.opsPerSec), formatMs(run.latency.p50Ms), formatMs(run.latency.p99Ms), String(run.failed)]);
          }
          for (const line of table(['holds on the item', 'clients', 'reserve/s', 'p50 ms', 'p99 ms', 'failed'], rows)) log(line);
          const worst = Math.min(...ratios);
          log(`with ${openHolds} open holds the item keeps ${(worst * 100).toFixed(0)}% of its rate with none, at worst (target >= 80%): ${verdict(worst >= 0.8)}`);
        }
      } finally {
        await server.close();
      }
    };
  },
};

/** `count` tracked items of `stock` units each, made 16 at a time, so the races themselves are all a run times. */
const trackedItems = async (admin: ShopClient, count: number, stock: number) => {
  const items: { id: string }[] = [];
  await runClosedLoop({
    concurrency: 16,
    total: count,
    operation: async (index) => {
      items[index] = await tracked(admin, stock);
    },
  });
  if (items.filter(Boolean).length !== count) throw new Error(`tracked ${items.filter(Boolean).length} of ${count} items`);
  return items;
};

type Buyer = (inventoryId: string, orderId: string) => Promise<'sold' | 'refused' | 'error'>;

/** A buyer through the SDK: every command carries an Idempotency-Key, so each one also writes an idempotency record. */
const sdkBuyer =
  (client: ShopClient): Buyer =>
  (inventoryId, orderId) =>
    client.inventory.reserve({ inventoryId, orderId, quantity: 1, expiresInSeconds: 3600 }).then(
      () => 'sold' as const,
      (error: { code?: string }) => (error.code === 'insufficient_stock' ? ('refused' as const) : ('error' as const)),
    );

/** A buyer as the test suite's race is: plain HTTP requests on one keep-alive pool, no Idempotency-Key. */
const httpBuyer =
  (baseUrl: string, apiKey: string, agent: Agent): Buyer =>
  async (inventoryId, orderId) => {
    try {
      const response = await request(`${baseUrl}/api/inventory/${inventoryId}/reserve`, {
        method: 'POST',
        dispatcher: agent,
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ orderId, quantity: 1, expiresInSeconds: 3600 }),
      });
      const body = (await response.body.json()) as { code?: string };
      if (response.statusCode === 200) return 'sold';
      return response.statusCode === 409 && body.code === 'insufficient_stock' ? 'refused' : 'error';
    } catch {
      return 'error';
    }
  };

/** One race: `buyers` concurrent reservations of 1 unit against the `stock` units of `item`. */
const race = async (admin: ShopClient, buy: Buyer, item: { id: string }, stock: number, buyers: number) => {
  const outcomes = await Promise.all(Array.from({ length: buyers }, (_, i) => buy(item.id, `race-${i}`)));
  const after = await admin.inventory.get({ inventoryId: item.id });
  const sold = outcomes.filter((outcome) => outcome === 'sold').length;
  return { sold, errors: outcomes.filter((outcome) => outcome === 'error').length, oversold: sold > stock || after.reserved !== sold || after.available < 0 };
};

export const oversellBench: Bench = {
  name: 'oversell',
  summary: 'repeats 500 concurrent reservations against 100 units and counts the runs that oversold (target 0)',
  usage: [
    '--runs 1000    races to run',
    '--buyers 500   concurrent reservations per race',
    '--stock 100    units per race',
    '--sdk          buyers through the SDK (an idempotency record per request) instead of plain HTTP',
  ],
  prepare(args) {
    const flags = parseFlags(args, { runs: { type: 'string' }, buyers: { type: 'string' }, stock: { type: 'string' }, sdk: { type: 'boolean' } });
    const runs = positiveInteger(flags.runs, 'runs') ?? 1000;
    const buyers = positiveInteger(flags.buyers, 'buyers') ?? 500;
    const stock = positiveInteger(flags.stock, 'stock') ?? 100;
    return async ({ databaseUrl, log }) => {
      const server = await startBenchServer(databaseUrl, 'process');
      try {
        const { admin, client, key } = await serviceClientFactory(server);
        // One pool of 128 connections (an SDK client's, or the agent's): under the server's per-address
        // cap (256), which would otherwise refuse connections and count as errors rather than as buyers.
        const agent = new Agent({ connections: 128 });
        const buy = flags.sdk ? sdkBuyer(client()) : httpBuyer(server.baseUrl, key, agent);
        log(`buyers ${flags.sdk ? 'through the SDK' : 'over plain HTTP, as the test suite races (no Idempotency-Key)'}`);
        let oversold = 0;
        let undersold = 0;
        let errors = 0;
        const t0 = performance.now();
        const items = await trackedItems(admin, runs, stock);
        log(`${runs} items of ${stock} units tracked in ${((performance.now() - t0) / 1000).toFixed(0)} s; racing`);
        const t1 = performance.now();
        for (let run = 1; run <= runs; run++) {
          const result = await race(admin, buy, items[run - 1]!, stock, buyers);
          if (result.oversold) oversold++;
          if (result.sold < stock) undersold++;
          errors += result.errors;
          if (run % 100 === 0 || run === runs) log(`  ${run}/${runs} races, ${oversold} oversold, ${undersold} sold less than the stock, ${errors} errors`);
        }
        // The log's own count, every race at once: more StockReserved in a stream than it had units is an oversell too.
        const pool = createPool(databaseUrl, 1);
        const inLog = await pool
          .query<{ oversold: number; streams: number }>(
            `SELECT count(*) FILTER (WHERE reserved > $2)::int AS oversold, count(*)::int AS streams
               FROM (SELECT stream_id, count(*) AS reserved FROM emt_messages WHERE message_type = 'StockReserved' AND stream_id = ANY($1) GROUP BY stream_id) per_stream`,
            [items.map((item) => inventoryStreamName(item.id)), stock],
          )
          .finally(() => pool.end());
        log(`event log: ${inLog.rows[0]!.streams} streams with reservations, ${inLog.rows[0]!.oversold} with more StockReserved than units`);
        oversold = Math.max(oversold, inLog.rows[0]!.oversold);
        log('');
        log(`${runs} races of ${buyers} buyers for ${stock} units in ${((performance.now() - t1) / 1000).toFixed(0)} s (${((performance.now() - t1) / runs).toFixed(0)} ms a race): ${oversold} oversold (target 0): ${verdict(oversold === 0)}`);
        await agent.close();
      } finally {
        await server.close();
      }
    };
  },
};
