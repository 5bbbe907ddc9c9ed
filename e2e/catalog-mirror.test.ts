import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ShopClient } from '@eventshop/sdk';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ADMIN_EMAIL, ADMIN_PASSWORD, startTestServer, type TestServer } from '../test/server.js';
import { REPO_ROOT } from './support/server-process.js';

let server: TestServer;
let admin: ShopClient;
let env: NodeJS.ProcessEnv;
let directory: string;
const children = new Set<ChildProcess>();

beforeAll(async () => {
  server = await startTestServer();
  const url = await server.app.listen({ host: '127.0.0.1', port: 0 });
  admin = server.client({ token: await server.adminToken() });
  directory = await mkdtemp(path.join(os.tmpdir(), 'catalog-mirror-'));
  env = { ...process.env, SHOP_URL: url, SHOP_EMAIL: ADMIN_EMAIL, SHOP_PASSWORD: ADMIN_PASSWORD, MIRROR_FILE: path.join(directory, 'mirror.json') };
});
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await admin?.close();
  await server?.close();
  if (directory) await rm(directory, { recursive: true, force: true });
});

/** The example as the README runs it, with its output collected as it comes. */
const startMirror = () => {
  const child = spawn(process.execPath, ['--conditions=@eventshop/source', '--import', 'tsx', 'examples/catalog-mirror.ts'], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => (children.delete(child), resolve(code))));
  const waitFor = async (text: string | RegExp) => {
    const deadline = Date.now() + 30_000;
    while (!(typeof text === 'string' ? output.includes(text) : text.test(output))) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`catalog-mirror never printed ${text}:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  return { output: () => output, waitFor, stop: () => (child.kill('SIGINT'), exited) };
};

const mirrorFile = async () => JSON.parse(await readFile(env.MIRROR_FILE!, 'utf8')) as { position: number; products: Record<string, { name: string; price: { amount: number } }> };

it('keeps a copy of the catalog through the live tail, and resumes after a restart from the position it saved', { timeout: 90_000 }, async () => {
  const before = await admin.products.create({ name: 'Mirrored cup', price: { amount: 1299, currency: 'USD' }, categoryId: 'kitchen' });
  const first = startMirror();
  await first.waitFor('0 products in');
  await first.waitFor(/position \d+: added Mirrored cup/);

  // Recorded while it is running: the tail brings it at once.
  const live = await admin.products.create({ name: 'Live cup', price: { amount: 900, currency: 'USD' }, categoryId: 'kitchen' });
  await first.waitFor(/position \d+: added Live cup/);
  expect(await first.stop()).toBe(0);
  const saved = await mirrorFile();
  expect(Object.keys(saved.products).sort()).toEqual([before.id, live.id].sort());

  // Recorded while it is down: the restart resumes after the saved position and applies only this.
  await admin.products.update({ id: before.id, price: { amount: 1499, currency: 'USD' } });
  const second = startMirror();
  await second.waitFor(`2 products in ${env.MIRROR_FILE}; following the log after position ${saved.position}`);
  await second.waitFor(/position \d+: repriced Mirrored cup to 14\.99 USD/);
  expect(await second.stop()).toBe(0);
  expect(second.output()).not.toContain('added');
  expect((await mirrorFile()).products[before.id]?.price.amount).toBe(1499);
});
