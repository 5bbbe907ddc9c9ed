import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ShopClient } from '@eventshop/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_EMAIL, ADMIN_PASSWORD, startTestServer, type TestServer } from '../../test/server.js';

const BIN = fileURLToPath(new URL('../bin/shopctl.js', import.meta.url));

type Run = { code: number | null; stdout: string; stderr: string };

let server: TestServer;
let url: string;
let directory: string;
let configFile: string;
let admin: ShopClient;
let login: Run;

/**
 * Runs the real launcher as a person's shell would, except that stdin, stdout and stderr are
 * pipes (no terminal) and the config lives in a temporary folder. No SHOPCTL_* or NO_COLOR
 * variables leak in from the machine running the tests.
 */
const shopctl = (args: string[], options: { stdin?: string; configFile?: string } = {}): Promise<Run> =>
  new Promise((resolve, reject) => {
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('SHOPCTL_') && name !== 'NO_COLOR'));
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...env, SHOPCTL_CONFIG: options.configFile ?? configFile }, stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.stdin ?? '');
  });

/** The launcher with no SHOPCTL_* or NO_COLOR variables from the machine, its stdio left as pipes for the test to handle. */
const launch = (args: string[]) => {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('SHOPCTL_') && name !== 'NO_COLOR'));
  return spawn(process.execPath, [BIN, ...args], { env: { ...env, SHOPCTL_CONFIG: path.join(directory, 'absent', 'config.json') }, stdio: 'pipe' });
};

/** `id<TAB>…` lines are how a single object prints when stdout is not a terminal. */
const fieldOf = (run: Run, name: string) => run.stdout.split('\n').find((line) => line.startsWith(`${name}\t`))?.slice(name.length + 1);

beforeAll(async () => {
  server = await startTestServer();
  url = await server.app.listen({ host: '127.0.0.1', port: 0 });
  directory = await mkdtemp(path.join(os.tmpdir(), 'shopctl-int-'));
  configFile = path.join(directory, 'config', 'config.json');
  admin = server.client({ token: await server.adminToken() });
  // Every later command uses the profile this login saves.
  login = await shopctl(['login', '--url', url, '--email', ADMIN_EMAIL, '--password-stdin'], { stdin: `${ADMIN_PASSWORD}\n` });
});

afterAll(async () => {
  await admin?.close();
  await server?.close();
  if (directory) await rm(directory, { recursive: true, force: true });
});

describe('shopctl login', () => {
  it('signs in with --password-stdin and saves the token in a private profile', async () => {
    expect(login.stderr).toBe('');
    expect(login.code).toBe(0);
    expect(login.stdout).toContain(`Logged in to ${url} as`);
    expect((await stat(configFile)).mode & 0o777).toBe(0o600);
    const saved = JSON.parse(await readFile(configFile, 'utf8'));
    expect(saved.profiles.default).toMatchObject({ url, email: ADMIN_EMAIL, token: expect.any(String), expiresAt: expect.any(String) });
  });
});

describe('shopctl products', () => {
  it('creates, reads, lists, searches, refuses a stale update and discontinues a product', { timeout: 90_000 }, async () => {
    const created = await shopctl(['products', 'create', '--name', 'Porcelain espresso cup', '--price-amount', '1299', '--price-currency', 'USD', '--category-id', 'kitchen']);
    expect(created.code).toBe(0);
    const id = fieldOf(created, 'id')!;
    expect(fieldOf(created, 'price')).toBe('12.99 USD');

    const read = await shopctl(['products', 'get', id, '--json']);
    expect(read.code).toBe(0);
    expect(JSON.parse(read.stdout)).toMatchObject({ id, name: 'Porcelain espresso cup', price: { amount: 1299, currency: 'USD' }, version: 1 });

    const pricier = await admin.products.create({ name: 'Copper kettle', price: { amount: 8900, currency: 'USD' }, categoryId: 'kitchen' });
    const listed = await shopctl(['products', 'list', '--price-min', '1000', '--price-max', '1500', '--currency', 'USD']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(`${id}\t`);
    expect(listed.stdout).not.toContain(pricier.id);

    const found = await shopctl(['products', 'search', '--q', 'espresso']);
    expect(found.code).toBe(0);
    expect(found.stdout).toContain(id);

    await admin.products.update({ id, description: 'Someone else got there first', expectedVersion: 1 });
    const stale = await shopctl(['products', 'update', id, '--name', 'Espresso cup', '--expected-version', '1']);
    expect(stale.code).toBe(1);
    expect(stale.stderr.trim()).toBe(`The product changed since you read it (version 2 now). Run \`shopctl products get ${id}\` and try again.`);
    expect(stale.stderr).not.toMatch(/\n\s+at /);

    const unconfirmed = await shopctl(['products', 'delete', id]);
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stderr).toContain('Discontinue this product? It leaves listings and search for good. Pass --yes to confirm.');
    expect((await admin.products.get({ id })).status).toBe('active');

    const discontinued = await shopctl(['products', 'delete', id, '--yes']);
    expect(discontinued.code).toBe(0);
    expect(fieldOf(discontinued, 'status')).toBe('discontinued');
  });

  it('shows one page with a hint for the next, or every page with --all', { timeout: 60_000 }, async () => {
    for (const name of ['Grinder', 'Tamper']) {
      await admin.products.create({ name, price: { amount: 2000, currency: 'USD' }, categoryId: 'barista' });
    }
    const firstPage = await shopctl(['products', 'by-category', 'barista', '--limit', '1']);
    expect(firstPage.code).toBe(0);
    expect(firstPage.stdout.trim().split('\n')).toHaveLength(1);
    expect(firstPage.stderr).toMatch(/More results: run again with --cursor \S+, or use --all/);

    const everything = await shopctl(['products', 'by-category', 'barista', '--limit', '1', '--all', '--json']);
    expect(everything.code).toBe(0);
    expect(everything.stderr).toBe('');
    expect(JSON.parse(everything.stdout).items.map((item: { name: string }) => item.name)).toEqual(['Grinder', 'Tamper']);
  });

  it('names the missing flags and exits 2 when there is no terminal to prompt at', async () => {
    const run = await shopctl(['products', 'create', '--name', 'Cup']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('Missing required flag(s): --price-amount, --price-currency, --category-id');
    expect(run.stderr).toContain('Usage: shopctl products create [options]');
  });

  it('exits 4 and says how to log in when a create has no credentials', async () => {
    const run = await shopctl(['products', 'create', '--url', url, '--name', 'Cup', '--price-amount', '100', '--price-currency', 'USD', '--category-id', 'kitchen'], {
      configFile: path.join(directory, 'nobody', 'config.json'),
    });
    expect(run.code).toBe(4);
    expect(run.stderr.trim()).toBe('You are not logged in. Run `shopctl login`.');
  });
});

describe('the shopctl process', () => {
  it('exits 0 without a word when the reader of its output goes away (`shopctl … | head -1`)', async () => {
    const child = launch(['--help']);
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // Close the reading end before the CLI has started, so its first write to stdout meets EPIPE.
    child.stdout.destroy();
    child.stdin.end();
    const [code, signal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null];
    expect({ code, signal, stderr }).toEqual({ code: 0, signal: null, stderr: '' });
  });

  it('dies of a SIGINT sent to it alone, closing its connection, so the shell sees 130', async () => {
    // A server that takes the connection and never answers: the CLI is then surely running and waiting.
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = silent.address() as { port: number };
      const child = launch(['health', '--url', `http://127.0.0.1:${port}`]);
      child.stdin.end();
      // Read what it prints: a full pipe (a rebuild's warnings, say) would block it before it connects.
      child.stdout.resume();
      child.stderr.resume();
      const closed = once(child, 'close') as Promise<[number | null, NodeJS.Signals | null]>;
      const [socket] = (await once(silent, 'connection')) as [Socket];
      const connectionClosed = once(socket, 'close');
      // Only this process gets the signal, as with `kill -INT <pid>`.
      child.kill('SIGINT');
      const [code, signal] = await closed;
      expect({ code, signal }).toEqual({ code: null, signal: 'SIGINT' });
      // No child process lives on as an orphan holding the connection.
      await connectionClosed;
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });
});
