import { rm } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { createShopClient } from '@eventshop/sdk';
import { makeDataDir, postgresProcessesFor, startServerProcess } from './support/server-process.js';

const ADMIN = { email: 'admin@e2e.local', password: 'e2e-admin-password' };
const env = (dataDir: string) => ({ EVENTSHOP_DATA_DIR: dataDir, EVENTSHOP_ADMIN_EMAIL: ADMIN.email, EVENTSHOP_ADMIN_PASSWORD: ADMIN.password });

const signIn = async (url: string) => {
  const client = createShopClient({ baseUrl: url, retries: 0 });
  client.setToken((await client.auth.login(ADMIN)).token);
  return client;
};

describe('npm start on the embedded PostgreSQL', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) {
      for (const pid of postgresProcessesFor(dir)) process.kill(pid, 'SIGKILL');
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('stops PostgreSQL on Ctrl-C and keeps the data for the next start', async () => {
    const dataDir = await makeDataDir();
    dirs.push(dataDir);

    const first = await startServerProcess(env(dataDir));
    expect(first.output()).toContain('/docs');
    expect(first.output()).toContain('shopctl login');
    const client = await signIn(first.url);
    const product = await client.products.create({ name: 'Lifecycle kettle', price: { amount: 4200, currency: 'EUR' }, categoryId: 'kitchen' });
    await client.close();
    expect(postgresProcessesFor(dataDir).length).toBeGreaterThan(0);

    expect(await first.stop('SIGINT')).toBe(0);
    expect(postgresProcessesFor(dataDir)).toEqual([]);

    const second = await startServerProcess(env(dataDir));
    const again = await signIn(second.url);
    expect(await again.products.get({ id: product.id })).toMatchObject({ name: 'Lifecycle kettle', version: 1 });
    await again.close();
    expect(await second.stop('SIGTERM')).toBe(0);
    expect(postgresProcessesFor(dataDir)).toEqual([]);
  }, 120_000);

  it('recovers after the server is killed: the next start adopts PostgreSQL and loses nothing', async () => {
    const dataDir = await makeDataDir();
    dirs.push(dataDir);

    const doomed = await startServerProcess(env(dataDir));
    const client = await signIn(doomed.url);
    const product = await client.products.create({ name: 'Crash-proof teapot', price: { amount: 2500, currency: 'EUR' }, categoryId: 'tea' });
    await client.close();
    await doomed.stop('SIGKILL');

    const next = await startServerProcess(env(dataDir));
    const again = await signIn(next.url);
    expect(await again.products.get({ id: product.id })).toMatchObject({ name: 'Crash-proof teapot' });
    await again.close();
    expect(await next.stop('SIGINT')).toBe(0);
    expect(postgresProcessesFor(dataDir)).toEqual([]);
  }, 120_000);
});
