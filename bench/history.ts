import pg from 'pg';
import type { ShopClient } from '@eventshop/sdk';
import { productDecider } from '../server/src/modules/products/products.js';
import { SNAPSHOT_EVERY } from '../server/src/infra/snapshots.js';
import { integerList, parseFlags, positiveInteger, type Bench } from './bench.js';
import { startBenchServer, type BenchServer } from './fixture.js';
import { formatMs, formatRate, table, verdict, type Log } from './format.js';
import { percentile } from './load.js';

/** Targets from issue 13, on this 2-core machine. */
const TARGETS = { feedEventsPerSecond: 50_000, timeTravelP99Ms: 50, longCommandRatio: 1.5, tailP99Ms: 100 };
const STREAM_LENGTHS = [10, 10_000, 100_000];
const FILLER_BATCH = 100_000;

export type HistoryOptions = { databaseUrl: string; sizes: number[]; samples: number; log: Log };

/**
 * Seeds the log with SQL (events copied from real ones the server recorded, so every row is
 * what the server itself would write), then measures through the SDK against the server in its
 * own process: the feed read rate, time travel with and without snapshots, a command on a long
 * stream against a new one, and live-tail delivery.
 */
export const benchHistory = async (options: HistoryOptions) => {
  const { log } = options;
  const server = await startBenchServer(options.databaseUrl, 'process');
  const pool = new pg.Pool({ connectionString: options.databaseUrl, max: 2 });
  try {
    const admin = server.client(server.adminToken);
    const streams: LongStream[] = [];
    let seconds = performance.now();
    for (const length of STREAM_LENGTHS) streams.push(await seedLongStream(pool, admin, length));
    log(`seeded streams of ${STREAM_LENGTHS.join(', ')} events with snapshots every ${SNAPSHOT_EVERY} in ${((performance.now() - seconds) / 1000).toFixed(1)} s`);

    for (const size of [...options.sizes].sort((a, b) => a - b)) {
      seconds = performance.now();
      const added = await seedFiller(pool, size);
      log('');
      log(`== ${size.toLocaleString('en-US')} events in the log (${added.toLocaleString('en-US')} filler events added in ${((performance.now() - seconds) / 1000).toFixed(1)} s) ==`);
      await runFigures(server, pool, streams, options);
    }
  } finally {
    await pool.end();
    await server.close();
  }
};

type LongStream = { id: string; streamId: string; length: number };

const runFigures = async (server: BenchServer, pool: pg.Pool, streams: LongStream[], options: HistoryOptions) => {
  const { log, samples } = options;
  const admin = server.client(server.adminToken);

  // Feed read through the SDK iterator: the whole log, a page of 1000 at a time.
  const reader = server.client(server.adminToken);
  const serverCpuBefore = server.serverCpuMs();
  const clientCpuBefore = process.cpuUsage();
  const started = performance.now();
  let read = 0;
  for await (const _event of reader.ops.events.read({}, { pageSize: 1000 })) read++;
  const readSeconds = (performance.now() - started) / 1000;
  const clientCpu = process.cpuUsage(clientCpuBefore);
  const serverCpuMs = serverCpuBefore === undefined ? undefined : server.serverCpuMs()! - serverCpuBefore;
  const feedRate = read / readSeconds;
  log(`feed read: ${read.toLocaleString('en-US')} events in ${readSeconds.toFixed(2)} s = ${formatRate(feedRate)} events/s (target >= ${TARGETS.feedEventsPerSecond}: ${verdict(feedRate >= TARGETS.feedEventsPerSecond)})`);
  log(
    `  CPU per 1000 events: SDK process ${formatMs(((clientCpu.user + clientCpu.system) / 1000 / read) * 1000)} ms, server process ${serverCpuMs === undefined ? '-' : formatMs((serverCpuMs / read) * 1000)} ms`,
  );

  // Time travel to the last version, with the snapshots commands made and with none.
  const rows: string[][] = [];
  let longestP99: number | undefined;
  for (const stream of streams) {
    const version = await currentVersion(pool, stream.streamId);
    const withSnapshots = await timeCalls(samples, () => admin.ops.streams.state({ streamId: stream.streamId, version }));
    const without = await withoutSnapshots(pool, stream.streamId, () =>
      timeCalls(stream.length >= 10_000 ? Math.min(samples, stream.length >= 100_000 ? 5 : 20) : samples, () => admin.ops.streams.state({ streamId: stream.streamId, version })),
    );
    if (stream.length === 100_000) longestP99 = withSnapshots.p99;
    rows.push([stream.length.toLocaleString('en-US'), formatMs(withSnapshots.p50), formatMs(withSnapshots.p99), formatMs(without.p50), formatMs(without.p99)]);
  }
  log('time travel to the last version (ms):');
  for (const line of table(['events', 'snap p50', 'snap p99', 'none p50', 'none p99'], rows)) log(`  ${line}`);
  log(`  target p99 < ${TARGETS.timeTravelP99Ms} ms on 100,000 events (with snapshots): ${verdict(longestP99 === undefined ? undefined : longestP99 < TARGETS.timeTravelP99Ms)}`);

  // A command on the 100,000-event stream against one on a new stream, interleaved so both see the same noise.
  const long = streams.find((stream) => stream.length === 100_000)!;
  const fresh = await admin.products.create({ name: 'Bench new stream', price: { amount: 1000, currency: 'USD' }, categoryId: 'bench-history' });
  const longTimes: number[] = [];
  const newTimes: number[] = [];
  for (let index = 0; index < samples; index++) {
    const price = { amount: 2000 + (index % 2), currency: 'USD' };
    longTimes.push(await timeOne(() => admin.products.update({ id: long.id, price })));
    newTimes.push(await timeOne(() => admin.products.update({ id: fresh.id, price })));
  }
  const longCommand = summarize(longTimes);
  const newCommand = summarize(newTimes);
  const ratio = longCommand.p50 / newCommand.p50;
  log(
    `command (products.update): 100,000-event stream p50 ${formatMs(longCommand.p50)} / p99 ${formatMs(longCommand.p99)} ms, new stream p50 ${formatMs(newCommand.p50)} / p99 ${formatMs(newCommand.p99)} ms: ${ratio.toFixed(2)}x at p50 (target <= ${TARGETS.longCommandRatio}x: ${verdict(ratio <= TARGETS.longCommandRatio)})`,
  );

  // Live tail: from sending a command to the tail handing out its event.
  const tail = await tailLatency(server, admin, samples);
  log(
    `live tail delivery (command sent -> event received): p50 ${formatMs(tail.p50)} / p99 ${formatMs(tail.p99)} ms (target p99 < ${TARGETS.tailP99Ms} ms: ${verdict(tail.p99 < TARGETS.tailP99Ms)})`,
  );
  log(`  the command itself: p50 ${formatMs(tail.commandP50)} ms; from its answer to receipt (0 when the event came first): p50 ${formatMs(tail.afterAnswer.p50)} / p99 ${formatMs(tail.afterAnswer.p99)} ms`);
};

/** Creates a product through the API, then gives it `length - 1` price changes and a snapshot every SNAPSHOT_EVERY, in SQL. */
const seedLongStream = async (pool: pg.Pool, admin: ShopClient, length: number): Promise<LongStream> => {
  const product = await admin.products.create({ name: `Bench stream of ${length}`, price: { amount: 1000, currency: 'USD' }, categoryId: 'bench-history' });
  const streamId = `product-${product.id}`;
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const { rows } = await client.query<{ message_data: Record<string, unknown>; occurred_at: string }>(
      `SELECT message_data, message_metadata->>'occurredAt' AS occurred_at FROM emt_messages WHERE stream_id = $1 AND stream_position = 1`,
      [streamId],
    );
    const created = rows[0]!;
    const iso = `to_char((($3::timestamptz) + v * interval '1 millisecond') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
    await client.query(
      `INSERT INTO emt_messages (stream_id, stream_position, partition, message_schema_version, message_id, message_type,
                                 message_data, message_metadata, transaction_id, message_kind)
       SELECT t.stream_id, v, t.partition, t.message_schema_version, gen_random_uuid()::text, 'ProductPriceChanged',
              jsonb_build_object('productId', $2::text,
                                 'price', jsonb_build_object('amount', 1000 + v % 500, 'currency', 'USD'),
                                 'previousPrice', jsonb_build_object('amount', 1000 + (v - 1) % 500, 'currency', 'USD'),
                                 'changedAt', ${iso}),
              jsonb_set(t.message_metadata, '{occurredAt}', to_jsonb(${iso})),
              pg_current_xact_id(), t.message_kind
         FROM emt_messages t, generate_series(2, $4::int) v
        WHERE t.stream_id = $1 AND t.stream_position = 1`,
      [streamId, product.id, created.occurred_at, length],
    );
    await client.query(`UPDATE emt_streams SET stream_position = $2 WHERE stream_id = $1`, [streamId, length]);
    // The state after each snapshot version, as the module's own evolve computes it.
    const base = productDecider.evolve(productDecider.initialState(), { type: 'ProductCreated', data: created.message_data } as never);
    await client.query(
      `INSERT INTO eventshop_snapshots (stream_id, fingerprint, version, occurred_at, state)
       SELECT $1, $2, v, ($3::timestamptz) + v * interval '1 millisecond',
              jsonb_set($4::jsonb, '{price}', jsonb_build_object('amount', 1000 + v % 500, 'currency', 'USD'))
         FROM generate_series($5::int, $6::int, $5::int) v`,
      [streamId, productDecider.snapshotFingerprint, created.occurred_at, JSON.stringify(base), SNAPSHOT_EVERY, length],
    );
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
  // Prove the seeded stream is what evolve says: the server's own time travel to the end.
  const state = await admin.ops.streams.state({ streamId });
  if (state.version !== length || (state.state as { price: { amount: number } }).price.amount !== 1000 + (length === 1 ? 0 : length % 500)) {
    throw new Error(`seeded ${streamId} reads back as version ${state.version}, price ${JSON.stringify(state.state.price)}`);
  }
  return { id: product.id, streamId, length };
};

/** Copies of a real ProductCreated event in streams of their own, until the log holds `size` events; one transaction per batch. */
const seedFiller = async (pool: pg.Pool, size: number): Promise<number> => {
  const count = async () => Number((await pool.query<{ count: string }>('SELECT count(*) AS count FROM emt_messages')).rows[0]!.count);
  const before = await count();
  for (let have = before; have < size; have += FILLER_BATCH) {
    const batch = Math.min(FILLER_BATCH, size - have);
    await pool.query(
      `INSERT INTO emt_messages (stream_id, stream_position, partition, message_schema_version, message_id, message_type,
                                 message_data, message_metadata, transaction_id, message_kind)
       SELECT 'product-filler-' || gen_random_uuid(), 1, t.partition, t.message_schema_version, gen_random_uuid()::text, t.message_type,
              t.message_data, t.message_metadata, pg_current_xact_id(), t.message_kind
         FROM (SELECT * FROM emt_messages WHERE message_type = 'ProductCreated' LIMIT 1) t, generate_series(1, $1::int)`,
      [batch],
    );
  }
  await pool.query('ANALYZE emt_messages');
  return (await count()) - before;
};

const currentVersion = async (pool: pg.Pool, streamId: string) =>
  Number((await pool.query<{ v: string }>('SELECT stream_position AS v FROM emt_streams WHERE stream_id = $1', [streamId])).rows[0]!.v);

/** Runs `measure` with the stream's snapshots set aside, then puts them back. */
const withoutSnapshots = async <T>(pool: pg.Pool, streamId: string, measure: () => Promise<T>): Promise<T> => {
  const client = await pool.connect();
  try {
    await client.query('CREATE TEMP TABLE set_aside AS SELECT * FROM eventshop_snapshots WHERE stream_id = $1', [streamId]);
    await client.query('DELETE FROM eventshop_snapshots WHERE stream_id = $1', [streamId]);
    try {
      return await measure();
    } finally {
      await client.query('DELETE FROM eventshop_snapshots WHERE stream_id = $1', [streamId]);
      await client.query('INSERT INTO eventshop_snapshots SELECT * FROM set_aside');
      await client.query('DROP TABLE set_aside');
    }
  } finally {
    client.release();
  }
};

const timeOne = async (call: () => Promise<unknown>) => {
  const started = performance.now();
  await call();
  return performance.now() - started;
};

const timeCalls = async (count: number, call: () => Promise<unknown>) => {
  await call(); // warm-up: connection, plan cache
  const times: number[] = [];
  for (let index = 0; index < count; index++) times.push(await timeOne(call));
  return summarize(times);
};

const summarize = (times: number[]) => {
  const sorted = Float64Array.from(times).sort();
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
};

const tailLatency = async (server: BenchServer, admin: ShopClient, samples: number) => {
  const product = await admin.products.create({ name: 'Bench tail', price: { amount: 1000, currency: 'USD' }, categoryId: 'bench-history' });
  const streamId = `product-${product.id}`;
  const received = new Map<number, number>();
  const stop = new AbortController();
  const follower = server.client(server.adminToken);
  const following = (async () => {
    for await (const event of follower.ops.events.subscribe({ streamType: 'product' }, { signal: stop.signal })) {
      if (event.streamId === streamId) received.set(event.version, performance.now());
    }
  })();
  const waitFor = async (version: number) => {
    while (!received.has(version)) await new Promise((resolve) => setTimeout(resolve, 1));
    return received.get(version)!;
  };
  // Until the tail is live: it starts "from now on" once the server has read where now is.
  let version = 1;
  for (;;) {
    version = (await admin.products.update({ id: product.id, price: { amount: 1000 + version, currency: 'USD' } })).version;
    const deadline = performance.now() + 500;
    while (!received.has(version) && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    if (received.has(version)) break;
  }
  const delivery: number[] = [];
  const afterAnswer: number[] = [];
  const command: number[] = [];
  for (let index = 0; index < samples; index++) {
    // A random pause, so sends fall anywhere in the server's poll cycle rather than in step with it.
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 60));
    const sent = performance.now();
    version = (await admin.products.update({ id: product.id, price: { amount: 3000 + (index % 2), currency: 'USD' } })).version;
    const answered = performance.now();
    command.push(answered - sent);
    const receipt = await waitFor(version);
    delivery.push(receipt - sent);
    // The commit happened somewhere inside the command; before its answer came back is the most it can be.
    afterAnswer.push(Math.max(0, receipt - answered));
  }
  stop.abort();
  await following;
  const summary = summarize(delivery);
  return { ...summary, commandP50: summarize(command).p50, afterAnswer: summarize(afterAnswer) };
};

export const historyBench: Bench = {
  name: 'history',
  summary: 'feed read rate, time travel, long-stream commands and live-tail delivery',
  usage: ['--events 100000,1000000   log sizes to measure at (default both)', '--samples 100              timed calls per latency figure'],
  prepare(args) {
    const flags = parseFlags(args, { events: { type: 'string' }, samples: { type: 'string' } });
    const sizes = integerList(flags.events, 'events') ?? [100_000, 1_000_000];
    const samples = positiveInteger(flags.samples, 'samples') ?? 100;
    return ({ databaseUrl, log }) => benchHistory({ databaseUrl, sizes, samples, log }).then(() => undefined);
  },
};
