import { rm } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { createShopClient } from '@eventshop/sdk';
import { killLeftoverServers, makeDataDir, postgresProcessesFor, startServerProcess } from './support/server-process.js';

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
    await killLeftoverServers();
    for (const dir of dirs) {
      for (const pid of postgresProcessesFor(dir)) process.kill(pid, 'SIGKILL');
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a second server on its data directory, naming the first, and on Ctrl-C stops PostgreSQL and keeps the data for the next start', async () => {
    const dataDir = await makeDataDir();
    dirs.push(dataDir);

    const first = await startServerProcess(env(dataDir));
    expect(first.output()).toContain('/docs');
    expect(first.output()).toContain('shopctl login');

    const refusal = await startServerProcess(env(dataDir)).then(
      async (second) => {
        await second.stop('SIGKILL');
        return 'started';
      },
      (error: Error) => error.message,
    );
    expect(refusal).toContain('exited (1)');
    expect(refusal).toContain(`Another eventshop server (process ${first.child.pid}, listening on ${first.url})`);

    // The refused start touched nothing the first one uses.
    const client = await signIn(first.url);
    expect((await client.system.ready({})).status).toBe('ready');
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

  it('never does a keyed command twice across a kill: a retry after restart replays it, runs it once, or says its answer was lost', async () => {
    const dataDir = await makeDataDir();
    dirs.push(dataDir);
    // A short stall time, so keys the kill left unfinished are resolved right after the restart.
    const crashEnv = { ...env(dataDir), EVENTSHOP_IDEMPOTENCY_STALL_SECONDS: '1' };
    const doomed = await startServerProcess(crashEnv);
    const client = await signIn(doomed.url);
    const requestFor = (n: number) => ({
      input: { name: `Crash test item ${n}`, price: { amount: 1000 + n, currency: 'EUR' }, categoryId: 'crash-test' },
      key: `crash-test-key-${String(n).padStart(4, '0')}`,
    });

    // Sixteen clients create products until the server is killed under them.
    let sent = 0;
    let killed = false;
    const worker = async () => {
      while (!killed) {
        const { input, key } = requestFor(sent++);
        await client.products.create(input, { idempotencyKey: key }).catch(() => {});
      }
    };
    const load = Promise.all(Array.from({ length: 16 }, worker));
    await new Promise((resolve) => setTimeout(resolve, 1500));
    killed = true;
    await doomed.stop('SIGKILL');
    await load;
    await client.close();

    const next = await startServerProcess(crashEnv);
    const again = await signIn(next.url);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const outcomes = new Map<string, number>();
    for (let n = 0; n < sent; n++) {
      const { input, key } = requestFor(n);
      const outcome = await again.products.create(input, { idempotencyKey: key }).then(
        () => 'created or replayed',
        (error: { code?: string }) => error.code ?? 'error',
      );
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    }
    expect([...outcomes.keys()].filter((outcome) => outcome !== 'created or replayed' && outcome !== 'idempotency_key_answer_lost')).toEqual([]);

    // Every request happened exactly once, whatever the kill interrupted.
    const names: string[] = [];
    for await (const product of again.products.list.all({ limit: 100 })) if (product.categoryId === 'crash-test') names.push(product.name);
    expect(names.length).toBe(sent);
    expect(new Set(names).size).toBe(sent);
    await again.close();
    expect(await next.stop('SIGINT')).toBe(0);
  }, 180_000);
});
