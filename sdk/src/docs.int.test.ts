import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_EMAIL, ADMIN_PASSWORD, startTestServer, type TestServer } from '../../test/server.js';
import { guideScript } from './testing/guide-script.js';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);

let server: TestServer;
let env: NodeJS.ProcessEnv;
let workDir: string;


beforeAll(async () => {
  server = await startTestServer();
  const baseUrl = await server.app.listen({ host: '127.0.0.1', port: 0 });
  env = { ...process.env, SHOP_URL: baseUrl, SHOP_EMAIL: ADMIN_EMAIL, SHOP_PASSWORD: ADMIN_PASSWORD };
  // Outside the repo, so nothing lands in the checkout; node_modules lets it import @eventshop/sdk like an app.
  workDir = await mkdtemp(path.join(os.tmpdir(), 'eventshop-sdk-docs-'));
  await symlink(path.join(REPO_ROOT, 'node_modules'), path.join(workDir, 'node_modules'), 'dir');
});
afterAll(async () => {
  await server?.close();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

/** How a partner app type-checks the guides' examples: strict, the SDK from source. */
const GUIDE_COMPILER_OPTIONS = {
  target: 'ES2022',
  lib: ['ES2023'],
  module: 'NodeNext',
  moduleResolution: 'NodeNext',
  customConditions: ['@eventshop/source'],
  strict: true,
  noUncheckedIndexedAccess: true,
  skipLibCheck: true,
  types: ['node'],
  noEmit: true,
};

/** Runs a TypeScript module as the guides tell people to: the SDK from source, TypeScript through tsx. */
const runScript = (file: string, cwd: string) =>
  run(process.execPath, ['--conditions=@eventshop/source', '--import', 'tsx', file], { cwd, env, timeout: 60_000 });

/** A guide's ```ts blocks as one module in the work directory, type-checked as an app would be; answers its path. */
const typeCheckedGuide = async (guide: string, name: string) => {
  const script = path.join(workDir, name);
  await writeFile(script, guideScript(await readFile(path.join(REPO_ROOT, guide), 'utf8')));
  await writeFile(
    path.join(workDir, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: GUIDE_COMPILER_OPTIONS, files: [name] }),
  );
  const tsc = path.join(REPO_ROOT, 'node_modules/typescript/bin/tsc');
  await expect(run(process.execPath, [tsc, '-p', workDir], { cwd: workDir }).then(() => 'compiles')).resolves.toBe('compiles');
  return script;
};

describe('the SDK guide and the partner example', () => {
  it('type-checks and runs every example in docs/sdk.md against a real server', async () => {
    const script = await typeCheckedGuide('docs/sdk.md', 'docs-sdk.mts');
    const { stdout } = await runScript(script, workDir);
    expect(stdout).toContain(`signed in as ${ADMIN_EMAIL} (admin)`);
    expect(stdout).toContain('price.amount: Use whole minor units (cents): 1999 for 19.99');
    expect(stdout).toContain('sign in first: unauthorized');
    expect(stdout).toContain('true true\n'); // the idempotent replay
    expect(stdout).toContain('422 idempotency_key_reused');
    expect(stdout).toContain('412 version_mismatch you read 2, it is at 3');
    expect(stdout).toContain("{ amount: 1649, currency: 'USD' }");
    expect(stdout).toContain('cancelled: aborted');
    expect(stdout).toContain("{ ok: false, status: 404, code: 'not_found' }");
    // History: time travel, diff, read, replay, a failing replay, the live tail.
    expect(stdout).toMatch(/time travel: version 1 of \d+, price \{ amount: 1299, currency: 'USD' \}/);
    expect(stdout).toContain('changed price.amount: 1299 -> ');
    expect(stdout).toMatch(/the cup's price changed [1-9]\d* times/);
    expect(stdout).toMatch(/replayed \d+ events, (\d+) of \1; the cup last cost \d+/);
    expect(stdout).toMatch(/replay stopped at position \d+ \(ProductCreated\): no room for this one/);
    expect(stdout).toContain('live: the cup now costs 1799\ntail ended cleanly');
  }, 90_000);

  it('type-checks and runs every example in docs/inventory.md against a real server', async () => {
    const script = await typeCheckedGuide('docs/inventory.md', 'docs-inventory.mts');
    const { stdout } = await runScript(script, workDir);
    expect(stdout).toContain('same hold: true available: 1');
    expect(stdout).toContain('sold out: Not enough stock: 2 requested, 1 available.');
    expect(stdout).toContain('sold 4 on hand 1 low on stock true');
    expect(stdout).toContain('listed as low: true');
  }, 90_000);

  it('type-checks and runs the checkout in docs/orders.md against a real server', async () => {
    const script = await typeCheckedGuide('docs/orders.md', 'docs-orders.mts');
    const { stdout } = await runScript(script, workDir);
    expect(stdout).toContain('to pay: 2598 USD');
    expect(stdout).toContain('first card: declined');
    expect(stdout).toMatch(/paid by [0-9a-f-]{36}/);
    expect(stdout).toContain('invalid_transition');
    expect(stdout).toContain('order is delivered');
  }, 90_000);

  it('runs every example in docs/payments.md against a real server', async () => {
    // The guide signs in as the admin and pays an order of theirs: a real one, held and awaiting payment.
    const orderId = await server.orderAwaitingPayment(await server.adminToken(), { amount: 4500, currency: 'EUR' });
    const script = await typeCheckedGuide('docs/payments.md', 'docs-payments.mts');
    const { stdout } = await run(process.execPath, ['--conditions=@eventshop/source', '--import', 'tsx', script], { cwd: workDir, env: { ...env, SDK_ORDER_ID: orderId }, timeout: 60_000 });
    expect(stdout).toContain('declined: card_declined / generic_decline');
    expect(stdout).toContain('paid with visa 4242: authorized, 4500 EUR held');
  }, 120_000);

  it('runs the five-line example in sdk/README.md', async () => {
    const readme = await readFile(path.join(REPO_ROOT, 'sdk/README.md'), 'utf8');
    const example = /```js\n([\s\S]*?)```/.exec(readme)![1]!;
    expect(example.trim().split('\n')).toHaveLength(5);
    await writeFile(path.join(workDir, 'readme.mjs'), example);
    const { stdout } = await runScript('readme.mjs', workDir);
    // The new product's id, then the names search found; other tests' cups may rank first.
    expect(stdout).toMatch(/^[0-9a-f-]{36} \[[^\]]*'Espresso cup'/);
  });

  it('runs examples/partner-app.ts against a real server', async () => {
    const { stdout } = await runScript('examples/partner-app.ts', REPO_ROOT);
    expect(stdout).toMatch(/Created Espresso cup \(12\.99 USD\), version 1/);
    expect(stdout).toMatch(/Search for "porcelain [0-9a-f]{8}": .*Espresso cup/);
    expect(stdout).toMatch(/two per page:\n {2}Cappuccino cup +15\.99 USD\n {2}Espresso cup +12\.99 USD\n {2}Ristretto cup +10\.99 USD\n/);
    expect(stdout).toContain('version 1 is stale (now 2); reading it again');
    expect(stdout).toContain('Raised Espresso cup to 14.29 USD, version 3; kept "Porcelain, 80 ml, dishwasher safe"');
  }, 60_000);
});
