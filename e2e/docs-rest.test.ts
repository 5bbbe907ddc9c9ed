import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it, onTestFailed } from 'vitest';
import { ADMIN_EMAIL, ADMIN_PASSWORD, startTestServer, type TestServer } from '../test/server.js';
import { REPO_ROOT } from './support/server-process.js';

let server: TestServer;
let baseUrl: string;
beforeAll(async () => {
  server = await startTestServer();
  baseUrl = await server.app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await server?.close();
});

/** The bash blocks of a guide, in order, as one script: the guide is the test. */
const bashBlocks = async (file: string) =>
  [...(await readFile(`${REPO_ROOT}/${file}`, 'utf8')).matchAll(/```bash\n([\s\S]*?)```/g)].map((m) => m[1]).join('\n');

/**
 * Runs a guide's bash blocks as one script against the test server and answers what it printed.
 * When the script or a check on its output fails, what it printed goes to the log, also for an
 * attempt that vitest's retry then passes, so a failure that comes and goes can be read afterwards.
 */
const runGuide = async (file: string, env: Record<string, string> = {}): Promise<string> => {
  const script = `set -euo pipefail\n${await bashBlocks(file)}`;
  let printed = '';
  onTestFailed(() => console.error(`${file} printed:\n${printed}`));
  try {
    const { stdout, stderr } = await promisify(execFile)('bash', ['-c', script], { env: { ...process.env, BASE: baseUrl, ADMIN_EMAIL, ADMIN_PASSWORD, ...env }, cwd: REPO_ROOT });
    printed = `${stdout}\n(stderr)\n${stderr}`;
    return stdout;
  } catch (error) {
    const failed = error as { code?: unknown; stdout?: string; stderr?: string };
    printed = `${failed.stdout ?? ''}\n(stderr, exit ${String(failed.code)})\n${failed.stderr ?? ''}`;
    throw error;
  }
};

it('runs every REST example in docs/rest.md against a real server', async () => {
  const stdout = await runGuide('docs/rest.md');
  expect(stdout).toMatch(/HTTP\/1\.1 201 Created/);
  expect(stdout).toMatch(/etag: "1"/i);
  // curl prints bodies without a trailing newline, so the status code follows the previous body directly.
  expect(stdout).toMatch(/412\n/);
  expect(stdout).toContain('"status":"discontinued"');
  expect(stdout).toContain('"code":"validation_failed"');
  expect(stdout).toContain('"status":"ready"');
}, 60_000);

it('runs every REST example in docs/inventory.md against a real server', async () => {
  const stdout = await runGuide('docs/inventory.md');
  expect(stdout).toContain('"available":20');
  expect(stdout).toContain('"status":"allocated"');
  expect(stdout).toContain('"code":"insufficient_stock"');
  expect(stdout).toContain('{"available":40,"inStock":true}');
}, 60_000);

it('runs every REST example in docs/history.md against a real server', async () => {
  const stdout = await runGuide('docs/history.md');
  expect(stdout).toContain('"type":"ProductPriceChanged"');
  expect(stdout).toMatch(/"count":\d+,"firstPosition":\d+/);
  expect(stdout).toMatch(/"streamType":"product","version":2/);
  expect(stdout).toContain('ProductCreated ProductDetailsChanged ProductPriceChanged');
  // Time travel to version 1 shows the first price; an instant before the stream began is a 404 problem.
  expect(stdout).toMatch(/"version":1,[^\n]*"price":\{"amount":1299,"currency":"USD"\}/);
  expect(stdout).toContain('"status":404');
  expect(stdout).toContain('"changes":[{"path":"price.amount","before":1299,"after":1499}]');
  // The live tail: SSE framing, each event's position as its id.
  expect(stdout).toMatch(/^retry: \d+$/m);
  expect(stdout).toMatch(/^id: \d+\ndata: \{"position":\d+/m);
}, 60_000);

it('runs every REST example in docs/orders.md against a real server', async () => {
  const stdout = await runGuide('docs/orders.md');
  expect(stdout).toContain("{ amount: 6900, currency: 'EUR' }");
  expect(stdout).toContain('order is awaiting_payment');
  expect(stdout).toContain('"code":"invalid_transition"');
  expect(stdout).toContain('"currentStatus":"awaiting_payment","allowed":["request-payment","cancel"]');
  expect(stdout).toContain('authorized\norder is paid');
  // The story is read once the capture is recorded, so it comes between the shipment and the delivery.
  expect(stdout).toContain('shipped\npayment is captured\ndelivered');
  expect(stdout).toMatch(/OrderPlaced OrderConfirmed StockReserved OrderAwaitingPayment .*PaymentAuthorized .*OrderPaid .*OrderShipped .*PaymentCaptured.* OrderDelivered/);
}, 60_000);

it('runs every REST example in docs/payments.md against a real server', async () => {
  // The guide signs in as the admin and pays an order of theirs: a real one, held and awaiting payment.
  const orderId = await server.orderAwaitingPayment(await server.adminToken(), { amount: 2598, currency: 'USD' });
  const stdout = await runGuide('docs/payments.md', { ORDER_ID: orderId });
  expect(stdout).toContain('"status":"declined"');
  expect(stdout).toContain('"declineCode":"insufficient_funds"');
  expect(stdout).toMatch(/"status":"authorized"[^\n]*"amount":2598/);
  expect(stdout).toContain('"code":"invalid_transition"');
  expect(stdout).toContain('"code":"webhook_rejected"');
}, 60_000);
