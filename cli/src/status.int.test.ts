import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/server.js';
import { runCli } from './program.js';
import { testIo } from './testing/test-streams.js';

let server: TestServer;
let url: string;
let directory: string;
let configFile: string;

beforeAll(async () => {
  server = await startTestServer({ scheduledTasks: true });
  url = await server.app.listen({ host: '127.0.0.1', port: 0 });
  directory = await mkdtemp(path.join(os.tmpdir(), 'shopctl-status-'));
  configFile = path.join(directory, 'config.json');
  await writeFile(configFile, JSON.stringify({ profiles: { default: { url, token: await server.adminToken() } } }), { mode: 0o600 });
});
afterAll(async () => {
  await server?.close();
  if (directory) await rm(directory, { recursive: true, force: true });
});

const status = async (args: string[], options: { tty?: boolean; env?: Record<string, string> } = {}) => {
  const io = testIo({ tty: options.tty ?? false });
  const code = await runCli(['status', ...args], { io, env: { SHOPCTL_CONFIG: configFile, ...options.env }, homeDir: directory, now: () => new Date() });
  return { code, stdout: io.stdout.text(), stderr: io.stderr.text() };
};

/** A parked event of a real ProductCreated, as a processor that gave up leaves one. */
const park = async () => {
  await server.client({ token: await server.adminToken() }).products.create({ name: 'Parked cup', price: { amount: 100, currency: 'USD' }, categoryId: 'status' });
  const [event] = await server.query<{ global_position: string; transaction_id: string; message_id: string; stream_id: string }>(
    `SELECT global_position, transaction_id::text AS transaction_id, message_id, stream_id FROM emt_messages WHERE message_type = 'ProductCreated' ORDER BY global_position DESC LIMIT 1`,
  );
  await server.query(
    `INSERT INTO eventshop_parked (processor, position, transaction_id, event_id, stream_id, event_type, error, attempts, status)
     VALUES ('catalog_category_stats', $1, $2::xid8, $3, $4, 'ProductCreated', 'status test failure', 5, 'parked')`,
    [event!.global_position, event!.transaction_id, event!.message_id, event!.stream_id],
  );
};

describe('shopctl status', () => {
  it('--json prints the contract’s summary: readiness, processors, pool, breaker, attention', async () => {
    const run = await status(['--json']);
    expect(run.code, run.stderr).toBe(0);
    const body = JSON.parse(run.stdout);
    expect(body).toMatchObject({ version: expect.any(String), instance: expect.stringMatching(/:\d+$/), ready: true, parked: 0, payments: { breaker: 'closed' }, attention: [] });
    expect(body.checks.map((check: { name: string }) => check.name)).toEqual(['database', 'read models', 'processors']);
    expect(body.processors.map((processor: { name: string }) => processor.name)).toContain('catalog_category_stats');
    expect(body.database).toMatchObject({ max: 20, waiting: 0 });
  });

  it('prints one plain screen in a pipe: ready, checks, pool, payments, each processor, and that all is well', async () => {
    const run = await status([]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).not.toContain('\u001b[');
    expect(run.stdout).toMatch(/^eventshop \S+ {2}\S+:\d+ {2}up \d+s?/);
    expect(run.stdout).toMatch(/\nReady {6}yes\n {2}ok {2}database/);
    expect(run.stdout).toMatch(/\nDatabase {3}\d+ connections, \d+ idle, 0 waiting \(pool of 20\)\n/);
    expect(run.stdout).toContain('\nPayments   circuit breaker closed\n');
    expect(run.stdout).toMatch(/\n {2}catalog_category_stats +running +0 +0 +0 +\S+:\d+\n/);
    expect(run.stdout.trimEnd().endsWith('Nothing needs attention.')).toBe(true);
  });

  it('names what needs attention with the next step, in colour at a terminal and without under NO_COLOR', async () => {
    await park();
    const json = JSON.parse((await status(['--json'])).stdout);
    expect(json.parked).toBe(1);
    expect(json.attention).toEqual(['Processor catalog_category_stats has 1 parked event. Run `shopctl failures list --processor catalog_category_stats`.']);

    const coloured = await status([], { tty: true });
    expect(coloured.stdout).toContain('\u001b[31m1 parked');
    expect(coloured.stdout).toContain('Needs attention');
    const plain = await status([], { tty: true, env: { NO_COLOR: '1' } });
    expect(plain.stdout).not.toContain('\u001b[');
    expect(plain.stdout).toContain('  ! Processor catalog_category_stats has 1 parked event.');
  });

  it('asks to log in when there is no session, with exit code 4', async () => {
    const io = testIo({ tty: false });
    const empty = path.join(directory, 'empty.json');
    await writeFile(empty, JSON.stringify({ profiles: { default: { url } } }), { mode: 0o600 });
    const code = await runCli(['status'], { io, env: { SHOPCTL_CONFIG: empty }, homeDir: directory, now: () => new Date() });
    expect(code).toBe(4);
    expect(io.stderr.text()).toContain('shopctl login');
  });
});
