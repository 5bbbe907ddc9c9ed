import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createShopClient, type ShopClient } from '@eventshop/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/server.js';
import type { CliContext } from './context.js';
import { runCli } from './program.js';
import { testIo } from './testing/test-streams.js';

let server: TestServer;
let url: string;
let token: string;
let admin: ShopClient;
let directory: string;

beforeAll(async () => {
  server = await startTestServer();
  url = await server.app.listen({ host: '127.0.0.1', port: 0 });
  token = await server.adminToken();
  admin = server.client({ token });
  directory = await mkdtemp(path.join(os.tmpdir(), 'shopctl-read-models-'));
  for (let i = 0; i < 6; i += 1) {
    await admin.products.create({ name: `Watched ${i}`, price: { amount: 1000 + i * 100, currency: 'USD' }, categoryId: i % 2 === 0 ? 'watch-even' : 'watch-odd' });
  }
  await caughtUp();
});
afterAll(async () => {
  await admin?.close();
  await server?.close();
  if (directory) await rm(directory, { recursive: true, force: true });
});

const until = async (condition: () => Promise<boolean>, what: string) => {
  for (const deadline = Date.now() + 10_000; !(await condition()); ) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

const caughtUp = () =>
  until(async () => (await admin.ops.processors.list()).items.find((item) => item.name === 'catalog_category_stats')?.lagEvents === 0, 'the statistics to catch up');

/** No rebuild running (none ever, or the last one finished). */
const rebuildDone = () =>
  until(async () => (await admin.ops.readModels.progress({ name: 'catalog_category_stats' }).catch(() => undefined))?.status !== 'running', 'the rebuild to finish');

/** shopctl in this process, at a pretend terminal or a pipe. */
const shopctl = async (args: string[], options: { tty?: boolean } = {}) => {
  const io = testIo({ tty: options.tty ?? false });
  const context: CliContext = {
    io,
    env: { SHOPCTL_URL: url, SHOPCTL_TOKEN: token, SHOPCTL_CONFIG: path.join(directory, 'config.json') },
    homeDir: directory,
    now: () => new Date(),
  };
  const code = await runCli(args, context);
  return { code, stdout: io.stdout.text(), stderr: io.stderr.text() };
};

describe('a rebuild’s progress as a stream', () => {
  it('over REST: progress messages, the final state with the comparison, then an `end` event that closes the stream', async () => {
    await rebuildDone();
    expect((await server.app.inject({ method: 'POST', url: '/api/ops/read-models/catalog_category_stats/rebuild', headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(202);
    const response = await fetch(`${url}/api/ops/read-models/catalog_category_stats/rebuild/watch?interval=100`, { headers: { authorization: `Bearer ${token}` } });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    // The body ends by itself: a finite stream closes after its last word.
    const text = await response.text();
    const frames = text.split('\n\n').filter(Boolean);
    const messages = frames.filter((frame) => frame.startsWith('data: ')).map((frame) => JSON.parse(frame.slice('data: '.length)));
    expect(messages.length).toBeGreaterThanOrEqual(1);
    expect(messages.slice(0, -1).every((message) => message.status === 'running')).toBe(true);
    expect(messages[messages.length - 1]).toMatchObject({ status: 'done', eventsDone: expect.any(Number), comparison: { equal: true } });
    expect(frames[frames.length - 1]).toBe('event: end\ndata: {}');
  });

  it('answers 404, before any stream, for a name no module declares', async () => {
    const response = await fetch(`${url}/api/ops/read-models/nope/rebuild/watch`, { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toMatch(/problem\+json/);
  });

  it('in the SDK: an async iterable that ends by itself with the finished rebuild', async () => {
    await rebuildDone();
    await admin.ops.readModels.rebuild({ name: 'catalog_category_stats' });
    const client = createShopClient({ baseUrl: url, token });
    const seen = [];
    try {
      for await (const progress of client.ops.readModels.watch({ name: 'catalog_category_stats', interval: 100 })) seen.push(progress);
    } finally {
      await client.close();
    }
    expect(seen[seen.length - 1]).toMatchObject({ status: 'done', comparison: { equal: true, tables: expect.any(Array) } });
    expect(seen.slice(0, -1).every((progress) => progress.status === 'running')).toBe(true);
  });

  it('in shopctl --json: one JSON object per progress message, the last one the finished rebuild', async () => {
    await rebuildDone();
    const run = await shopctl(['read-models', 'rebuild', 'catalog_category_stats', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.trim().split('\n').map((line) => JSON.parse(line));
    expect(lines.length).toBeGreaterThanOrEqual(1);
    expect(lines[lines.length - 1]).toMatchObject({ status: 'done', comparison: { equal: true } });
  });

  it('in shopctl at a terminal: a progress bar on stderr, then the result; --detach answers at once', async () => {
    await rebuildDone();
    const run = await shopctl(['read-models', 'rebuild', 'catalog_category_stats'], { tty: true });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/\r\u001b\[2K\[[#-]{24}\]\s+\d+%\s+[\d,]+\/[\d,]+ events/);
    expect(run.stdout).toMatch(/done/);
    expect(run.stdout).toMatch(/equal/i);

    await rebuildDone();
    const detached = await shopctl(['read-models', 'rebuild', 'catalog_category_stats', '--detach', '--json']);
    expect(detached.code, detached.stderr).toBe(0);
    expect(JSON.parse(detached.stdout)).toMatchObject({ status: 'running', eventsDone: 0 });
    await rebuildDone();
  });
});

describe('shopctl read-models what-if', () => {
  it('runs a changed projection over history and shows the rows it would add, remove and change, leaving the live read model alone', async () => {
    // Live: wi-keep has 1 active product (its other one discontinued); wi-gone has none (so no row);
    // sample-wi has one. The changed projection counts discontinued products and leaves out sample-… categories.
    const create = (name: string, amount: number, categoryId: string) => admin.products.create({ name, price: { amount, currency: 'USD' }, categoryId });
    await create('Kept 1', 1000, 'wi-keep');
    const gone = await create('Kept 2', 3000, 'wi-keep');
    const lonely = await create('Gone 1', 500, 'wi-gone');
    await create('Sample 1', 700, 'sample-wi');
    await admin.products.delete({ id: gone.id });
    await admin.products.delete({ id: lonely.id });
    await caughtUp();
    const before = await server.query('SELECT * FROM catalog_category_stats ORDER BY 1, 2');

    const run = await shopctl(['read-models', 'what-if', 'catalog_category_stats', '--script', 'examples/changed-category-stats.ts', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report).toMatchObject({ readModel: 'catalog_category_stats', equal: false, liveMovedMeanwhile: false });
    expect(report.replayedEvents).toBeGreaterThan(0);
    const [table] = report.tables;
    expect(table).toMatchObject({ table: 'catalog_category_stats', key: ['category_id', 'currency'], added: 1, removed: 1, changed: 1 });
    expect(table.samples.added).toEqual([expect.objectContaining({ category_id: 'wi-gone', active_products: 1, min_price: 500 })]);
    expect(table.samples.removed).toEqual([expect.objectContaining({ category_id: 'sample-wi', active_products: 1 })]);
    expect(table.samples.changed).toEqual([
      {
        key: { category_id: 'wi-keep', currency: 'USD' },
        columns: {
          active_products: { live: 1, whatIf: 2 },
          avg_price: { live: 1000, whatIf: 2000 },
          max_price: { live: 1000, whatIf: 3000 },
          total_price: { live: 1000, whatIf: 4000 },
        },
      },
    ]);
    // The rows it left alone (watch-even, watch-odd) are the same on both sides, and the live copy is untouched.
    expect(table.liveRows - table.removed).toBe(table.whatIfRows - table.added);
    expect(await server.query('SELECT * FROM catalog_category_stats ORDER BY 1, 2')).toEqual(before);
    expect(await server.query(`SELECT nspname FROM pg_namespace WHERE nspname LIKE 'eventshop_%'`)).toEqual([]);

    // For people: the counts, then each kind with its sample.
    const text = await shopctl(['read-models', 'what-if', 'catalog_category_stats', '--script', 'examples/changed-category-stats.ts']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/catalog_category_stats: added \(1\)\n {2}\+ .*wi-gone/);
    expect(text.stdout).toMatch(/catalog_category_stats: removed \(1\)\n {2}- .*sample-wi/);
    expect(text.stdout).toMatch(/~ category_id=wi-keep currency=USD: active_products 1 → 2/);
    expect(text.stderr).toMatch(/The live read model was not touched/);
  });

  it('refuses a script that returns no tables, and a table the read model does not have', async () => {
    const script = path.join(directory, 'bad.mjs');
    await writeFile(script, `export default () => {};\nexport const done = () => ({ not_a_table: [{ id: 1 }] });\n`);
    const run = await shopctl(['read-models', 'what-if', 'catalog_category_stats', '--script', script]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/not_a_table/);
    const none = path.join(directory, 'none.mjs');
    await writeFile(none, `export default () => {};\nexport const done = () => 42;\n`);
    const refused = await shopctl(['read-models', 'what-if', 'catalog_category_stats', '--script', none]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/must return the rows of its scratch copy by table/);
  });

  it('pages live rows over REST in key order with the checkpoint, and refuses a hand-made cursor with a 400', async () => {
    const headers = { authorization: `Bearer ${token}` };
    const first = await server.app.inject({ url: '/api/ops/read-models/catalog_category_stats/tables/catalog_category_stats/rows?limit=2', headers });
    expect(first.statusCode).toBe(200);
    const page = first.json();
    expect(page).toMatchObject({ table: 'catalog_category_stats', key: ['category_id', 'currency'], checkpoint: expect.any(Number), nextAfter: expect.any(String) });
    expect(page.items).toHaveLength(2);
    const next = (await server.app.inject({ url: `/api/ops/read-models/catalog_category_stats/tables/catalog_category_stats/rows?limit=2&after=${page.nextAfter}`, headers })).json();
    expect(next.items[0].category_id >= page.items[1].category_id).toBe(true);
    const forged = Buffer.from(JSON.stringify(['x'])).toString('base64url');
    expect((await server.app.inject({ url: `/api/ops/read-models/catalog_category_stats/tables/catalog_stats_products/rows?after=${forged}`, headers })).statusCode).toBe(400);
    expect((await server.app.inject({ url: '/api/ops/read-models/catalog_category_stats/tables/users/rows', headers })).statusCode).toBe(404);
  });
});
