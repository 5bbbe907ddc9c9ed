import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../../test/server.js';
import { createShopClient, type ShopClient } from '../client.js';
import type { LoggedEvent } from '../contract/index.js';
import { ReplayError, type ReplayProgress } from './history.js';

let server: TestServer;
let baseUrl: string;
let admin: ShopClient;
/** Every request the server received for the live tail, with its socket: to cut connections and read Last-Event-ID. */
const liveRequests: { socket: Socket; lastEventId: string | undefined; url: string }[] = [];

beforeAll(async () => {
  server = await startTestServer();
  baseUrl = await server.app.listen({ host: '127.0.0.1', port: 0 });
  server.app.server.on('request', (request: IncomingMessage) => {
    if (request.url?.startsWith('/api/ops/events/live')) {
      liveRequests.push({ socket: request.socket, lastEventId: request.headers['last-event-id'] as string | undefined, url: request.url });
    }
  });
  admin = createShopClient({ baseUrl, token: await server.adminToken() });
});
afterAll(async () => {
  await admin?.close();
  await server?.close();
});

const createCup = (name = `Cup ${randomUUID().slice(0, 8)}`) =>
  admin.products.create({ name, price: { amount: 1299, currency: 'USD' }, categoryId: 'history-sdk' });

/** The position the log stands at now: where a test's own events begin. */
const headPosition = async () => {
  let last = 0;
  for await (const event of admin.ops.events.read()) last = event.position;
  return last;
};

/**
 * Waits until the feed shows a product's newest event. The feed shows an event once every older
 * transaction in the cluster has finished, and test files write in parallel on one PostgreSQL, so
 * a just-committed event can take a moment; once the newest shows, every earlier one does too.
 */
const shown = async (productId: string) => {
  const { items } = await admin.ops.streams.events({ streamId: `product-${productId}` });
  const newest = items.at(-1)!.eventId;
  for (let waited = 0; waited < 10_000; waited += 50) {
    for await (const event of admin.ops.events.read({ streamType: 'product' })) {
      if (event.eventId === newest) return;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`product-${productId} never showed in the feed`);
};

/** Everything after `after`, in commit order, as (position, eventId). */
const logAfter = async (after: number) => {
  const seen: [number, string][] = [];
  for await (const event of admin.ops.events.read({ after })) seen.push([event.position, event.eventId]);
  return seen;
};

/** Collects from an iterator until `done` says so or the deadline passes; the deadline only guards a hung test. */
const collect = async <T>(iterable: AsyncIterable<T>, done: (items: T[]) => boolean, stop: AbortController, onItem?: (item: T) => void) => {
  const items: T[] = [];
  const guard = setTimeout(() => stop.abort(), 20_000);
  for await (const item of iterable) {
    items.push(item);
    onItem?.(item);
    if (done(items)) break;
  }
  clearTimeout(guard);
  return items;
};

describe('client.ops.events against a real server', () => {
  it('subscribe receives an event appended after it started', async () => {
    const stop = new AbortController();
    const names = new Set<string>();
    let seen: LoggedEvent | undefined;
    const following = (async () => {
      for await (const event of admin.ops.events.subscribe({ types: ['ProductCreated'] }, { signal: stop.signal })) {
        if (event.type === 'ProductCreated' && names.has(event.data.name)) {
          seen = event;
          stop.abort();
        }
      }
    })();
    // The tail starts "from now on" once the server has read where now is; keep appending until one arrives.
    const guard = Date.now() + 20_000;
    while (!seen && Date.now() < guard) {
      const name = `Tail cup ${randomUUID().slice(0, 8)}`;
      names.add(name);
      await createCup(name);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await following;
    expect(seen).toMatchObject({ type: 'ProductCreated', streamType: 'product' });
    expect(names.has((seen as Extract<LoggedEvent, { type: 'ProductCreated' }>).data.name)).toBe(true);
  });

  it('resumes after a cut connection with Last-Event-ID: nothing lost, nothing repeated', async () => {
    const start = await headPosition();
    const stop = new AbortController();
    const connectionsBefore = liveRequests.length;
    const positions: number[] = [];
    const tail = admin.ops.events.subscribe({}, { signal: stop.signal, after: start });
    const following = collect(tail, (items) => items.length >= 6, stop, (event) => positions.push(event.position));

    for (let index = 0; index < 3; index++) await createCup();
    await until(() => positions.length >= 1);
    // Cut the stream's socket on the server side, with the other two events perhaps still on the wire.
    liveRequests[connectionsBefore]!.socket.destroy();
    for (let index = 0; index < 3; index++) await createCup();

    const events = await following;
    stop.abort();
    const expected = await logAfter(start);
    expect(events.map((event) => [event.position, event.eventId])).toEqual(expected.slice(0, 6));
    const reconnect = liveRequests[connectionsBefore + 1]!;
    expect(reconnect.url).not.toContain('after=');
    expect(Number(reconnect.lastEventId)).toBeGreaterThan(start);
    expect(positions).toContain(Number(reconnect.lastEventId));
  });

  it('ends the loop without an error when the signal aborts', async () => {
    const start = await headPosition();
    await createCup();
    const stop = new AbortController();
    const seen: number[] = [];
    for await (const event of admin.ops.events.subscribe({}, { signal: stop.signal, after: start })) {
      seen.push(event.position);
      stop.abort();
    }
    expect(seen).toHaveLength(1);
  });

  it('throws a typed error for a position the log never gave out', async () => {
    const tail = admin.ops.events.subscribe({}, { after: 987_654_321 });
    await expect(tail.next()).rejects.toMatchObject({ name: 'ValidationError', status: 400 });
  });

  it('read() pages through more than one page, in order, each event once', async () => {
    const start = await headPosition();
    for (let index = 0; index < 5; index++) await createCup();
    const pageRequests: string[] = [];
    const counting = createShopClient({
      baseUrl,
      token: await server.adminToken(),
      transport: {
        async request(request) {
          pageRequests.push(new URL(request.url).search);
          return (await import('../transport.js')).undiciTransport().request(request);
        },
      },
    });
    const read: LoggedEvent[] = [];
    for await (const event of counting.ops.events.read({ after: start, streamType: 'product' }, { pageSize: 2 })) read.push(event);
    expect(read).toHaveLength(5);
    expect(read.map((event) => [event.position, event.eventId])).toEqual(await logAfter(start));
    expect(pageRequests.length).toBe(3);
    expect(pageRequests.every((search) => search.includes('limit=2'))).toBe(true);
  });

  it('read() narrows to the types asked for', async () => {
    const created = await createCup();
    await admin.products.update({ id: created.id, price: { amount: 1499, currency: 'USD' } });
    await shown(created.id);
    const changes = [];
    for await (const event of admin.ops.events.read({ types: ['ProductPriceChanged'] })) changes.push(event);
    expect(changes.every((event) => event.type === 'ProductPriceChanged')).toBe(true);
    expect(changes.at(-1)!.data).toMatchObject({ productId: created.id, price: { amount: 1499 }, previousPrice: { amount: 1299 } });
  });

  it('replay() runs the handler in order with progress, and resolves with a summary', async () => {
    const start = await headPosition();
    let last = '';
    for (let index = 0; index < 5; index++) last = (await createCup()).id;
    await shown(last);
    const handled: number[] = [];
    const progress: ReplayProgress[] = [];
    const summary = await admin.ops.events.replay(
      { after: start },
      async (event) => {
        await new Promise((resolve) => setImmediate(resolve));
        handled.push(event.position);
      },
      { pageSize: 2, onProgress: (report) => progress.push(report) },
    );
    const expected = (await logAfter(start)).map(([position]) => position);
    expect(handled).toEqual(expected);
    expect(summary).toMatchObject({ events: 5, firstPosition: expected[0], lastPosition: expected[4] });
    expect(summary.seconds).toBeGreaterThan(0);
    expect(progress.map((report) => report.done)).toEqual([2, 4, 5]);
    expect(progress.every((report) => report.total === 5)).toBe(true);
    expect(progress.at(-1)).toMatchObject({ done: 5, total: 5, position: expected[4], secondsLeft: 0 });
  });

  it('replay() rejects with ReplayError carrying the position when the handler throws', async () => {
    const start = await headPosition();
    for (let index = 0; index < 3; index++) await createCup();
    const expected = (await logAfter(start)).map(([position]) => position);
    const handled: number[] = [];
    const failure = await admin.ops.events
      .replay({ after: start }, (event) => {
        if (event.position === expected[1]) throw new Error('no room for this one');
        handled.push(event.position);
      })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ReplayError);
    expect(failure).toMatchObject({ position: expected[1], eventType: 'ProductCreated', cause: { message: 'no room for this one' } });
    expect((failure as Error).message).toContain(`event ${expected[1]}`);
    expect(handled).toEqual([expected[0]]);
  });
});

describe('feed safety', () => {
  it('8 writers append while one reader pages the feed and another follows the tail: both get every event once, in commit order', async () => {
    const start = await headPosition();
    const stop = new AbortController();
    const tailed: LoggedEvent[] = [];
    const tail = (async () => {
      for await (const event of admin.ops.events.subscribe({}, { signal: stop.signal, after: start })) tailed.push(event);
    })();

    let writing = true;
    const writers = Array.from({ length: 8 }, async (_, writer) => {
      for (let round = 0; round < 6; round++) {
        const product = await createCup(`Writer ${writer} cup ${round}`);
        await admin.products.update({ id: product.id, price: { amount: 1300 + round, currency: 'USD' } });
      }
    });
    const paged: LoggedEvent[] = [];
    const reader = (async () => {
      let after = start;
      for (;;) {
        const stillWriting = writing;
        for await (const event of admin.ops.events.read({ after }, { pageSize: 7 })) {
          paged.push(event);
          after = event.position;
        }
        if (!stillWriting) return;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    await Promise.all(writers);
    writing = false;
    await reader;

    const expected = await logAfter(start);
    expect(expected).toHaveLength(8 * 6 * 2);
    await until(() => tailed.length >= expected.length);
    stop.abort();
    await tail;
    const pairs = (events: LoggedEvent[]) => events.map((event) => [event.position, event.eventId]);
    expect(pairs(paged)).toEqual(expected);
    expect(pairs(tailed)).toEqual(expected);
    expect(new Set(tailed.map((event) => event.eventId)).size).toBe(expected.length);
  });

  it('waits for a transaction that appended early and commits late, instead of skipping it', async () => {
    const start = await headPosition();
    await createCup();
    const stop = new AbortController();
    const tailed: LoggedEvent[] = [];
    const tail = (async () => {
      for await (const event of admin.ops.events.subscribe({}, { signal: stop.signal, after: start })) tailed.push(event);
    })();
    await until(() => tailed.length === 1);

    const held = new pg.Client({ connectionString: server.databaseUrl });
    await held.connect();
    try {
      await held.query('BEGIN');
      // Takes a position now, ahead of everything the other writers append next, and commits last.
      const { rows } = await held.query<{ global_position: string; message_id: string }>(
        `INSERT INTO emt_messages (stream_id, stream_position, partition, message_schema_version, message_id, message_type,
                                   message_data, message_metadata, transaction_id, message_kind)
         SELECT 'product-' || gen_random_uuid(), 1, partition, message_schema_version, gen_random_uuid()::text, message_type,
                message_data, message_metadata, pg_current_xact_id(), message_kind
           FROM emt_messages WHERE message_type = 'ProductCreated' LIMIT 1
         RETURNING global_position, message_id`,
      );
      const early = { position: Number(rows[0]!.global_position), eventId: rows[0]!.message_id };
      const later = [await createCup(), await createCup()];
      expect(later).toHaveLength(2);

      // Committed, and positioned after the held event: neither the feed nor the tail may hand them out yet.
      const whileOpen = await logAfter(start);
      expect(whileOpen).toHaveLength(1);
      expect(tailed).toHaveLength(1);

      await held.query('COMMIT');
      await until(() => tailed.length === 4);
      const after = await logAfter(start);
      expect(after).toHaveLength(4);
      expect(after[1]).toEqual([early.position, early.eventId]);
      expect(after[2]![0]).toBeGreaterThan(early.position);
      expect(tailed.map((event) => [event.position, event.eventId])).toEqual(after);
    } finally {
      await held.end();
      stop.abort();
      await tail;
    }
  });
});

/** Polls `condition` (every 10 ms, for at most 20 s): for what arrives asynchronously, with no fixed sleep. */
const until = async (condition: () => boolean) => {
  const deadline = Date.now() + 20_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('until: condition not met within 20 s');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};
