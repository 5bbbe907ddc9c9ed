import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, type TestUser } from '../../../../test/server.js';
import { createPool } from '../../infra/database/pool.js';
import type { Pool } from '../../infra/database/pool.js';
import { signStripeWebhook } from '../../infra/payments/stripe-webhooks.js';
import { snapshotStore } from '../../infra/snapshots.js';
import { paymentsService, type PaymentsService } from './service.js';

/** Every payment here is for a real order, placed and confirmed through the orders module, its stock held by the process. */
const WEBHOOK_SECRET = 'whsec_payments_int_test';

let server: TestServer;
let pool: Pool;
let service: PaymentsService;
let admin: Record<string, string>;
let customer: TestUser;
let stranger: TestUser;

beforeAll(async () => {
  // The simulated gateway (no STRIPE_SECRET_KEY), signing with a secret the tests know too.
  server = await startTestServer({ payments: { stripeSecretKey: undefined, webhookSecret: WEBHOOK_SECRET, stripeApiBase: undefined } });
  pool = createPool(server.databaseUrl, 2);
  service = paymentsService({ pool, eventStore: server.eventStore, snapshots: snapshotStore(pool), tokens: undefined as never, clock: server.clock, gateway: server.gateway });
  admin = { authorization: `Bearer ${await server.adminToken()}` };
  customer = await server.registerCustomer();
  stranger = await server.registerCustomer();
});
afterAll(async () => {
  await pool?.end();
  await server?.close();
});

/** A real order of `owner`'s for one product priced `amount` cents, awaiting payment. */
const newOrder = (amount = 5000, owner = customer) => server.orderAwaitingPayment(owner.token, { amount, currency: 'USD' });
/**
 * A real order that cannot be paid yet or any more: a draft, one confirmed whose stock the
 * process has not reserved yet (it is paused meanwhile), or one its customer cancelled.
 */
const unpayableOrder = async (status: 'draft' | 'confirmed' | 'cancelled') => {
  const adminClient = server.client({ token: await server.adminToken() });
  const client = server.client({ token: customer.token });
  const address = { recipientName: 'Ada Lovelace', line1: '12 St James Square', city: 'London', postalCode: 'SW1Y 4JH', country: 'GB' };
  const product = await adminClient.products.create({ name: 'Saucer', price: { amount: 900, currency: 'USD' }, categoryId: 'kitchen' });
  const order = await client.orders.create({ items: [{ productId: product.id, quantity: 1 }], shippingAddress: address });
  if (status === 'confirmed') {
    await adminClient.ops.processors.pause({ name: 'fulfillment' });
    await client.orders.confirm({ id: order.id });
  }
  if (status === 'cancelled') await client.orders.cancel({ id: order.id, reason: 'Ordered by mistake' });
  return order.id;
};

const post = (url: string, payload: object, headers: Record<string, string> = customer.headers) => server.app.inject({ method: 'POST', url, headers, payload });
const get = (url: string, headers: Record<string, string> = customer.headers) => server.app.inject({ method: 'GET', url, headers });
const metadata = () => ({ correlationId: randomUUID(), causationId: randomUUID(), actorId: null, requestId: randomUUID(), occurredAt: server.clock.now().toISOString() });

const openPayment = async (orderId?: string) => {
  orderId ??= await newOrder();
  const response = await post('/api/payments', { orderId });
  expect(response.statusCode).toBe(201);
  return response.json() as { id: string; status: string; amount: number; intentId: string | null };
};
/**
 * Once a payment is authorised the fulfillment process allocates the order's stock and marks it
 * paid, appending events of its own: waiting for that keeps "nothing appended" checks about the request alone.
 */
const processedAuthorisation = async (paymentId: string) => {
  const { orderId } = (await get(`/api/payments/${paymentId}/status`, admin)).json() as { orderId: string };
  await expect.poll(async () => (await get(`/api/orders/${orderId}`, admin)).json().status, { timeout: 10_000, interval: 20 }).toBe('paid');
};
const confirm = async (paymentId: string, paymentMethod: string, headers = customer.headers) => {
  const response = await post(`/api/payments/${paymentId}/stripe`, { paymentMethod }, headers);
  if (response.statusCode === 200 && response.json().status === 'authorized') await processedAuthorisation(paymentId);
  return response;
};
const authorizedPayment = async (amount = 5000) => {
  const payment = await openPayment(await newOrder(amount));
  expect((await confirm(payment.id, 'pm_card_visa')).json().status).toBe('authorized');
  return payment;
};
const statusOf = async (paymentId: string) => (await get(`/api/payments/${paymentId}/status`, admin)).json();

describe('a payment through its life', () => {
  it('opens for the order’s amount, authorises on confirm, captures on ship, refunds in parts up to the capture', async () => {
    const orderId = await newOrder(4200);
    const opened = await openPayment(orderId);
    expect(opened).toMatchObject({ orderId, status: 'requested', amount: 4200, currency: 'USD', captured: 0, refunded: 0, intentId: null });
    // Asking again answers the same payment, and records nothing.
    const before = await server.eventCount();
    expect((await post('/api/payments', { orderId })).json().id).toBe(opened.id);
    expect(await server.eventCount()).toBe(before);

    const confirmed = await confirm(opened.id, 'pm_card_visa');
    expect(confirmed.statusCode).toBe(200);
    expect(confirmed.json()).toMatchObject({ status: 'authorized', intentId: expect.stringMatching(/^pi_/), captured: 0 });
    // The order is paid now; asking again still answers its payment.
    expect((await post('/api/payments', { orderId })).json()).toMatchObject({ id: opened.id, status: 'authorized' });

    await service.capture(opened.id, metadata());
    await service.capture(opened.id, metadata()); // the process retrying its step: a no-op
    expect(await statusOf(opened.id)).toMatchObject({ status: 'captured', captured: 4200 });

    const partial = await post(`/api/payments/${opened.id}/refund`, { amount: 1000, reason: 'One cup arrived broken' }, admin);
    expect(partial.json()).toMatchObject({ status: 'partially_refunded', refunded: 1000 });
    const tooMuch = await server.expectRefusedWithNothingAppended(() => post(`/api/payments/${opened.id}/refund`, { amount: 3201 }, admin), 409);
    expect(tooMuch.json()).toMatchObject({ code: 'refund_exceeds_captured', refundable: 3200 });
    const rest = await post(`/api/payments/${opened.id}/refund`, {}, admin);
    expect(rest.json()).toMatchObject({ status: 'refunded', captured: 4200, refunded: 4200 });
    await service.refund(opened.id, {}, metadata()); // refund-the-rest again: nothing left, nothing done
    const after = await server.expectRefusedWithNothingAppended(() => post(`/api/payments/${opened.id}/refund`, { amount: 1 }, admin), 409);
    expect(after.json()).toMatchObject({ code: 'invalid_transition', currentStatus: 'refunded' });
    expect(await service.byOrder(orderId)).toEqual({ paymentId: opened.id, status: 'refunded' });
  });

  it('lets the customer try another card after a decline, and says why the bank refused', async () => {
    const payment = await openPayment();
    const declined = await confirm(payment.id, 'pm_card_chargeDeclinedInsufficientFunds');
    expect(declined.json()).toMatchObject({ status: 'declined', lastDecline: { code: 'card_declined', declineCode: 'insufficient_funds' } });
    expect((await confirm(payment.id, 'pm_card_chargeDeclined')).json()).toMatchObject({ status: 'declined', lastDecline: { code: 'card_declined', declineCode: 'generic_decline' } });
    expect((await confirm(payment.id, 'pm_card_visa')).json()).toMatchObject({ status: 'authorized', lastDecline: null });
    const again = await server.expectRefusedWithNothingAppended(() => confirm(payment.id, 'pm_card_visa'), 409);
    expect(again.json()).toMatchObject({ code: 'invalid_transition', currentStatus: 'authorized', allowed: ['capture', 'void'] });
  });

  it('asks for authentication when the bank wants it, and authorises another card after', async () => {
    const payment = await openPayment();
    expect((await confirm(payment.id, 'pm_card_authenticationRequired')).json()).toMatchObject({ status: 'action_required', intentId: expect.stringMatching(/^pi_/) });
    expect((await confirm(payment.id, 'pm_card_visa')).json().status).toBe('authorized');
  });

  it('voids the hold when the order is cancelled before shipping, and then refuses to capture', async () => {
    const payment = await authorizedPayment();
    await service.voidAuthorization(payment.id, metadata());
    await service.voidAuthorization(payment.id, metadata()); // idempotent
    expect((await statusOf(payment.id)).status).toBe('voided');
    await expect(service.capture(payment.id, metadata())).rejects.toMatchObject({ code: 'invalid_transition' });
  });

  it('opens one payment per order through the service too, and knows it by order', async () => {
    const orderId = await newOrder(1234);
    const first = await service.requestForOrder({ orderId, customerId: customer.id, amount: 1234, currency: 'USD' }, metadata());
    const second = await service.requestForOrder({ orderId, customerId: customer.id, amount: 1234, currency: 'USD' }, metadata());
    expect(second).toEqual(first);
    expect(await service.byOrder(orderId)).toEqual({ paymentId: first.paymentId, status: 'requested' });
    expect(await service.byOrder(randomUUID())).toBeUndefined();
  });
});

describe('cancelling a payment', () => {
  it('closes one that holds nothing', async () => {
    const payment = await openPayment();
    expect((await post(`/api/payments/${payment.id}/cancel`, { reason: 'Changed my mind' })).json().status).toBe('cancelled');
    await server.expectRefusedWithNothingAppended(() => confirm(payment.id, 'pm_card_visa'), 409);
  });

  it('leaves an authorised one to the order for its customer, and lets an admin void it', async () => {
    const payment = await authorizedPayment();
    const refused = await server.expectRefusedWithNothingAppended(() => post(`/api/payments/${payment.id}/cancel`, {}), 409);
    expect(refused.json()).toMatchObject({ code: 'invalid_transition', currentStatus: 'authorized' });
    expect((await post(`/api/payments/${payment.id}/cancel`, { reason: 'Fraud check failed' }, admin)).json().status).toBe('voided');
  });

  it('refuses one that was captured: refund it instead', async () => {
    const payment = await authorizedPayment();
    await service.capture(payment.id, metadata());
    const refused = await server.expectRefusedWithNothingAppended(() => post(`/api/payments/${payment.id}/cancel`, {}, admin), 409);
    expect(refused.json()).toMatchObject({ code: 'invalid_transition', currentStatus: 'captured', allowed: ['refund'] });
  });
});

describe('who may do what, and bad input', () => {
  it('shows a payment to its customer and admins only', async () => {
    const payment = await openPayment();
    expect((await get(`/api/payments/${payment.id}/status`)).statusCode).toBe(200);
    expect((await get(`/api/payments/${payment.id}/status`, admin)).statusCode).toBe(200);
    expect((await get(`/api/payments/${payment.id}/status`, stranger.headers)).statusCode).toBe(404);
    expect((await get(`/api/payments/${payment.id}/status`, {})).statusCode).toBe(401);
    await server.expectRefusedWithNothingAppended(() => confirm(payment.id, 'pm_card_visa', stranger.headers), 404);
    await server.expectRefusedWithNothingAppended(() => post(`/api/payments/${payment.id}/cancel`, {}, stranger.headers), 404);
  });

  it('lets only admins refund', async () => {
    const payment = await authorizedPayment();
    await service.capture(payment.id, metadata());
    await server.expectRefusedWithNothingAppended(() => post(`/api/payments/${payment.id}/refund`, { amount: 100 }), 403);
    await server.expectRefusedWithNothingAppended(() => post(`/api/payments/${payment.id}/refund`, { amount: 100 }, {}), 401);
  });

  it('opens payments only for the caller’s own orders that can be paid', async () => {
    await server.expectRefusedWithNothingAppended(() => post('/api/payments', { orderId: randomUUID() }), 404);
    const strangers = await newOrder(5000, stranger);
    await server.expectRefusedWithNothingAppended(() => post('/api/payments', { orderId: strangers }), 404);
    try {
      for (const status of ['draft', 'confirmed', 'cancelled'] as const) {
        const orderId = await unpayableOrder(status);
        const refused = await server.expectRefusedWithNothingAppended(() => post('/api/payments', { orderId }), 409);
        expect(refused.json()).toMatchObject({ code: 'order_not_payable', orderStatus: status });
      }
    } finally {
      await server.client({ token: await server.adminToken() }).ops.processors.resume({ name: 'fulfillment' });
    }
  });

  it('refuses bad input with field errors and records nothing', async () => {
    const payment = await openPayment();
    await server.expectRefusedWithNothingAppended(() => post('/api/payments', {}), 400, 'orderId');
    await server.expectRefusedWithNothingAppended(() => post('/api/payments', { orderId: 'x y' }), 400, 'orderId');
    const orderId = await newOrder();
    await server.expectRefusedWithNothingAppended(() => post('/api/payments', { orderId, amount: 1 }), 400, 'amount');
    await server.expectRefusedWithNothingAppended(() => confirm(payment.id, '4242424242424242'), 400, 'paymentMethod');
    await server.expectRefusedWithNothingAppended(() => post(`/api/payments/${payment.id}/stripe`, {}), 400, 'paymentMethod');
    await server.expectRefusedWithNothingAppended(() => post('/api/payments/not-a-uuid/stripe', { paymentMethod: 'pm_card_visa' }), 400, 'paymentId');
    await server.expectRefusedWithNothingAppended(() => post(`/api/payments/${randomUUID()}/stripe`, { paymentMethod: 'pm_card_visa' }), 404);
    await server.expectRefusedWithNothingAppended(() => post(`/api/payments/${payment.id}/refund`, { amount: 0 }, admin), 400, 'amount');
    await server.expectRefusedWithNothingAppended(() => post(`/api/payments/${payment.id}/refund`, { amount: 1.5 }, admin), 400, 'amount');
    // A payment method the gateway does not know is the client's mistake, not ours.
    const unknown = await server.expectRefusedWithNothingAppended(() => confirm(payment.id, 'pm_card_nonsense'), 400);
    expect(unknown.json().code).toBe('resource_missing');
  });

  it('turns a test card token into a payment method, and refuses one it does not know', async () => {
    expect((await post('/api/payments/stripe/payment-method', { cardToken: 'tok_visa' })).json()).toEqual({ id: 'pm_card_visa', brand: 'visa', last4: '4242' });
    expect((await post('/api/payments/stripe/payment-method', { cardToken: 'tok_chargeDeclinedInsufficientFunds' })).json().id).toBe('pm_card_chargeDeclinedInsufficientFunds');
    expect((await post('/api/payments/stripe/payment-method', { cardToken: 'tok_nonsense' })).statusCode).toBe(400);
    expect((await post('/api/payments/stripe/payment-method', { cardToken: '4242424242424242' })).statusCode).toBe(400);
    expect((await post('/api/payments/stripe/payment-method', { cardToken: 'tok_visa' }, {})).statusCode).toBe(401);
  });
});

describe('the reference', () => {
  it('documents the webhook’s signature header and raw body, and the gateway’s 503 on the operations that call it', async () => {
    const document = (await server.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const webhook = document.paths['/api/payments/stripe/webhook'].post;
    expect(webhook.parameters).toContainEqual(expect.objectContaining({ name: 'Stripe-Signature', in: 'header', required: true }));
    expect(webhook.requestBody.content['application/json'].schema.type).toBe('object');
    expect(webhook.security).toEqual([]);
    for (const path of ['/api/payments/{paymentId}/stripe', '/api/payments/{paymentId}/refund', '/api/payments/{paymentId}/cancel', '/api/payments/stripe/payment-method']) {
      expect(document.paths[path].post.responses['503'].description).toMatch(/payment gateway/);
    }
  });
});

// ---- Webhooks ----

const stripeEvent = (id: string, type: string, object: Record<string, unknown>) => JSON.stringify({ id, object: 'event', created: Math.floor(server.clock.now().getTime() / 1000), type, data: { object } });
const intentObject = (paymentId: string, intentId: string, fields: Record<string, unknown> = {}) => ({ id: intentId, object: 'payment_intent', amount: 5000, metadata: { paymentId }, ...fields });
const deliver = (payload: string, signature = signStripeWebhook(payload, WEBHOOK_SECRET, server.clock.now())) =>
  server.app.inject({ method: 'POST', url: '/api/payments/stripe/webhook', headers: { 'content-type': 'application/json; charset=utf-8', 'stripe-signature': signature }, payload });

describe('webhooks', () => {
  it('applies a verified event once, however often it is delivered', async () => {
    const payment = await openPayment();
    const payload = stripeEvent(`evt_${randomUUID()}`, 'payment_intent.amount_capturable_updated', intentObject(payment.id, 'pi_webhook_1', { amount_capturable: 5000 }));
    const first = await deliver(payload);
    expect(first.statusCode).toBe(200);
    expect(first.json()).toEqual({ received: true, applied: true });
    await processedAuthorisation(payment.id);
    expect(await statusOf(payment.id)).toMatchObject({ status: 'authorized', intentId: 'pi_webhook_1' });
    const before = await server.eventCount();
    expect((await deliver(payload)).json()).toEqual({ received: true, applied: false });
    expect(await server.eventCount()).toBe(before);
  });

  it('verifies the exact bytes: a body laid out differently from what was signed is refused', async () => {
    const payment = await openPayment();
    const payload = stripeEvent(`evt_${randomUUID()}`, 'payment_intent.amount_capturable_updated', intentObject(payment.id, 'pi_layout'));
    const pretty = JSON.stringify(JSON.parse(payload), null, 2);
    expect((await deliver(pretty, signStripeWebhook(pretty, WEBHOOK_SECRET, server.clock.now()))).json().applied).toBe(true);
    await processedAuthorisation(payment.id);
    await server.expectRefusedWithNothingAppended(() => deliver(JSON.stringify(JSON.parse(pretty)), signStripeWebhook(pretty, WEBHOOK_SECRET, server.clock.now())), 400);
  });

  it('refuses a bad signature, a missing one and one older than 300 s with 400, and changes nothing', async () => {
    const payment = await openPayment();
    const payload = stripeEvent(`evt_${randomUUID()}`, 'payment_intent.amount_capturable_updated', intentObject(payment.id, 'pi_refused'));
    await server.expectRefusedWithNothingAppended(() => deliver(payload, signStripeWebhook(payload, 'whsec_not_ours', server.clock.now())), 400);
    await server.expectRefusedWithNothingAppended(() => deliver(payload, 't=1,v1=deadbeef'), 400);
    await server.expectRefusedWithNothingAppended(() => server.app.inject({ method: 'POST', url: '/api/payments/stripe/webhook', headers: { 'content-type': 'application/json' }, payload }), 400);
    await server.expectRefusedWithNothingAppended(() => deliver(payload, signStripeWebhook(payload, WEBHOOK_SECRET, new Date(server.clock.now().getTime() - 301_000))), 400);
    const refused = await deliver(payload, signStripeWebhook(payload, WEBHOOK_SECRET, new Date(server.clock.now().getTime() - 301_000)));
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(refused.json().code).toBe('webhook_rejected');
    expect((await statusOf(payment.id)).status).toBe('requested');
  });

  it('releases a hold that the gateway reports after the payment was closed', async () => {
    const payment = await openPayment();
    const { intentId } = await server.gateway.createIntent({ paymentId: payment.id, orderId: 'late', amount: 5000, currency: 'USD', step: 'intent' });
    expect((await post(`/api/payments/${payment.id}/cancel`, {})).json().status).toBe('cancelled');
    // The card was authorised at the gateway, but its answer never reached us.
    await server.gateway.confirmIntent({ paymentId: payment.id, intentId, paymentMethod: 'pm_card_visa', step: 'confirm:1:pm_card_visa' });
    const payload = stripeEvent(`evt_${randomUUID()}`, 'payment_intent.amount_capturable_updated', intentObject(payment.id, intentId, { amount_capturable: 5000 }));
    expect((await deliver(payload)).json()).toEqual({ received: true, applied: false });
    // Released: the gateway refuses to capture it.
    await expect(server.gateway.captureIntent({ paymentId: payment.id, intentId, step: 'capture' })).rejects.toMatchObject({ code: 'payment_intent_unexpected_state' });
    expect((await statusOf(payment.id)).status).toBe('cancelled');
  });

  it('acknowledges events about intents that are not ours, and records nothing', async () => {
    const before = await server.eventCount();
    expect((await deliver(stripeEvent('evt_foreign', 'payment_intent.succeeded', { id: 'pi_other_app', object: 'payment_intent', metadata: {} }))).json()).toEqual({ received: true, applied: false });
    expect((await deliver(stripeEvent('evt_other_type', 'customer.created', { id: 'cus_1', object: 'customer' }))).json()).toEqual({ received: true, applied: false });
    expect(await server.eventCount()).toBe(before);
  });

  it('ends in the same state whatever order a recorded sequence with duplicates arrives in', async () => {
    const sequenceFor = (paymentId: string) => {
      const intentId = `pi_${paymentId.slice(0, 8)}`;
      return [
        stripeEvent(`evt_${paymentId}_1`, 'payment_intent.payment_failed', intentObject(paymentId, intentId, { last_payment_error: { code: 'card_declined', decline_code: 'insufficient_funds', message: 'No funds' } })),
        stripeEvent(`evt_${paymentId}_2`, 'payment_intent.amount_capturable_updated', intentObject(paymentId, intentId, { amount_capturable: 5000 })),
        stripeEvent(`evt_${paymentId}_3`, 'payment_intent.succeeded', intentObject(paymentId, intentId, { amount_received: 5000 })),
        stripeEvent(`evt_${paymentId}_4`, 'refund.created', { id: `re_${paymentId}_1`, object: 'refund', amount: 1500, payment_intent: intentId, status: 'succeeded', metadata: { paymentId } }),
        stripeEvent(`evt_${paymentId}_5`, 'refund.created', { id: `re_${paymentId}_2`, object: 'refund', amount: 500, payment_intent: intentId, status: 'succeeded', metadata: { paymentId } }),
      ];
    };
    // A seeded shuffle, so a failure can be replayed.
    let seed = 16;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const shuffled = <T>(items: T[]) => items.map((item) => [random(), item] as const).sort((a, b) => a[0] - b[0]).map(([, item]) => item);
    const states = [];
    for (let round = 0; round < 6; round++) {
      const payment = await openPayment();
      const sequence = sequenceFor(payment.id);
      const withDuplicates = shuffled([...sequence, ...sequence.filter(() => random() < 0.5)]);
      for (const payload of withDuplicates) expect((await deliver(payload)).statusCode).toBe(200);
      await processedAuthorisation(payment.id);
      const { status, captured, refunded, amount } = await statusOf(payment.id);
      states.push({ status, captured, refunded, amount });
    }
    expect(new Set(states.map((state) => JSON.stringify(state))).size).toBe(1);
    expect(states[0]).toEqual({ status: 'partially_refunded', captured: 5000, refunded: 2000, amount: 5000 });
  });

  it('takes the simulated gateway’s own webhooks through the same verification: an outcome whose answer was lost still lands', async () => {
    const payment = await openPayment();
    // As if the server crashed after the gateway authorised but before it recorded the answer.
    const { intentId } = await server.gateway.createIntent({ paymentId: payment.id, orderId: 'lost-answer', amount: 5000, currency: 'USD', step: 'intent' });
    await server.gateway.confirmIntent({ paymentId: payment.id, intentId, paymentMethod: 'pm_card_visa', step: 'confirm:1:pm_card_visa' });
    await expect.poll(async () => (await statusOf(payment.id)).status, { timeout: 5000, interval: 20 }).toBe('authorized');
    await processedAuthorisation(payment.id);
    // The retried step gets the same intent back and records nothing twice.
    expect((await server.gateway.createIntent({ paymentId: payment.id, orderId: 'lost-answer', amount: 5000, currency: 'USD', step: 'intent' })).intentId).toBe(intentId);
  });
});
