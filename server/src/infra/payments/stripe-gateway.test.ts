import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeStripe, type FakeStripe } from '../../../../test/fake-stripe.js';
import { withCircuitBreaker, onGatewayCall, type GatewayCall } from './breaker.js';
import { GatewayRefusedError, GatewayUnavailableError, WebhookRejectedError } from './gateway.js';
import { stripeGateway } from './stripe-gateway.js';
import { signStripeWebhook } from './stripe-webhooks.js';

const WEBHOOK_SECRET = 'whsec_test_secret_for_the_fake';
/** Fresh per test: the fake, like Stripe, answers a key it has seen with its first answer. */
let paymentId: string;
let fake: FakeStripe;

beforeAll(async () => {
  fake = await startFakeStripe();
});
afterAll(() => fake?.close());
beforeEach(() => {
  paymentId = randomUUID();
  fake.requests.length = 0;
  fake.failing = false;
});

/** The real `stripe` package, pointed at the fake on loopback. */
const gateway = (maxNetworkRetries = 0) => stripeGateway({ secretKey: 'sk_test_fake', webhookSecret: WEBHOOK_SECRET, apiBase: new URL(fake.url), maxNetworkRetries });

const authorizedIntent = async (g = gateway()) => {
  const { intentId } = await g.createIntent({ paymentId, orderId: 'order-1', amount: 2500, currency: 'USD', step: 'intent' });
  return { intentId, outcome: await g.confirmIntent({ paymentId, intentId, paymentMethod: 'pm_card_visa', step: 'confirm:1:pm_card_visa' }) };
};

describe('the stripe adapter', () => {
  it('creates a manual-capture PaymentIntent for our payment, keyed by payment and step', async () => {
    const { intentId } = await gateway().createIntent({ paymentId, orderId: 'order-1', amount: 2500, currency: 'USD', step: 'intent' });
    const [sent] = fake.requests;
    expect(sent).toMatchObject({ method: 'POST', path: '/v1/payment_intents', idempotencyKey: `${paymentId}:intent` });
    expect(sent!.params.get('capture_method')).toBe('manual');
    expect(sent!.params.get('amount')).toBe('2500');
    expect(sent!.params.get('currency')).toBe('usd');
    expect(sent!.params.get('metadata[paymentId]')).toBe(paymentId);
    expect(fake.intent(intentId)?.capture_method).toBe('manual');
  });

  it('authorises a good card without capturing it', async () => {
    const { intentId, outcome } = await authorizedIntent();
    expect(outcome).toEqual({ status: 'authorized', intentId, amount: 2500 });
    expect(fake.requests[1]).toMatchObject({ path: `/v1/payment_intents/${intentId}/confirm`, idempotencyKey: `${paymentId}:confirm:1:pm_card_visa` });
    expect(fake.intent(intentId)?.status).toBe('requires_capture');
  });

  it('answers a declined card as an outcome with its code and decline code', async () => {
    const g = gateway();
    const { intentId } = await g.createIntent({ paymentId, orderId: 'order-1', amount: 2500, currency: 'USD', step: 'intent' });
    expect(await g.confirmIntent({ paymentId, intentId, paymentMethod: 'pm_card_chargeDeclined', step: 'confirm:1' })).toMatchObject({ status: 'declined', code: 'card_declined', declineCode: 'generic_decline' });
    expect(await g.confirmIntent({ paymentId, intentId, paymentMethod: 'pm_card_chargeDeclinedInsufficientFunds', step: 'confirm:2' })).toMatchObject({
      status: 'declined',
      code: 'card_declined',
      declineCode: 'insufficient_funds',
    });
    expect(await g.confirmIntent({ paymentId, intentId, paymentMethod: 'pm_card_authenticationRequired', step: 'confirm:3' })).toEqual({ status: 'action_required', intentId });
  });

  it('captures, and capturing again answers the captured amount', async () => {
    const g = gateway();
    const { intentId } = await authorizedIntent(g);
    expect(await g.captureIntent({ paymentId, intentId, step: 'capture' })).toEqual({ amount: 2500 });
    expect(await g.captureIntent({ paymentId, intentId, step: 'capture-again' })).toEqual({ amount: 2500 });
    expect(fake.requests.filter((request) => request.path.endsWith('/capture')).map((request) => request.idempotencyKey)).toEqual([`${paymentId}:capture`, `${paymentId}:capture-again`]);
  });

  it('voids an authorisation, and voiding again is a no-op', async () => {
    const g = gateway();
    const { intentId } = await authorizedIntent(g);
    await g.cancelIntent({ paymentId, intentId, step: 'void' });
    await g.cancelIntent({ paymentId, intentId, step: 'void-again' });
    expect(fake.intent(intentId)?.status).toBe('canceled');
  });

  it('refunds part of a capture, keyed by its step', async () => {
    const g = gateway();
    const { intentId } = await authorizedIntent(g);
    await g.captureIntent({ paymentId, intentId, step: 'capture' });
    const refund = await g.refund({ paymentId, intentId, amount: 1000, step: 'refund:1' });
    expect(refund).toMatchObject({ refundId: expect.stringMatching(/^re_/), amount: 1000 });
    const sent = fake.requests.at(-1)!;
    expect(sent).toMatchObject({ path: '/v1/refunds', idempotencyKey: `${paymentId}:refund:1` });
    expect(sent.params.get('payment_intent')).toBe(intentId);
  });

  it('a step retried (by Stripe’s own retries, or by us after a crash) sends the same key and is done once', async () => {
    const g = gateway(2);
    fake.failNext(1);
    const { intentId } = await g.createIntent({ paymentId, orderId: 'order-1', amount: 2500, currency: 'USD', step: 'intent' });
    const again = await g.createIntent({ paymentId, orderId: 'order-1', amount: 2500, currency: 'USD', step: 'intent' });
    expect(fake.requests.map((request) => request.idempotencyKey)).toEqual([`${paymentId}:intent`, `${paymentId}:intent`, `${paymentId}:intent`]);
    expect(again.intentId).toBe(intentId);
  });

  it('makes a payment method from a card token', async () => {
    expect(await gateway().createPaymentMethod({ token: 'tok_visa', idempotencyKey: 'payment-method:1' })).toEqual({ id: 'pm_fake_visa', brand: 'visa', last4: '4242' });
    expect(fake.requests[0]).toMatchObject({ path: '/v1/payment_methods', idempotencyKey: 'payment-method:1' });
  });

  it('tells an outage (GatewayUnavailableError) from a refusal the client caused (GatewayRefusedError)', async () => {
    await expect(gateway().captureIntent({ paymentId, intentId: 'pi_unknown', step: 'capture' })).rejects.toBeInstanceOf(GatewayRefusedError);
    fake.failing = true;
    await expect(gateway().captureIntent({ paymentId, intentId: 'pi_unknown', step: 'capture' })).rejects.toBeInstanceOf(GatewayUnavailableError);
  });
});

describe('webhook verification', () => {
  const now = new Date('2026-11-24T12:00:00.000Z');
  const ours = '3f1c2a4e-7b9d-4e8a-9c1f-2d3e4f5a6b7c';
  const payload = JSON.stringify({
    id: 'evt_1',
    object: 'event',
    created: Math.floor(now.getTime() / 1000),
    type: 'payment_intent.amount_capturable_updated',
    data: { object: { id: 'pi_1', object: 'payment_intent', amount: 2500, amount_capturable: 2500, metadata: { paymentId: ours } } },
  });

  it('reads a verified event into our words', () => {
    expect(gateway().parseWebhook(payload, signStripeWebhook(payload, WEBHOOK_SECRET, now), now)).toMatchObject({
      id: 'evt_1',
      paymentId: ours,
      intentId: 'pi_1',
      outcome: { kind: 'authorized', amount: 2500 },
    });
  });

  it('refuses a wrong signature, a changed body, a missing header and a timestamp older than 300 s', () => {
    const g = gateway();
    expect(() => g.parseWebhook(payload, signStripeWebhook(payload, 'whsec_someone_else', now), now)).toThrow(WebhookRejectedError);
    expect(() => g.parseWebhook(payload.replace('2500', '9999'), signStripeWebhook(payload, WEBHOOK_SECRET, now), now)).toThrow(WebhookRejectedError);
    expect(() => g.parseWebhook(payload, undefined, now)).toThrow(WebhookRejectedError);
    const old = new Date(now.getTime() - 301_000);
    expect(() => g.parseWebhook(payload, signStripeWebhook(payload, WEBHOOK_SECRET, old), now)).toThrow(/tolerance/);
    // 300 s is still within it.
    expect(g.parseWebhook(payload, signStripeWebhook(payload, WEBHOOK_SECRET, new Date(now.getTime() - 300_000)), now).id).toBe('evt_1');
  });
});

describe('the circuit breaker', () => {
  it('opens after repeated outages: calls fail at once with a Retry-After, and go through again once Stripe recovers', async () => {
    const calls: GatewayCall[] = [];
    const stop = onGatewayCall((call) => calls.push(call));
    try {
      const guarded = withCircuitBreaker(gateway(), { failuresToOpen: 3, halfOpenAfterMs: 200 });
      const states: string[] = [];
      guarded.onBreakerStateChange((state) => states.push(state));
      fake.failing = true;
      for (let attempt = 0; attempt < 3; attempt++) await expect(guarded.createIntent({ paymentId, orderId: 'o', amount: 1, currency: 'USD', step: `intent-${attempt}` })).rejects.toBeInstanceOf(GatewayUnavailableError);
      expect(guarded.breakerState()).toBe('open');
      const sentWhileClosed = fake.requests.length;
      const refusal = await guarded.createIntent({ paymentId, orderId: 'o', amount: 1, currency: 'USD', step: 'intent-open' }).catch((error: unknown) => error);
      expect(refusal).toBeInstanceOf(GatewayUnavailableError);
      expect((refusal as GatewayUnavailableError).headers['retry-after']).toBe('1');
      // Fails fast: nothing reached Stripe while open.
      expect(fake.requests.length).toBe(sentWhileClosed);

      fake.failing = false;
      await expect
        .poll(async () => (await guarded.createIntent({ paymentId, orderId: 'o', amount: 1, currency: 'USD', step: 'intent-recovered' }).catch(() => undefined))?.intentId, { interval: 50, timeout: 5000 })
        .toMatch(/^pi_/);
      expect(guarded.breakerState()).toBe('closed');
      expect(states).toEqual(['open', 'half-open', 'closed']);
      expect(calls.map((call) => call.outcome)).toEqual(expect.arrayContaining(['failed', 'rejected', 'ok']));
      expect(calls.every((call) => call.operation === 'createIntent' && call.gateway === 'stripe' && call.durationMs >= 0)).toBe(true);
    } finally {
      stop();
    }
  });

  it('does not count a declined card or a refused request as a failure', async () => {
    const guarded = withCircuitBreaker(gateway(), { failuresToOpen: 1, halfOpenAfterMs: 60_000 });
    await expect(guarded.captureIntent({ paymentId, intentId: 'pi_unknown', step: 'capture' })).rejects.toBeInstanceOf(GatewayRefusedError);
    const { intentId } = await guarded.createIntent({ paymentId, orderId: 'o', amount: 1, currency: 'USD', step: 'intent' });
    expect(await guarded.confirmIntent({ paymentId, intentId, paymentMethod: 'pm_card_chargeDeclined', step: 'confirm:1' })).toMatchObject({ status: 'declined' });
    expect(guarded.breakerState()).toBe('closed');
  });
});
