import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createShopClient } from '@eventshop/sdk';
import { createTestDatabase } from '../test/database.js';
import { startOtlpReceiver, type ReceivedSpan } from './support/otlp-receiver.js';
import { killLeftoverServers, startServerProcess, type ServerProcess } from './support/server-process.js';

const ADMIN = { email: 'admin@traces.local', password: 'traces-admin-password' };
const WATCHER = fileURLToPath(new URL('./support/module-watch.mjs', import.meta.url));

let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
let logs: string;
let api: ServerProcess;
let processors: ServerProcess;
let untraced: ServerProcess;

/** A server process whose resolved @opentelemetry modules are written to logs/<name>. */
const start = async (name: string, env: Record<string, string>, databaseUrl: string) => {
  const moduleLog = path.join(logs, name);
  await writeFile(moduleLog, '');
  return startServerProcess({
    DATABASE_URL: databaseUrl,
    EVENTSHOP_ADMIN_EMAIL: ADMIN.email,
    EVENTSHOP_ADMIN_PASSWORD: ADMIN.password,
    EVENTSHOP_JWT_SECRET: 'traces-shared-secret-traces-shared-secret',
    NODE_OPTIONS: `--import ${WATCHER}`,
    EVENTSHOP_TEST_MODULE_LOG: moduleLog,
    EVENTSHOP_TEST_MODULE_MATCH: '/@opentelemetry/',
    ...env,
  });
};
const loadedOtel = async (name: string) => (await readFile(path.join(logs, name), 'utf8')).split('\n').filter(Boolean);

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  logs = await mkdtemp(path.join(os.tmpdir(), 'eventshop-traces-'));
  const databaseUrl = await createTestDatabase();
  const traced = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '50' };
  // One after the other: the first creates the schema and the admin.
  api = await start('api', { ...traced, OTEL_SERVICE_NAME: 'eventshop-api', EVENTSHOP_PROCESSORS: 'off' }, databaseUrl);
  [processors, untraced] = await Promise.all([
    start('processors', { ...traced, OTEL_SERVICE_NAME: 'eventshop-processors', EVENTSHOP_API: 'off' }, databaseUrl),
    start('untraced', { EVENTSHOP_PROCESSORS: 'off' }, databaseUrl),
  ]);
}, 120_000);

afterAll(async () => {
  await killLeftoverServers();
  await receiver?.close();
});

const spanNamed = (name: string, where: (span: ReceivedSpan) => boolean = () => true) => receiver.spans.find((span) => span.name === name && where(span));

describe('traces with OTEL_EXPORTER_OTLP_ENDPOINT set', () => {
  it('follow a request through its command into the processor of another process, by the traceparent in the event metadata', async () => {
    const client = createShopClient({ baseUrl: api.url });
    client.setToken((await client.auth.login(ADMIN)).token);
    const product = await client.products.create({ name: 'Traced lamp', price: { amount: 4900, currency: 'EUR' }, categoryId: 'traced-lamps' });

    await expect.poll(() => spanNamed('command CreateProduct', (span) => span.attributes['eventshop.stream'] === `product-${product.id}`), { timeout: 60_000 }).toBeDefined();
    const command = spanNamed('command CreateProduct', (span) => span.attributes['eventshop.stream'] === `product-${product.id}`)!;
    // The request's span ends after its command's, so it may come in a later export.
    await expect.poll(() => receiver.spans.find((span) => span.spanId === command.parentSpanId), { timeout: 60_000 }).toBeDefined();
    const request = receiver.spans.find((span) => span.spanId === command.parentSpanId)!;
    expect(request).toMatchObject({ service: 'eventshop-api', name: 'products.create', kind: 2, traceId: command.traceId });
    expect(request.attributes).toMatchObject({ 'http.request.method': 'POST', 'http.route': '/api/products', 'http.response.status_code': 201 });
    expect(command.attributes).toMatchObject({ 'eventshop.appended': 1, 'eventshop.correlation_id': request.attributes['eventshop.correlation_id'] });

    // The processor instance read the event and carried on the request's trace.
    const handledIt = (span: ReceivedSpan) => span.traceId === command.traceId;
    await expect.poll(() => spanNamed('processor catalog_category_stats', handledIt), { timeout: 60_000 }).toBeDefined();
    const batch = spanNamed('processor catalog_category_stats', handledIt)!;
    expect(batch).toMatchObject({ service: 'eventshop-processors', kind: 5, parentSpanId: command.spanId });
    expect(batch.links).toContainEqual({ traceId: command.traceId, spanId: command.spanId });
    expect(batch.attributes['eventshop.correlation_ids']).toContain(request.attributes['eventshop.correlation_id']);

    // And the trace context is in the log for anyone reading history.
    const history = await client.ops.streams.events({ streamId: `product-${product.id}` });
    expect(history.items[0]!.metadata.traceparent).toBe(`00-${command.traceId}-${command.spanId}-01`);
    await client.close();
  }, 150_000);

  it("continue a caller's traceparent header", async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    await fetch(`${api.url}/health`, { headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` } });
    await expect.poll(() => spanNamed('system.health', (span) => span.traceId === traceId), { timeout: 60_000 }).toMatchObject({ parentSpanId: '00f067aa0ba902b7', kind: 2 });
  }, 90_000);

  it('load no OpenTelemetry module in a server without the variable, and a traced one loads it', async () => {
    // The untraced server has served a request and run commands (the admin's sign-in) by now.
    const client = createShopClient({ baseUrl: untraced.url });
    client.setToken((await client.auth.login(ADMIN)).token);
    await client.products.create({ name: 'Untraced lamp', price: { amount: 100, currency: 'EUR' }, categoryId: 'traced-lamps' });
    await client.close();
    expect(await loadedOtel('untraced')).toEqual([]);
    expect(untraced.output()).not.toMatch(/Traces/);
    // The same watcher sees OpenTelemetry in the traced ones, so an empty list means something.
    expect((await loadedOtel('api')).some((url) => url.includes('/@opentelemetry/sdk-trace-node/'))).toBe(true);
    expect(api.output()).toContain(`Traces         OTLP to ${receiver.url}`);
    expect(processors.output()).toContain('processors only (EVENTSHOP_API=off)');
  });
});
