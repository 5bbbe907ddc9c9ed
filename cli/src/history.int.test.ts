import { execFile, execFileSync, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { ShopClient } from '@eventshop/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/server.js';
import type { CliContext } from './context.js';
import { runCli } from './program.js';
import { testIo } from './testing/test-streams.js';

const BIN = fileURLToPath(new URL('../bin/shopctl.js', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

type Run = { code: number | null; stdout: string; stderr: string };

let server: TestServer;
let url: string;
let token: string;
let admin: ShopClient;
let directory: string;
let productId: string;

/** The environment shopctl runs in: this server and an admin token, nothing from the machine's own SHOPCTL_* or NO_COLOR. */
const shopctlEnv = () => ({
  ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('SHOPCTL_') && name !== 'NO_COLOR')),
  SHOPCTL_URL: url,
  SHOPCTL_TOKEN: token,
  SHOPCTL_CONFIG: path.join(directory, 'config.json'),
});

/** The real launcher with pipes for stdio, run from the repository root (where the examples are). */
const shopctl = (args: string[]): Promise<Run> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: shopctlEnv(), cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });

/** shopctl in this process, at a pretend terminal (or a pipe), with a clock and an interrupt the test holds. */
const inProcess = async (args: string[], options: { tty?: boolean; now?: Date; interrupt?: AbortSignal; env?: NodeJS.ProcessEnv } = {}) => {
  const io = testIo({ tty: options.tty ?? true });
  const context: CliContext = {
    io,
    env: { SHOPCTL_URL: url, SHOPCTL_TOKEN: token, SHOPCTL_CONFIG: path.join(directory, 'config.json'), ...options.env },
    homeDir: directory,
    now: () => options.now ?? new Date(),
    ...(options.interrupt ? { interrupt: options.interrupt } : {}),
  };
  const running = runCli(args, context);
  return { io, running, done: async () => ({ code: await running, stdout: io.stdout.text(), stderr: io.stderr.text() }) };
};
const run = async (args: string[], options: Parameters<typeof inProcess>[1] = {}) => (await inProcess(args, options)).done();

const until = async (condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000, seen?: () => Promise<string>) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}${seen ? `; it showed:\n${await seen().catch(String)}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};

beforeAll(async () => {
  server = await startTestServer();
  url = await server.app.listen({ host: '127.0.0.1', port: 0 });
  token = await server.adminToken();
  admin = server.client({ token });
  directory = await mkdtemp(path.join(os.tmpdir(), 'shopctl-history-'));
  // A product with a history: created at 12:00, repriced at 13:00 and again at 14:00 (the server's clock).
  const created = await admin.products.create({ name: 'Espresso cup', price: { amount: 1299, currency: 'USD' }, categoryId: 'kitchen' });
  productId = created.id;
  server.clock.advance(3_600_000);
  await admin.products.update({ id: productId, price: { amount: 1499, currency: 'USD' } });
  server.clock.advance(3_600_000);
  await admin.products.update({ id: productId, price: { amount: 1599, currency: 'USD' } });
});

afterAll(async () => {
  await admin?.close();
  await server?.close();
  if (directory) await rm(directory, { recursive: true, force: true });
});

describe('shopctl streams', () => {
  it('shows an entity at a version as an aligned tree, with the version and time it reflects', async () => {
    const shown = await run(['streams', 'state', `product-${productId}`, '--input-version', '2', '--no-color']);
    expect(shown.stderr).toBe('');
    expect(shown.code).toBe(0);
    const lines = shown.stdout.split('\n');
    expect(lines[0]).toBe(`product-${productId} at version 2 of 3, 2026-11-24 13:00:00 UTC`);
    expect(shown.stdout).toMatch(/\nname +Espresso cup\n/);
    expect(shown.stdout).toMatch(/\nprice +14\.99 USD\n/);
  });

  it('takes a relative --at and prints the instant it used on stderr, leaving --json as the server answers', async () => {
    const now = new Date('2026-11-24T14:30:00.000Z');
    const shown = await run(['streams', 'state', `product-${productId}`, '--at', '1h', '--json'], { now });
    expect(shown.code).toBe(0);
    expect(shown.stderr).toContain('--at 1h: using 2026-11-24T13:30:00.000Z');
    expect(JSON.parse(shown.stdout)).toMatchObject({ version: 2, state: { price: { amount: 1499, currency: 'USD' } } });

    const bad = await run(['streams', 'state', `product-${productId}`, '--at', 'last tuesday']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--at takes an ISO instant');
  });

  it('prints a diff as - and + lines, red and green at a colour terminal, then the events in between', async () => {
    const plain = await run(['streams', 'diff', `product-${productId}`, '--from', '1', '--to', '3'], { env: { NO_COLOR: '1' } });
    expect(plain.code).toBe(0);
    expect(plain.stdout).not.toContain('\u001b[');
    expect(plain.stdout).toContain('- price.amount: 1299\n+ price.amount: 1599\n');
    expect(plain.stdout).toContain('2 events in between:');
    expect(plain.stdout).toMatch(/ProductPriceChanged +product-\S+ v3 {2}price=15\.99 USD previousPrice=14\.99 USD/);

    const coloured = await run(['streams', 'diff', `product-${productId}`, '--from', '1', '--to', '3']);
    expect(coloured.stdout).toContain('\u001b[31m- price.amount: 1299');
    expect(coloured.stdout).toContain('\u001b[32m+ price.amount: 1599');

    const json = await run(['streams', 'diff', `product-${productId}`, '--from', '1', '--to', '3', '--json']);
    expect(JSON.parse(json.stdout).changes).toContainEqual({ path: 'price.amount', before: 1299, after: 1599 });
  });
});

describe('shopctl events', () => {
  it('lists the log one line per event, tab-separated in a pipe', async () => {
    const listed = await run(['events', 'list', '--stream-type', 'product', '--types', 'ProductPriceChanged'], { tty: false });
    expect(listed.code).toBe(0);
    const rows = listed.stdout.trim().split('\n').map((line) => line.split('\t'));
    expect(rows.map((row) => row[2])).toEqual(['ProductPriceChanged', 'ProductPriceChanged']);
    expect(JSON.parse(rows[0]![5]!)).toMatchObject({ price: { amount: 1499, currency: 'USD' } });
  });

  it('follows the log until interrupted: one JSON object per line, then where to resume on stderr', async () => {
    const { count, lastPosition } = await admin.call('ops.events.count', {});
    expect(count).toBeGreaterThan(0);
    const stop = new AbortController();
    const tail = await inProcess(['events', 'tail', '--after', String(lastPosition), '--json'], { tty: false, interrupt: stop.signal });
    const made = await admin.products.create({ name: 'Tail cup', price: { amount: 500, currency: 'USD' }, categoryId: 'kitchen' });
    await until(() => tail.io.stdout.text().includes(made.id), 'the new event on the tail');
    stop.abort();
    const { code, stdout, stderr } = await tail.done();
    expect(code).toBe(0);
    const messages = stdout.trim().split('\n').map((line) => JSON.parse(line) as { type: string; streamId: string; position: number });
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ type: 'ProductCreated', streamId: `product-${made.id}` });
    expect(stderr.trim()).toBe(`Stopped (1 received; resume with --after ${messages[0]!.position}).`);
  });
});

const hasTmux = (() => {
  try {
    execFileSync('tmux', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe.skipIf(!hasTmux)('shopctl events tail in a real terminal', () => {
  it('prints an event appended after it started, and exits 0 on Ctrl-C', { timeout: 90_000 }, async () => {
    // A tmux server of our own (its own socket), so nothing of anyone else's is touched.
    const tmux = (...args: string[]) => promisify(execFile)('tmux', ['-L', `shopctl-test-${process.pid}`, ...args]);
    const pane = async () => (await tmux('capture-pane', '-p', '-J', '-t', 'tail')).stdout;
    const { lastPosition } = await admin.call('ops.events.count', {});
    const env = Object.entries(shopctlEnv()).flatMap(([name, value]) => (name.startsWith('SHOPCTL_') ? ['-e', `${name}=${value}`] : []));
    // Started from a shell, as a person types it; Ctrl-C reaches both, as it does in a terminal. The
    // shell says how shopctl exited: tmux 3.3a sometimes marks a pane dead without its exit status.
    const report = 'trap : INT; "$0" "$@"; echo "shopctl exited with status $?"';
    await tmux('new-session', '-d', '-s', 'tail', '-x', '220', '-y', '20', '-c', REPO_ROOT, ...env, 'sh', '-c', report, process.execPath, BIN, 'events', 'tail', '--stream-type', 'product', '--after', String(lastPosition));
    await tmux('set-option', '-t', 'tail', 'remain-on-exit', 'on');
    try {
      // Appended once shopctl is up (--after makes the order safe either way: nothing after that position can be missed).
      const made = await admin.products.create({ name: 'Terminal cup', price: { amount: 700, currency: 'USD' }, categoryId: 'kitchen' });
      await until(async () => (await pane()).includes(`product-${made.id}`), 'the event in the pane', 30_000, pane);
      const shown = (await pane()).split('\n').find((row) => row.includes(made.id))!;
      expect(shown).toMatch(/^ +\d+ {2}\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} {2}ProductCreated +product-\S+ v1 {2}.*name="Terminal cup"/);
      await tmux('send-keys', '-t', 'tail', 'C-c');
      await until(async () => (await pane()).includes('shopctl exited with status'), 'shopctl to exit', 30_000, pane);
      expect(await pane()).toMatch(/Stopped \(1 received; resume with --after \d+\)\.\nshopctl exited with status 0\n/);
    } finally {
      await tmux('kill-server').catch(() => {});
    }
  });
});

describe('shopctl replay', () => {
  it('runs an example script over the log and prints what done() returns', { timeout: 60_000 }, async () => {
    const replayed = await shopctl(['replay', '--script', 'examples/price-history.ts', '--stream-type', 'product', '--json']);
    expect(replayed.stderr).toMatch(/Replayed \d+ events \(positions \d+ to \d+\)/);
    expect(replayed.code).toBe(0);
    expect(JSON.parse(replayed.stdout)).toContainEqual({
      product: 'Espresso cup',
      changes: 2,
      prices: '12.99 USD (2026-11-24) → 14.99 USD (2026-11-24) → 15.99 USD (2026-11-24)',
    });
  });

  it('counts sign-ups per day with the other example script', { timeout: 60_000 }, async () => {
    await server.registerCustomer();
    await server.registerCustomer();
    const counted = await run(['replay', '--script', path.join(REPO_ROOT, 'examples/signups-per-day.ts'), '--stream-type', 'user'], { tty: false });
    expect(counted.code).toBe(0);
    // The bootstrap admin and the two customers, all on the test clock's day (a later day would outlive the admin's token).
    expect(counted.stdout).toBe('2026-11-24\t3\n');
  });

  it('prints the count and the range with --dry-run, running nothing', async () => {
    const dry = await run(['replay', '--script', path.join(REPO_ROOT, 'examples/price-history.ts'), '--type', 'ProductPriceChanged', '--dry-run'], { tty: false });
    expect(dry.stderr).toBe('');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/^Would replay 2 events, positions \d+ to \d+, 2026-11-24 13:00:00 UTC to 2026-11-24 14:00:00 UTC\.\nNothing was run/);
  });

  it('stops with the event’s position and the error, and exits 1, when the script throws', { timeout: 60_000 }, async () => {
    const script = path.join(directory, 'throws.mjs');
    await writeFile(script, "export default (event) => { if (event.type === 'ProductPriceChanged') throw new Error('no prices today'); };\n");
    const failed = await run(['replay', '--script', script, '--stream-type', 'product'], { tty: false });
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/throws\.mjs threw at position (\d+) \(ProductPriceChanged, event \S+\): no prices today\nFix the script, then resume with --after \d+/);
    expect(failed.stdout).toBe('');
  });
});
