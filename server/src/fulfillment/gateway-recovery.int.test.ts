import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ShopClient } from '@eventshop/sdk';
import { startFakeStripe, type FakeStripe } from '../../../test/fake-stripe.js';
import { startTestServer, type TestServer } from '../../../test/server.js';

/**
 * A capture that falls on a Stripe outage: the process retries it, parks it, and the recovery
 * task sends it again once Stripe answers, with the same idempotency key, so it is captured once.
 * The server is configured for Stripe and talks to a local fake of it through the `stripe` package.
 */
let fake: FakeStripe;
let server: TestServer;
let admin: ShopClient;

beforeAll(async () => {
  fake = await startFakeStripe();
  server = await startTestServer(
    {
      scheduledTasks: true,
      payments: { stripeSecretKey: 'sk_test_fake', webhookSecret: 'whsec_gateway_recovery', stripeApiBase: new URL(fake.url) },
      // Parked after two quick tries, so the test sees the outage outlast the runtime's own retries.
      processorMaxAttempts: 2,
      processorRetryMs: 10,
    },
    { gateway: { breaker: { failuresToOpen: 2, halfOpenAfterMs: 200 }, maxNetworkRetries: 0 } },
  );
  admin = server.client({ token: await server.adminToken() });
});
afterAll(async () => {
  await server?.close();
  await fake?.close();
});

const address = { recipientName: 'Ada Lovelace', line1: '12 St James Square', city: 'London', postalCode: 'SW1Y 4JH', country: 'GB' };

describe('steps the payment gateway refused while it was down', () => {
  it('are parked, then sent again once it answers: the shipped order is captured exactly once', async () => {
    const product = await admin.products.create({ name: 'Espresso cup', price: { amount: 1299, currency: 'USD' }, categoryId: 'kitchen' });
    await admin.products.setStock({ id: product.id, quantity: 5 });
    const customer = server.client({ token: (await server.registerCustomer()).token });
    const order = await customer.orders.create({ items: [{ productId: product.id, quantity: 1 }], shippingAddress: address });
    await customer.orders.confirm({ id: order.id });
    await expect.poll(async () => (await customer.orders.get({ id: order.id })).status, { timeout: 15_000, interval: 25 }).toBe('awaiting_payment');
    const { paymentId } = await customer.orders.requestPayment({ id: order.id });
    expect((await customer.payments.confirm({ paymentId, paymentMethod: 'pm_card_visa' })).status).toBe('authorized');
    await expect.poll(async () => (await customer.orders.get({ id: order.id })).status, { timeout: 15_000, interval: 25 }).toBe('paid');

    fake.failing = true;
    await admin.orders.ship({ id: order.id, trackingCode: '1Z999AA10123456784' });
    const parked = () => admin.ops.failures.list({ processor: 'fulfillment', status: 'parked' });
    await expect.poll(async () => (await parked()).items.filter((failure) => failure.eventType === 'OrderShipped').length, { timeout: 15_000, interval: 50 }).toBe(1);
    expect((await parked()).items[0]!.error).toMatch(/^The payment gateway is unavailable/);
    expect((await customer.payments.status({ paymentId })).status).toBe('authorized');

    fake.failing = false;
    await expect.poll(async () => (await customer.payments.status({ paymentId })).status, { timeout: 20_000, interval: 100 }).toBe('captured');
    // The retry's appends commit before the parked row is marked, so wait for that too.
    await expect.poll(async () => (await parked()).items.length, { timeout: 10_000, interval: 50 }).toBe(0);
    const [retried] = (await admin.ops.failures.list({ processor: 'fulfillment' })).items;
    expect(retried).toMatchObject({ eventType: 'OrderShipped', status: 'retried', resolvedBy: 'gateway recovery' });
    // Every try carried the one key of this payment's capture, and the money moved once.
    const captureCalls = fake.requests.filter((request) => request.path.endsWith('/capture'));
    expect(new Set(captureCalls.map((request) => request.idempotencyKey))).toEqual(new Set([`${paymentId}:capture`]));
    const payment = await customer.payments.status({ paymentId });
    expect(payment.captured).toBe(1299);
    expect(fake.intent(payment.intentId!)?.status).toBe('succeeded');
  });
});
