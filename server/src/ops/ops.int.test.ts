import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { operations, type OperationDefinition } from '@eventshop/sdk/contract';
import { exampleInput } from '../../../test/example-input.js';
import { startTestServer, type TestServer } from '../../../test/server.js';
import { handleCommand } from '../infra/eventstore.js';
import { SNAPSHOT_EVERY, snapshotStore } from '../infra/snapshots.js';
import { productDecider, productStreamName } from '../modules/products/products.js';

let server: TestServer;
let operator: Record<string, string>;
let admin: Record<string, string>;
let baseUrl: string;

beforeAll(async () => {
  server = await startTestServer({}, { eventStream: { heartbeatMs: 200 } });
  admin = { authorization: `Bearer ${await server.adminToken()}` };
  operator = (await server.userWithRoles(['operator'])).headers;
  baseUrl = await server.app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(() => server?.close());

const cup = { name: 'Espresso cup', description: 'Porcelain', price: { amount: 1299, currency: 'USD' }, categoryId: 'kitchen' };
const createProduct = async () => (await server.app.inject({ method: 'POST', url: '/api/products', headers: admin, payload: cup })).json() as { id: string };
const get = (url: string, headers = operator) => server.app.inject({ url, headers });
const changePrice = (id: string, amount: number) =>
  server.app.inject({ method: 'PUT', url: `/api/products/${id}`, headers: admin, payload: { price: { amount, currency: 'USD' } } });

/**
 * The feed shows an event once every transaction older than it has finished, cluster-wide: with
 * test files writing in parallel on one PostgreSQL, a just-committed event can take a moment to
 * appear. Once the newest one we wrote shows, every earlier one does too (their ids are lower).
 */
const feedShows = async (streamId: string, version = 1) => {
  const target = ((await get(`/api/ops/streams/${streamId}/events`)).json().items as { eventId: string }[])[version - 1]!.eventId;
  for (let waited = 0; waited < 10_000; waited += 50) {
    const { items } = (await get(`/api/ops/events?streamType=${streamId.split('-')[0]}&limit=1000`)).json() as { items: { eventId: string }[] };
    if (items.some((event) => event.eventId === target)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${streamId} never showed in the feed`);
};

const opsOperations = (Object.entries(operations) as [string, OperationDefinition][]).filter(([id]) => id.startsWith('ops.'));

describe('access to history', () => {
  it.each(opsOperations)('%s answers 403 to a customer', async (_id, definition) => {
    const customer = await server.registerCustomer();
    const input = exampleInput(definition);
    const path = definition.path.replace(/:(\w+)/g, (_m, name: string) => encodeURIComponent(String(input[name])));
    const response = await server.app.inject({ method: definition.method, url: path, headers: customer.headers });
    expect(response.statusCode).toBe(403);
  });

  it('lets admins read it too', async () => {
    expect((await get('/api/ops/events?limit=1', admin)).statusCode).toBe(200);
  });
});

describe('the global feed', () => {
  it('lists events in commit order with position, stream, version, type, data and metadata', async () => {
    const { id } = await createProduct();
    await feedShows(`product-${id}`);
    const response = await get('/api/ops/events?streamType=product&limit=1000');
    expect(response.statusCode).toBe(200);
    const created = response.json().items.find((event: { streamId: string }) => event.streamId === `product-${id}`);
    expect(created).toMatchObject({ type: 'ProductCreated', version: 1, streamType: 'product', data: { productId: id, name: 'Espresso cup' } });
    expect(created.metadata).toMatchObject({ actorId: expect.any(String), requestId: expect.any(String), correlationId: expect.any(String), occurredAt: '2026-11-24T12:00:00.000Z' });
  });

  it('pages with after: every event once, none skipped', async () => {
    let last = '';
    for (let i = 0; i < 5; i++) last = (await createProduct()).id;
    await feedShows(`product-${last}`);
    const all = (await get('/api/ops/events?limit=1000')).json().items as { position: number; eventId: string }[];
    const paged: string[] = [];
    let after: number | null = 0;
    while (after !== null) {
      const page = (await get(`/api/ops/events?limit=3&after=${after}`)).json() as { items: { eventId: string }[]; nextAfter: number | null };
      paged.push(...page.items.map((event) => event.eventId));
      after = page.nextAfter;
    }
    expect(paged).toEqual(all.map((event) => event.eventId));
  });

  it('filters by type and refuses a type nobody records, and a position it never gave out', async () => {
    const { id } = await createProduct();
    await changePrice(id, 1999);
    await feedShows(`product-${id}`, 2);
    const prices = (await get('/api/ops/events?types=ProductPriceChanged&limit=1000')).json().items as { type: string }[];
    expect(prices.length).toBeGreaterThan(0);
    expect(new Set(prices.map((event) => event.type))).toEqual(new Set(['ProductPriceChanged']));
    expect((await get('/api/ops/events?types=ProductSold')).json().errors[0]).toMatchObject({ field: 'types' });
    expect((await get('/api/ops/events?after=987654321')).statusCode).toBe(400);
  });

  it('counts what a filter matches', async () => {
    const count = (await get('/api/ops/events/count?types=ProductCreated')).json();
    const listed = (await get('/api/ops/events?types=ProductCreated&limit=1000')).json().items;
    expect(count).toMatchObject({ count: listed.length, firstPosition: listed[0].position, lastPosition: listed[listed.length - 1].position });
  });

  it('shows a forgotten account’s personal fields as null, and everything else as it was', async () => {
    const user = await server.registerCustomer({ name: 'Forgettable Fay' });
    const before = (await get(`/api/ops/streams/user-${user.id}/events`)).json().items[0];
    expect(before.data).toMatchObject({ name: 'Forgettable Fay', email: user.email });
    const forgotten = await server.app.inject({ method: 'DELETE', url: '/api/users/profile', headers: user.headers });
    expect(forgotten.statusCode).toBe(200);
    const after = (await get(`/api/ops/streams/user-${user.id}/events`)).json().items;
    expect(after[0].data).toMatchObject({ userId: user.id, name: null, email: null, phone: null, roles: ['customer'] });
    expect(after.at(-1).type).toBe('UserForgotten');
    const state = (await get(`/api/ops/streams/user-${user.id}/state?version=1`)).json();
    expect(state.state).toMatchObject({ status: 'active', name: null, email: null });
  });
});

describe('time travel and diffs', () => {
  it('shows a product at a version and at an instant, and what a price change changed', async () => {
    const { id } = await createProduct();
    server.clock.advance(60_000);
    await changePrice(id, 1499);
    server.clock.advance(-60_000);
    const atOne = (await get(`/api/ops/streams/product-${id}/state?version=1`)).json();
    expect(atOne).toMatchObject({ version: 1, currentVersion: 2, occurredAt: '2026-11-24T12:00:00.000Z', state: { status: 'active', price: { amount: 1299 } } });
    const halfway = (await get(`/api/ops/streams/product-${id}/state?at=2026-11-24T12:00:30.000Z`)).json();
    expect(halfway).toMatchObject({ version: 1, state: { price: { amount: 1299 } } });
    const now = (await get(`/api/ops/streams/product-${id}/state`)).json();
    expect(now).toMatchObject({ version: 2, state: { price: { amount: 1499 } } });
    const diff = (await get(`/api/ops/streams/product-${id}/diff?from=1&to=2`)).json();
    expect(diff.changes).toEqual([{ path: 'price.amount', before: 1299, after: 1499 }]);
    expect(diff.events.map((event: { type: string }) => event.type)).toEqual(['ProductPriceChanged']);
    const byInstant = (await get(`/api/ops/streams/product-${id}/diff?from=2026-11-24T12:00:30.000Z`)).json();
    expect(byInstant.changes).toEqual(diff.changes);
  });

  it('answers 404 for an unknown stream and for an instant before it began, 409 past its end', async () => {
    const { id } = await createProduct();
    expect((await get(`/api/ops/streams/product-${randomUUID()}/state`)).statusCode).toBe(404);
    expect((await get(`/api/ops/streams/widget-${randomUUID()}/state`)).statusCode).toBe(404);
    const early = await get(`/api/ops/streams/product-${id}/state?at=2020-01-01T00:00:00Z`);
    expect(early.statusCode).toBe(404);
    expect(early.json().detail).toMatch(/began at 2026-11-24T12:00:00.000Z/);
    const past = await get(`/api/ops/streams/product-${id}/state?version=9`);
    expect(past.statusCode).toBe(409);
    expect(past.json()).toMatchObject({ code: 'version_past_end', currentVersion: 1 });
  });

  it('lists streams of a type with their versions and times', async () => {
    const { id } = await createProduct();
    const streams = [];
    let cursor: string | null = null;
    do {
      const page: { items: { streamId: string }[]; nextCursor: string | null } = (await get(`/api/ops/streams?type=product&limit=100${cursor ? `&cursor=${cursor}` : ''}`)).json();
      streams.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    expect(streams.find((stream) => stream.streamId === `product-${id}`)).toMatchObject({ streamType: 'product', version: 1, firstEventAt: expect.any(String) });
  });
});

describe('snapshots', () => {
  const metadata = { correlationId: 'snap', causationId: 'snap', actorId: null, requestId: 'snap', occurredAt: '2026-11-24T12:00:00.000Z' };

  it('are made every SNAPSHOT_EVERY events and give the same state as folding every event', async () => {
    const { id } = await createProduct();
    const snapshots = snapshotStore(await makePool());
    for (let amount = 2; amount <= SNAPSHOT_EVERY + 5; amount++) {
      await handleCommand(server.eventStore, productDecider, {
        streamName: productStreamName(id),
        command: { type: 'ChangeProduct', data: { productId: id, price: { amount, currency: 'USD' }, now: new Date() } },
        metadata,
        snapshots,
      });
    }
    const rows = await server.query<{ version: number }>('SELECT version FROM eventshop_snapshots WHERE stream_id = $1', [productStreamName(id)]);
    expect(rows.map((row) => Number(row.version))).toEqual([SNAPSHOT_EVERY]);
    const withSnapshot = (await get(`/api/ops/streams/product-${id}/state`)).json();
    await server.query('DELETE FROM eventshop_snapshots WHERE stream_id = $1', [productStreamName(id)]);
    const folded = (await get(`/api/ops/streams/product-${id}/state`)).json();
    expect(withSnapshot).toEqual(folded);
    expect(folded.state.price.amount).toBe(SNAPSHOT_EVERY + 5);
  });

  it('made by another version of evolve are never used', async () => {
    const { id } = await createProduct();
    await server.query(`INSERT INTO eventshop_snapshots (stream_id, fingerprint, version, occurred_at, state) VALUES ($1, 'an-older-evolve', 1, now(), $2)`, [
      productStreamName(id),
      JSON.stringify({ status: 'active', name: 'Stale name', description: '', price: { amount: 1, currency: 'USD' }, categoryId: 'x', sku: null }),
    ]);
    expect((await get(`/api/ops/streams/product-${id}/state`)).json().state.name).toBe('Espresso cup');
  });
});

describe('creating a stream', () => {
  it('runs once when twenty creates of the same stream race: one wins, the rest conflict, one event', async () => {
    const productId = randomUUID();
    const metadata = { correlationId: 'race', causationId: 'race', actorId: null, requestId: 'race', occurredAt: '2026-11-24T12:00:00.000Z' };
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, () =>
        handleCommand(server.eventStore, productDecider, {
          streamName: productStreamName(productId),
          command: { type: 'CreateProduct', data: { productId, sku: null, name: 'Raced', description: '', price: cup.price, categoryId: 'kitchen', now: new Date() } },
          metadata,
        }),
      ),
    );
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    const refused = results.filter((result): result is PromiseRejectedResult => result.status === 'rejected');
    expect(refused.every((result) => (result.reason as { status?: number }).status === 409)).toBe(true);
    expect(await server.query('SELECT 1 FROM emt_messages WHERE stream_id = $1', [productStreamName(productId)])).toHaveLength(1);
  });
});

describe('commands racing on one stream', () => {
  it('are decided in turn and recorded together: none lost, none refused, fewer appends than commands', async () => {
    const { id } = await createProduct();
    const responses = await Promise.all(Array.from({ length: 40 }, (_, i) => changePrice(id, 3000 + i)));
    expect(responses.map((response) => response.statusCode)).toEqual(Array(40).fill(200));
    const rows = await server.query<{ transactions: number; events: number }>(
      `SELECT count(DISTINCT transaction_id)::int AS transactions, count(*)::int AS events FROM emt_messages WHERE stream_id = $1`,
      [productStreamName(id)],
    );
    expect(rows[0]!.events).toBe(41);
    expect(rows[0]!.transactions).toBeLessThan(41);
  });

  it('checks each command’s expected version at its own turn', async () => {
    const { id } = await createProduct();
    const put = (amount: number) =>
      server.app.inject({ method: 'PUT', url: `/api/products/${id}`, headers: { ...admin, 'if-match': '"1"' }, payload: { price: { amount, currency: 'USD' } } });
    const responses = await Promise.all([put(100), put(200), put(300)]);
    expect(responses.map((response) => response.statusCode).sort()).toEqual([200, 412, 412]);
  });
});

describe('the live tail over Server-Sent Events', () => {
  /** Reads SSE frames from a real socket until `enough` says stop. */
  const tail = async (query: string, headers: Record<string, string>, enough: (frames: string[]) => boolean, onOpen: () => void = () => {}) => {
    const leave = new AbortController();
    const response = await fetch(`${baseUrl}/api/ops/events/live${query}`, { headers: { ...operator, ...headers }, signal: leave.signal });
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    // Only complete frames: a chunk may end half-way through one.
    const frames = () => text.split('\n\n').slice(0, -1).filter(Boolean);
    let opened = false;
    while (!enough(frames())) {
      // The first bytes (`retry:`) are sent once the stream has fixed where "from now on" starts.
      if (text !== '' && !opened) {
        opened = true;
        onOpen();
      }
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    leave.abort();
    return { response, frames: frames() };
  };
  const dataOf = (frames: string[]) =>
    frames.filter((frame) => frame.includes('data: ')).map((frame) => JSON.parse(frame.slice(frame.indexOf('data: ') + 6)) as { position: number; streamId: string });

  it('sends an event recorded after it started, with its position as the SSE id', async () => {
    let id: string | undefined;
    const mine = (frames: string[]) => dataOf(frames).filter((event) => id !== undefined && event.streamId === `product-${id}`);
    const { response, frames } = await tail('?streamType=product', {}, (frames) => mine(frames).length >= 1, () => {
      void createProduct().then((created) => (id = created.id));
    });
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const [event] = mine(frames);
    expect(event).toMatchObject({ streamId: `product-${id}`, type: 'ProductCreated' });
    expect(frames.find((frame) => frame.includes(`"streamId":"product-${id}"`))).toContain(`id: ${event!.position}`);
  });

  it('resumes after Last-Event-ID with nothing lost and nothing repeated', async () => {
    const ids = [(await createProduct()).id, (await createProduct()).id, (await createProduct()).id];
    await feedShows(`product-${ids[2]}`);
    const feed = (await get('/api/ops/events?types=ProductCreated&limit=1000')).json().items as { position: number; streamId: string }[];
    const mine = feed.filter((event) => ids.some((id) => event.streamId === `product-${id}`));
    const { frames } = await tail('?types=ProductCreated', { 'last-event-id': String(mine[0]!.position) }, (frames) => dataOf(frames).length >= 2);
    expect(dataOf(frames).slice(0, 2).map((event) => event.position)).toEqual(mine.slice(1).map((event) => event.position));
  });

  it('says where "from now on" began before any event, so a reader that drops early resumes with nothing missed', async () => {
    const startFrame = (frames: string[]) => frames.find((frame) => /^id: \d+$/.test(frame));
    // Stops at the first heartbeat too, so a stream that never says where it started fails here rather than hangs.
    const { frames } = await tail('?types=ProductCreated', {}, (frames) => startFrame(frames) !== undefined || frames.some((frame) => frame.startsWith(': heartbeat')));
    expect(startFrame(frames)).toBeDefined();
    const start = startFrame(frames)!.slice('id: '.length);
    // The reader is gone before any event; one is recorded while it is away.
    const { id } = await createProduct();
    await feedShows(`product-${id}`);
    const resumed = await tail('?types=ProductCreated', { 'last-event-id': start }, (frames) => dataOf(frames).some((event) => event.streamId === `product-${id}`));
    expect(dataOf(resumed.frames).map((event) => event.streamId)).toContain(`product-${id}`);
  });

  it('keeps an idle stream alive with comment heartbeats', async () => {
    const { frames } = await tail('?types=UserForgotten', {}, (frames) => frames.some((frame) => frame.startsWith(': heartbeat')));
    expect(frames.some((frame) => frame.startsWith(': heartbeat'))).toBe(true);
  });

  it('refuses bad input before streaming, as a problem', async () => {
    const response = await fetch(`${baseUrl}/api/ops/events/live?types=Nope`, { headers: operator });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
  });
});

const makePool = async () => {
  const { createPool } = await import('../infra/database/pool.js');
  const pool = createPool(server.databaseUrl, 2);
  afterAll(() => pool.end());
  return pool;
};
