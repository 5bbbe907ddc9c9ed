import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeStripe, type FakeStripe } from '../../../../test/fake-stripe.js';
import { startTestServer, type TestServer, type TestUser } from '../../../../test/server.js';
import { signStripeWebhook } from '../../infra/payments/stripe-webhooks.js';

/**
 * The server configured for Stripe (STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET, STRIPE_API_BASE),
 * talking to a local fake of Stripe's API on loopback through the real `stripe` package.
 */
const WEBHOOK_SECRET = 'whsec_stripe_checkout_test';
const HALF_OPEN_AFTER_MS = 300;

let fake: FakeStripe;
let server: TestServer;
let customer: TestUser;

beforeAll(async () => {
  fake = await startFakeStripe();
  server = await startTestServer(
    { payments: { stripeSecretKey: 'sk_test_fake', webhookSecret: WEBHOOK_SECRET, stripeApiBase: new URL(fake.url) } },
    { gateway: { breaker: { failuresToOpen: 2, halfOpenAfterMs: HALF_OPEN_AFTER_MS }, maxNetworkRetries: 0 } },
  );
  customer = await server.registerCustomer();
});
afterAll(async () => {
  await server?.close();
  await fake?.close();
});
beforeEach(() => {
  fake.failing = false;
});

/** The payment of a real order of the customer's (one product at 31.00 EUR), its stock held. */
const openPayment = async () => {
  const orderId = await server.orderAwaitingPayment(customer.token, { amount: 3100, currency: 'EUR' });
  const response = await server.app.inject({ method: 'POST', url: '/api/payments', headers: customer.headers, payload: { orderId } });
  expect(response.statusCode).toBe(201);
  return response.json() as { id: string };
};
const retryAfter = (response: unknown) => (response as { headers: Record<string, string> }).headers['retry-after'];
const confirm = (paymentId: string, paymentMethod = 'pm_card_visa') =>
  server.app.inject({ method: 'POST', url: `/api/payments/${paymentId}/stripe`, headers: customer.headers, payload: { paymentMethod } });

describe('checkout on Stripe', () => {
  it('authorises with a manual-capture intent keyed by the payment, and a Stripe webhook for it is applied once', async () => {
    const payment = await openPayment();
    const confirmed = await confirm(payment.id);
    expect(confirmed.json()).toMatchObject({ status: 'authorized', intentId: expect.stringMatching(/^pi_fake_/) });
    // The process then allocates the stock and marks the order paid (events of its own, before the next test counts any).
    const order = () => server.app.inject({ method: 'GET', url: `/api/orders/${confirmed.json().orderId}`, headers: customer.headers });
    await expect.poll(async () => (await order()).json().status, { timeout: 10_000, interval: 20 }).toBe('paid');
    const created = fake.requests.find((request) => request.idempotencyKey === `${payment.id}:intent`)!;
    expect(created.params.get('capture_method')).toBe('manual');
    expect(created.params.get('amount')).toBe('3100');
    expect(fake.requests.some((request) => request.idempotencyKey === `${payment.id}:confirm:1:pm_card_visa`)).toBe(true);

    const intentId = confirmed.json().intentId as string;
    const payload = JSON.stringify({
      id: `evt_${randomUUID()}`,
      object: 'event',
      created: Math.floor(server.clock.now().getTime() / 1000),
      type: 'payment_intent.canceled',
      data: { object: { id: intentId, object: 'payment_intent', metadata: { paymentId: payment.id } } },
    });
    const signature = signStripeWebhook(payload, WEBHOOK_SECRET, server.clock.now());
    const deliver = () => server.app.inject({ method: 'POST', url: '/api/payments/stripe/webhook', headers: { 'content-type': 'application/json', 'stripe-signature': signature }, payload });
    expect((await deliver()).json()).toEqual({ received: true, applied: true });
    expect((await deliver()).json()).toEqual({ received: true, applied: false });
  });

  it('answers 503 with Retry-After while Stripe fails, fails fast once the breaker opens, and pays again after Stripe recovers', async () => {
    const payment = await openPayment();
    fake.failing = true;
    for (let attempt = 0; attempt < 2; attempt++) {
      const failed = await server.expectRefusedWithNothingAppended(() => confirm(payment.id), 503);
      expect(retryAfter(failed)).toMatch(/^\d+$/);
      expect(failed.json().code).toBe('gateway_unavailable');
    }
    expect(server.gateway.breakerState()).toBe('open');
    const sent = fake.requests.length;
    const fast = await server.expectRefusedWithNothingAppended(() => confirm(payment.id), 503);
    expect(Number(retryAfter(fast))).toBeGreaterThanOrEqual(1);
    expect(fake.requests.length).toBe(sent);

    fake.failing = false;
    await expect.poll(async () => (await confirm(payment.id)).statusCode, { interval: 50, timeout: 5000 }).toBe(200);
    expect(server.gateway.breakerState()).toBe('closed');
    const status = await server.app.inject({ method: 'GET', url: `/api/payments/${payment.id}/status`, headers: customer.headers });
    expect(status.json().status).toBe('authorized');
    // Every try of this payment's intent carried one key: Stripe made one intent.
    const intentKeys = new Set(fake.requests.filter((request) => request.path === '/v1/payment_intents' && request.idempotencyKey?.startsWith(payment.id)).map((request) => request.idempotencyKey));
    expect([...intentKeys]).toEqual([`${payment.id}:intent`]);
  });
});
