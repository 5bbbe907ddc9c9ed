import { mkdtemp, rm } from 'node:fs/promises';
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
