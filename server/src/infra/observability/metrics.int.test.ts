import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../../../test/server.js';
import { createMetrics } from './metrics.js';
import { startMetricsListener } from './metrics-endpoint.js';
import { sampleValue } from '../../../../test/prometheus-text.js';

const METRICS_TOKEN = 'metrics-secret-for-tests-0123456789';

let server: TestServer;
let admin: Record<string, string>;

beforeAll(async () => {
  server = await startTestServer({ metrics: { token: METRICS_TOKEN, port: undefined, host: '127.0.0.1' } });
  admin = { authorization: `Bearer ${await server.adminToken()}` };
});
afterAll(() => server?.close());

const scrape = async () => {
  const response = await server.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
  expect(response.statusCode).toBe(200);
  return response.body;
};

const cup = { name: 'Metrics cup', description: 'Counted', price: { amount: 900, currency: 'USD' }, categoryId: 'metrics' };

describe('GET /metrics on the API port', () => {
  it('asks for the metrics token: 401 without one, 403 for the API’s own tokens and keys or a wrong secret', async () => {
    const none = await server.app.inject({ method: 'GET', url: '/metrics' });
    expect(none.statusCode).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Bearer realm="metrics"');
    expect(none.json()).toMatchObject({ code: 'metrics_token_required' });

    const apiKey = await server.createApiKey('admin');
    for (const authorization of [admin.authorization!, apiKey.headers.authorization!, `Bearer ${METRICS_TOKEN}x`, 'Basic bWV0cmljczpzZWNyZXQ=']) {
      const refused = await server.app.inject({ method: 'GET', url: '/metrics', headers: { authorization } });
      expect(refused.statusCode, authorization.slice(0, 12)).toBe(403);
      expect(refused.json()).toMatchObject({ code: 'metrics_token_invalid' });
      expect(refused.body).not.toContain('eventshop_');
    }
  });

  it('serves the Prometheus text format with the Node, pool and processor figures', async () => {
    const response = await server.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = response.body;
    for (const series of ['nodejs_eventloop_lag_p99_seconds', 'nodejs_heap_size_used_bytes', 'process_resident_memory_bytes']) expect(text).toContain(`\n${series} `);
    expect(sampleValue(text, 'eventshop_db_pool_connections', { state: 'max' })).toBe(20);
    expect(sampleValue(text, 'eventshop_db_pool_waiting', {})).toBe(0);
    expect(sampleValue(text, 'eventshop_processors_overview_up', {})).toBe(1);
    expect(sampleValue(text, 'eventshop_processor_lag_events', { processor: 'catalog_category_stats' })).toBeTypeOf('number');
    expect(sampleValue(text, 'eventshop_processor_parked_events', { processor: 'catalog_category_stats' })).toBe(0);
    // Registered before any gateway exists, so dashboards and alerts can name them.
    expect(text).toContain('# TYPE eventshop_payment_gateway_calls_total counter');
    expect(text).toContain('# TYPE eventshop_payment_gateway_breaker_state gauge');
  });

  it('counts requests by operation and status, commands by outcome, appended events by type, and times appends', async () => {
    const before = await scrape();
    const key = { 'idempotency-key': 'metrics-create-0001' };
    const created = await server.app.inject({ method: 'POST', url: '/api/products', headers: { ...admin, ...key }, payload: cup });
    expect(created.statusCode).toBe(201);
    const replayed = await server.app.inject({ method: 'POST', url: '/api/products', headers: { ...admin, ...key }, payload: cup });
    expect(replayed.headers['idempotent-replayed']).toBe('true');
    const { id } = created.json();
    const stale = await server.app.inject({ method: 'PUT', url: `/api/products/${id}`, headers: { ...admin, 'if-match': '"7"' }, payload: { name: 'Stale' } });
    expect(stale.statusCode).toBe(412);
    const refused = await server.app.inject({ method: 'POST', url: '/api/products', headers: admin, payload: { ...cup, price: { amount: -1, currency: 'USD' } } });
    expect(refused.statusCode).toBe(400);
    await server.app.inject({ method: 'GET', url: `/api/products/${id}` });
    await server.app.inject({ method: 'GET', url: '/no/such/route' });

    const after = await scrape();
    const moved = (name: string, labels: Record<string, string>) => (sampleValue(after, name, labels) ?? 0) - (sampleValue(before, name, labels) ?? 0);
    expect(moved('eventshop_http_requests_total', { operation: 'products.create', method: 'POST', status: '201' })).toBe(2);
    expect(moved('eventshop_http_requests_total', { operation: 'products.update', method: 'PUT', status: '412' })).toBe(1);
    expect(moved('eventshop_http_requests_total', { operation: 'products.get', method: 'GET', status: '200' })).toBe(1);
    expect(moved('eventshop_http_requests_total', { operation: 'unmatched', method: 'GET', status: '404' })).toBe(1);
    expect(moved('eventshop_http_request_duration_seconds_count', { operation: 'products.create', method: 'POST', status: '201' })).toBe(2);
    expect(moved('eventshop_commands_total', { operation: 'products.create', outcome: 'applied' })).toBe(1);
    expect(moved('eventshop_commands_total', { operation: 'products.create', outcome: 'replayed' })).toBe(1);
    expect(moved('eventshop_commands_total', { operation: 'products.create', outcome: 'refused' })).toBe(1);
    expect(moved('eventshop_commands_total', { operation: 'products.update', outcome: 'version_conflict' })).toBe(1);
    expect(moved('eventshop_events_appended_total', { operation: 'products.create', type: 'ProductCreated' })).toBe(1);
    expect(moved('eventshop_eventstore_append_duration_seconds_count', { stream_type: 'product', outcome: 'ok' })).toBe(1);
    // The stale update and the refused create appended nothing, so nothing was counted for them.
    expect(moved('eventshop_events_appended_total', { operation: 'products.update' })).toBe(0);
  });

  it('follows a processor’s checkpoint as it handles new events', async () => {
    const position = async () => sampleValue(await scrape(), 'eventshop_processor_checkpoint_position', { processor: 'catalog_category_stats' }) ?? 0;
    const start = await position();
    expect((await server.app.inject({ method: 'POST', url: '/api/products', headers: admin, payload: cup })).statusCode).toBe(201);
    await expect.poll(position, { timeout: 10_000, interval: 50 }).toBeGreaterThan(start);
    await expect.poll(async () => sampleValue(await scrape(), 'eventshop_processor_lag_events', { processor: 'catalog_category_stats' }), { timeout: 10_000, interval: 50 }).toBe(0);
    expect(sampleValue(await scrape(), 'eventshop_processor_status', { processor: 'catalog_category_stats', status: 'running' })).toBe(1);
  });

  it('shows a read model rebuild’s progress', async () => {
    const labels = { processor: 'catalog_category_stats' };
    expect(sampleValue(await scrape(), 'eventshop_read_model_rebuild_running', labels)).toBeUndefined();
    const started = await server.app.inject({ method: 'POST', url: '/api/ops/read-models/catalog_category_stats/rebuild', headers: admin });
    expect(started.statusCode).toBe(202);
    await expect.poll(async () => sampleValue(await scrape(), 'eventshop_read_model_rebuild_running', labels), { timeout: 10_000, interval: 50 }).toBe(0);
    const text = await scrape();
    expect(sampleValue(text, 'eventshop_read_model_rebuild_events_total', labels)).toBeGreaterThan(0);
    expect(sampleValue(text, 'eventshop_read_model_rebuild_events_done', labels)).toBe(sampleValue(text, 'eventshop_read_model_rebuild_events_total', labels));
  });
});

describe('the breaker state in the operator’s summary', () => {
  it('shows in system.status as soon as the gateway reports it, with what to do', async () => {
    const before = await server.app.inject({ method: 'GET', url: '/api/ops/status', headers: admin });
    // The server reports its gateway's breaker from the start.
    expect(before.json().payments).toEqual({ breaker: 'closed' });
    server.metrics.setBreakerState('open');
    const after = (await server.app.inject({ method: 'GET', url: '/api/ops/status', headers: admin })).json();
    expect(after.payments).toEqual({ breaker: 'open' });
    expect(after.attention.some((line: string) => line.startsWith('Payments: the circuit breaker is open'))).toBe(true);
    server.metrics.setBreakerState('closed');
    expect((await server.app.inject({ method: 'GET', url: '/api/ops/status', headers: admin })).json().payments).toEqual({ breaker: 'closed' });
  });
});

describe('scheduled work', () => {
  it('counts the reservations the expiry closed, under the task’s name', async () => {
    const ticking = await startTestServer({ scheduledTasks: true, metrics: { token: METRICS_TOKEN, port: undefined, host: '127.0.0.1' } });
    try {
      const headers = { authorization: `Bearer ${await ticking.adminToken()}` };
      const product = await ticking.app.inject({ method: 'POST', url: '/api/products', headers, payload: cup });
      const item = await ticking.app.inject({ method: 'POST', url: '/api/inventory', headers, payload: { productId: product.json().id, quantity: 5 } });
      const service = (await ticking.createApiKey('service')).headers;
      const held = await ticking.app.inject({ method: 'POST', url: `/api/inventory/${item.json().id}/reserve`, headers: service, payload: { orderId: 'order-metrics', quantity: 2, expiresInSeconds: 60 } });
      expect(held.statusCode).toBe(200);
      ticking.clock.advance(61_000);
      const figures = async () => (await ticking.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).body;
      await expect.poll(async () => sampleValue(await figures(), 'eventshop_scheduled_task_items_total', { task: 'inventory_reservation_expiry' }), { timeout: 10_000, interval: 100 }).toBe(1);
      const text = await figures();
      expect(sampleValue(text, 'eventshop_events_appended_total', { operation: 'inventory_reservation_expiry', type: 'ReservationExpired' })).toBe(1);
      expect(sampleValue(text, 'eventshop_scheduled_task_runs_total', { task: 'inventory_reservation_expiry', outcome: 'ok' })).toBeGreaterThan(0);
    } finally {
      await ticking.close();
    }
  });
});

describe('GET /metrics without a metrics token', () => {
  it('is not served on the API port, and says how to turn it on', async () => {
    const plain = await startTestServer();
    try {
      const response = await plain.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${await plain.adminToken()}` } });
      expect(response.statusCode).toBe(404);
      expect(response.json()).toMatchObject({ code: 'metrics_not_served_here' });
      expect(response.json().detail).toContain('EVENTSHOP_METRICS_PORT');
    } finally {
      await plain.close();
    }
  });
});

describe('the metrics listener of its own (EVENTSHOP_METRICS_PORT)', () => {
  it('serves /metrics alone on loopback, and asks for the token when one is set', async () => {
    const metrics = createMetrics();
    const open = await startMetricsListener(metrics, { token: undefined, port: 0, host: '127.0.0.1' });
    const guarded = await startMetricsListener(metrics, { token: METRICS_TOKEN, port: 0, host: '127.0.0.1' });
    try {
      expect(open.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
      const served = await fetch(open.url);
      expect(served.status).toBe(200);
      expect(await served.text()).toContain('eventshop_http_requests_total');
      expect((await fetch(open.url.replace('/metrics', '/api/products'))).status).toBe(404);
      expect((await fetch(guarded.url)).status).toBe(401);
      expect((await fetch(guarded.url, { headers: { authorization: 'Bearer not-the-metrics-token' } })).status).toBe(403);
      expect((await fetch(guarded.url, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).status).toBe(200);
    } finally {
      await open.close();
      await guarded.close();
    }
  });
});

describe('the payments figures of a real server', () => {
  it('counts each call through its gateway, by operation and outcome', async () => {
    const scrape = async () => (await server.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).body;
    const labels = (outcome: string) => ({ operation: 'createPaymentMethod', outcome });
    const before = await scrape();
    const count = (text: string, outcome: string) => sampleValue(text, 'eventshop_payment_gateway_calls_total', labels(outcome)) ?? 0;
    const good = await server.app.inject({ method: 'POST', url: '/api/payments/stripe/payment-method', headers: admin, payload: { cardToken: 'tok_visa' } });
    expect(good.statusCode).toBe(200);
    const unknown = await server.app.inject({ method: 'POST', url: '/api/payments/stripe/payment-method', headers: admin, payload: { cardToken: 'tok_nobody_knows' } });
    expect(unknown.statusCode).toBe(400);
    const after = await scrape();
    expect(count(after, 'ok') - count(before, 'ok')).toBe(1);
    expect(count(after, 'refused') - count(before, 'refused')).toBe(1);
    expect(sampleValue(after, 'eventshop_payment_gateway_breaker_state', { state: 'closed' })).toBe(1);
  });
});

describe('the payments figures, for the gateway port to report to', () => {
  it('counts gateway calls by outcome and shows the breaker’s one current state', async () => {
    const metrics = createMetrics();
    expect(await metrics.render()).not.toContain('eventshop_payment_gateway_breaker_state{');
    metrics.gatewayCall('charge', 'ok', 0.12);
    metrics.gatewayCall('charge', 'rejected', 0);
    metrics.setBreakerState('open');
    const text = await metrics.render();
    expect(sampleValue(text, 'eventshop_payment_gateway_calls_total', { operation: 'charge', outcome: 'ok' })).toBe(1);
    expect(sampleValue(text, 'eventshop_payment_gateway_calls_total', { operation: 'charge', outcome: 'rejected' })).toBe(1);
    expect(sampleValue(text, 'eventshop_payment_gateway_call_duration_seconds_count', { operation: 'charge' })).toBe(1);
    expect(sampleValue(text, 'eventshop_payment_gateway_breaker_state', { state: 'open' })).toBe(1);
    expect(sampleValue(text, 'eventshop_payment_gateway_breaker_state', { state: 'closed' })).toBe(0);
    expect(metrics.breakerState()).toBe('open');
  });
});
