import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { PassThrough } from 'node:stream';
import { operations, type OperationDefinition } from '@eventshop/sdk/contract';
import type { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_EMAIL, ADMIN_PASSWORD, startTestServer, type TestServer } from '../../test/server.js';
import { commandLineFor } from './commands/generated/command-names.js';
import type { CliContext } from './context.js';
import { buildProgram, runCli, SHORTCUTS } from './program.js';
import { paymentsService } from '../../server/src/modules/payments/service.js';
import { snapshotStore } from '../../server/src/infra/snapshots.js';
import { createPool } from '../../server/src/infra/database/pool.js';
import { testIo } from './testing/test-streams.js';

/**
 * Every example `--help` prints is run here, as printed, against a real server: a person copies
 * them, so each one must work. The only changes are where the documentation and this server
 * differ: the URL, the admin's email, and the example id, which becomes a fresh entity of the
 * right kind. Each example runs as a fitting caller (admin, a fresh customer, or nobody), in a
 * config file of its own; prompts (`shopctl login`) are answered as a person would.
 */
const DOCUMENTED_URL = 'http://localhost:3000';
const DOCUMENTED_ADMIN = 'admin@eventshop.local';
/** The id the contract gives as every Id field's example. */
const EXAMPLE_ID = '3f1c2a4e-7b9d-4e8a-9c1f-2d3e4f5a6b7c';
/** The password the contract's examples use, given to each fresh customer so `change-password` works. */
const EXAMPLE_PASSWORD = 'correct horse battery staple';

const placeholder: CliContext = { io: testIo({ tty: false }), env: {}, homeDir: os.tmpdir(), now: () => new Date() };

/** Every `Examples:` line of every command's help, once each. */
const helpExamples = (): string[] => {
  const examples = new Set<string>();
  const visit = (command: Command) => {
    let help = '';
    command.configureOutput({ writeOut: (text) => (help += text) });
    command.outputHelp();
    const block = help.split('\nExamples:\n')[1];
    for (const line of block?.split('\n\n')[0]?.split('\n') ?? []) if (line.startsWith('  ')) examples.add(line.trim());
    command.commands.forEach(visit);
  };
  visit(buildProgram(placeholder));
  return [...examples];
};

/** POSIX-shell words: single quotes literal, double quotes and bare words expand $NAME. */
const shellWords = (text: string, env: Record<string, string>): string[] => {
  const words: string[] = [];
  const pattern = /'([^']*)'|"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (const match of text.matchAll(pattern)) {
    const expand = (part: string) => part.replace(/\$([A-Z_]+)/g, (_, name: string) => env[name] ?? '');
    words.push(match[1] ?? expand(match[2] ?? match[3] ?? ''));
  }
  return words;
};

/** Splits `a | b` outside quotes. */
const pipeline = (example: string): string[] => example.match(/(?:'[^']*'|"[^"]*"|[^|])+/g)!.map((part) => part.trim());

const operationOf = (argv: readonly string[]): OperationDefinition | undefined => {
  const byCommandLine = new Map<string, OperationDefinition>();
  for (const definition of Object.values(operations) as OperationDefinition[]) {
    byCommandLine.set(commandLineFor(definition.id)!, definition);
    if (definition.cliName && (SHORTCUTS as readonly string[]).includes(definition.id)) byCommandLine.set(`shopctl ${definition.cliName}`, definition);
  }
  for (const length of [2, 1]) {
    const found = byCommandLine.get(['shopctl', ...argv.filter((word) => !word.startsWith('-')).slice(0, length)].join(' '));
    if (found) return found;
  }
  return undefined;
};

let server: TestServer;
let url: string;
let directory: string;
let files = 0;


beforeAll(async () => {
  server = await startTestServer();
  url = await server.app.listen({ host: '127.0.0.1', port: 0 });
  directory = await mkdtemp(path.join(os.tmpdir(), 'shopctl-examples-'));
});

afterAll(async () => {
  await server?.close();
  if (directory) await rm(directory, { recursive: true, force: true });
});

/** The example values that stand for entities, besides EXAMPLE_ID: a stream id, a failure id. */
const EXAMPLE_STREAM = `product-${EXAMPLE_ID}`;
const EXAMPLE_FAILURE = '1';

type Prepared = { profile: Record<string, string>; id?: string; replace?: Record<string, string> };

/** A product with two versions (a price change), as the history examples (`--from 2`) need. */
const productWithHistory = async (admin: ReturnType<TestServer['client']>) => {
  const product = await admin.products.create({ name: 'Espresso cup', price: { amount: 1999, currency: 'USD' }, categoryId: 'kitchen' });
  await admin.products.update({ id: product.id, price: { amount: 2199, currency: 'USD' } });
  return product;
};

/** A parked failure of a real event, as a processor leaves one, for the failures examples. */
const parkedFailure = async (): Promise<string> => {
  const [event] = await server.query<{ global_position: string; transaction_id: string; message_id: string; stream_id: string; message_type: string }>(
    `SELECT global_position, transaction_id::text AS transaction_id, message_id, stream_id, message_type FROM emt_messages WHERE message_type = 'ProductCreated' ORDER BY global_position DESC LIMIT 1`,
  );
  const [row] = await server.query<{ id: string }>(
    `INSERT INTO eventshop_parked (processor, position, transaction_id, event_id, stream_id, event_type, error, attempts, status)
     VALUES ('catalog_category_stats', $1, $2::xid8, $3, $4, $5, 'example failure', 5, 'parked') RETURNING id::text AS id`,
    [event!.global_position, event!.transaction_id, event!.message_id, event!.stream_id, event!.message_type],
  );
  return row!.id;
};

/** The example id of an order's line (the order's own is EXAMPLE_ID). */
const EXAMPLE_ITEM_ID = '7a1c2a4e-7b9d-4e8a-9c1f-2d3e4f5a6b7c';

/** Waits until the fulfillment process has moved the order to `status`. */
const orderReaches = async (client: ReturnType<TestServer['client']>, id: string, status: string) =>
  expect.poll(async () => (await client.orders.get({ id })).status, { timeout: 15_000, interval: 25 }).toBe(status);

/**
 * A customer with a default address and an order of a stocked product, taken as far as the
 * example needs: a draft to change, an order awaiting payment, or a process row to retry.
 */
const prepareOrder = async (definition: OperationDefinition, admin: ReturnType<TestServer['client']>, asAdmin: Record<string, string>): Promise<Prepared> => {
  const customer = await server.registerCustomer({ password: EXAMPLE_PASSWORD });
  const shopper = server.client({ token: customer.token });
  await shopper.users.addAddress({ recipientName: 'Ada Lovelace', line1: '12 St James Square', city: 'London', postalCode: 'SW1Y 4JH', country: 'GB' });
  const product = await admin.products.create({ name: 'Espresso cup', price: { amount: 1999, currency: 'USD' }, categoryId: 'kitchen' });
  await admin.products.setStock({ id: product.id, quantity: 100 });
  const profile = definition.auth === 'customer' ? { url, token: customer.token } : asAdmin;
  const replace: Record<string, string> = { [JSON.stringify([{ productId: EXAMPLE_ID, quantity: 2 }])]: JSON.stringify([{ productId: product.id, quantity: 2 }]) };
  if (definition.id === 'orders.create' || definition.id === 'orders.mine' || definition.id === 'orders.list' || definition.id === 'ops.processes.list') return { profile, replace };
  const order = await shopper.orders.create({ items: [{ productId: product.id, quantity: 1 }, { productId: product.id, quantity: 1 }] });
  replace[EXAMPLE_ITEM_ID] = order.items[1]!.itemId;
  if (['orders.get', 'orders.setItem', 'orders.removeItem', 'orders.confirm', 'orders.cancel'].includes(definition.id)) return { profile, id: order.id, replace };
  await shopper.orders.confirm({ id: order.id });
  await orderReaches(shopper, order.id, 'awaiting_payment');
  if (definition.id === 'orders.ship' || definition.id === 'orders.deliver') {
    const { paymentId } = await shopper.orders.requestPayment({ id: order.id });
    await shopper.payments.confirm({ paymentId, paymentMethod: 'pm_card_visa' });
    await orderReaches(shopper, order.id, 'paid');
    if (definition.id === 'orders.deliver') await admin.orders.ship({ id: order.id });
  }
  // A row left behind by a crash, as the retry example's operator finds it: the retry brings it in line with the order.
  if (definition.id === 'ops.processes.retry') await server.query(`UPDATE fulfillment_processes SET step = 'reserving', attempts = 3, last_error = 'example failure' WHERE order_id = $1`, [order.id]);
  return { profile, id: order.id, replace };
};

/** The caller an example runs as, and the entities its example values stand for. */
const prepare = async (definition: OperationDefinition | undefined): Promise<Prepared> => {
  const admin = server.client({ token: await server.adminToken() });
  const asAdmin = { url, token: await server.adminToken() };
  if (!definition) return { profile: { url } };
  const group = definition.id.split('.')[0];
  if (group === 'orders' || definition.id.startsWith('ops.processes.')) return prepareOrder(definition, admin, asAdmin);
  if (group === 'inventory') {
    const product = await productWithHistory(admin);
    if (definition.id === 'inventory.track') return { profile: asAdmin, id: product.id };
    const item = await admin.inventory.track({ productId: product.id, quantity: 100 });
    if (definition.id === 'inventory.byProduct') return { profile: asAdmin, id: product.id };
    if (definition.id === 'inventory.release' || definition.id === 'inventory.allocate') {
      await admin.inventory.reserve({ inventoryId: item.id, orderId: 'order-1001', quantity: 1, expiresInSeconds: 900 });
    }
    return { profile: asAdmin, id: item.id };
  }
  if (group === 'ops') {
    const product = await productWithHistory(admin);
    // Watching needs a rebuild to watch (a second one while it runs is a 409, which is fine here).
    if (definition.id === 'ops.readModels.watch') await admin.ops.readModels.rebuild({ name: 'catalog_category_stats' }).catch(() => {});
    const failure = definition.id.startsWith('ops.failures.') ? await parkedFailure() : EXAMPLE_FAILURE;
    return { profile: asAdmin, replace: { [EXAMPLE_STREAM]: `product-${product.id}`, [EXAMPLE_FAILURE]: failure } };
  }
  if (group === 'payments') return preparePayment(definition);
  if (definition.auth === 'customer') {
    const customer = await server.registerCustomer({ password: EXAMPLE_PASSWORD });
    const profile = { url, token: customer.token };
    if (definition.path.startsWith('/api/users/addresses/:')) {
      const address = await server.client({ token: customer.token }).users.addAddress({
        recipientName: 'Ada Lovelace', line1: '12 St James Square', city: 'London', postalCode: 'SW1Y 4JH', country: 'GB',
      });
      return { profile, id: address.id };
    }
    return { profile };
  }
  if (group === 'products') {
    const product = await admin.products.create({ name: 'Espresso cup', price: { amount: 1999, currency: 'USD' }, categoryId: 'kitchen' });
    return { profile: asAdmin, id: product.id };
  }
  if (group === 'apiKeys') return { profile: asAdmin, id: (await server.createApiKey('service')).id };
  if (group === 'users') {
    const user = definition.id === 'users.revokeRole' ? await server.userWithRoles(['operator']) : await server.registerCustomer();
    if (definition.id === 'users.enable') await admin.users.disable({ id: user.id });
    return { profile: asAdmin, id: user.id };
  }
  return { profile: definition.auth === 'public' ? { url } : asAdmin };
};

/** A fresh customer's order and its payment, brought to where the example's command applies (a refund needs a capture). */
const preparePayment = async (definition: OperationDefinition): Promise<Prepared> => {
  const customer = await server.registerCustomer({ password: EXAMPLE_PASSWORD });
  const orderId = await server.orderAwaitingPayment(customer.token, { amount: 5000, currency: 'USD' });
  const profile = definition.auth === 'admin' ? { url, token: await server.adminToken() } : { url, token: customer.token };
  if (definition.id === 'payments.create') return { profile, id: orderId };
  const client = server.client({ token: customer.token });
  const payment = await client.payments.create({ orderId });
  if (definition.id === 'payments.refund') {
    await client.payments.confirm({ paymentId: payment.id, paymentMethod: 'pm_card_visa' });
    const pool = createPool(server.databaseUrl, 1);
    try {
      const service = paymentsService({ pool, eventStore: server.eventStore, snapshots: snapshotStore(pool), tokens: undefined as never, clock: server.clock, gateway: server.gateway });
      await service.capture(payment.id, { correlationId: 'help-examples', causationId: 'help-examples', actorId: null, requestId: 'help-examples', occurredAt: server.clock.now().toISOString() });
    } finally {
      await pool.end();
    }
  }
  return { profile, id: payment.id };
};

type Outcome = { code: number; stdout: string; stderr: string };

const runExample = async (example: string): Promise<Outcome> => {
  const env: Record<string, string> = { SHOP_PASSWORD: ADMIN_PASSWORD };
  if (example.includes('$SHOP_API_KEY')) env.SHOP_API_KEY = (await server.createApiKey('service')).key;
  const text = example.replaceAll(DOCUMENTED_URL, url).replaceAll(DOCUMENTED_ADMIN, ADMIN_EMAIL);
  const parts = pipeline(text);
  let stdin: string | undefined;
  if (parts[0]!.startsWith('printf ')) stdin = shellWords(parts.shift()!, env).slice(2).join(' ');
  const [shopctl, ...argvWithId] = shellWords(parts.shift()!, env);
  expect(shopctl).toBe('shopctl');
  // `shopctl replay` reads the log through ops.events.list: it needs what those examples need.
  const definition =
    operationOf(argvWithId) ??
    (argvWithId[0] === 'replay'
      ? (operations['ops.events.list'] as OperationDefinition)
      : argvWithId[1] === 'what-if'
        ? (operations['ops.readModels.rows'] as OperationDefinition)
        : undefined);
  const { profile, id, replace = {} } = await prepare(definition);
  const argv = argvWithId.map((word) => (word === EXAMPLE_ID && id ? id : (replace[word] ?? word)));

  const configFile = path.join(directory, `config-${++files}.json`);
  // A staging profile exists, as the examples that name one assume.
  await writeFile(configFile, JSON.stringify({ profiles: { default: profile, staging: { url } } }), { mode: 0o600 });
  // `shopctl login` without its values asks for them at a terminal; answer as a person would.
  const answers = argv[0] === 'login' && !argv.includes('--password-stdin') && !argv.includes('--api-key')
    ? [...(argv.includes('--email') ? [] : [ADMIN_EMAIL]), ADMIN_PASSWORD]
    : [];
  const io = testIo({ tty: answers.length > 0 });
  const keyboard = io.stdin as PassThrough;
  if (stdin !== undefined) keyboard.end(stdin);
  let answered = -1;
  io.stderr.on('data', () => {
    const shown = io.stderr.text();
    const done = shown.split('✔').length - 1;
    if (answered < done && done < answers.length && shown.lastIndexOf('?') > shown.lastIndexOf('✔')) {
      answered = done;
      const answer = answers[done]!;
      setImmediate(() => keyboard.write(`${answer}\r`));
    }
  });
  // SHOPCTL_URL stands in for the documented default URL in profiles an example creates (`--profile partner`).
  const code = await runCli(argv, { io, env: { SHOPCTL_CONFIG: configFile, SHOPCTL_URL: url, ...env }, homeDir: directory, now: () => new Date() });
  let stdout = io.stdout.text();
  for (const part of parts) {
    const [program, ...args] = shellWords(part, env);
    stdout = execFileSync(program!, args, { input: stdout, encoding: 'utf8' });
  }
  return { code, stdout, stderr: io.stderr.text() };
};

describe('the examples in --help', () => {
  const examples = helpExamples();

  it('are many: one or more per command', () => {
    expect(examples.length).toBeGreaterThan(Object.keys(operations).length);
  });

  // A stream command (`events tail`) runs until Ctrl-C; its own tests drive it in a terminal and stop it.
  // A finite one (`read-models watch`) ends by itself, so its examples run like the rest.
  const runnable = examples.filter((example) => {
    const definition = operationOf(shellWords(pipeline(example)[0]!, {}).slice(1));
    return definition?.kind !== 'stream' || definition.finite === true;
  });

  it('leave out only the stream commands, which run until stopped', () => {
    expect(examples.filter((example) => !runnable.includes(example)).every((example) => /^shopctl (events tail|orders watch)\b/.test(example))).toBe(true);
  });

  it.each(runnable)('%s', { timeout: 20_000 }, async (example) => {
    const outcome = await runExample(example);
    expect(outcome.code, `${example}\n${outcome.stderr}`).toBe(0);
  });
});
