import { randomBytes, randomUUID } from 'node:crypto';
import { GatewayRefusedError, idempotencyKeyOf, type ConfirmOutcome, type PaymentGateway, type WebhookSink } from './gateway.js';
import { signStripeWebhook, verifyStripeWebhook } from './stripe-webhooks.js';

/**
 * Stripe's test payment methods and what they do, as the simulated gateway honours them
 * (https://docs.stripe.com/testing). The tok_ tokens turn into the method of the same name.
 */
export const TEST_PAYMENT_METHODS: Record<string, { brand: string; last4: string; outcome: 'authorized' | 'action_required' | { code: string; declineCode?: string; message: string } }> = {
  pm_card_visa: { brand: 'visa', last4: '4242', outcome: 'authorized' },
  pm_card_mastercard: { brand: 'mastercard', last4: '4444', outcome: 'authorized' },
  pm_card_chargeDeclined: { brand: 'visa', last4: '0002', outcome: { code: 'card_declined', declineCode: 'generic_decline', message: 'Your card was declined.' } },
  pm_card_chargeDeclinedInsufficientFunds: {
    brand: 'visa',
    last4: '9995',
    outcome: { code: 'card_declined', declineCode: 'insufficient_funds', message: 'Your card has insufficient funds.' },
  },
  pm_card_chargeDeclinedExpiredCard: { brand: 'visa', last4: '0069', outcome: { code: 'expired_card', message: 'Your card has expired.' } },
  pm_card_authenticationRequired: { brand: 'visa', last4: '3184', outcome: 'action_required' },
};

type Intent = {
  id: string;
  paymentId: string;
  orderId: string;
  amount: number;
  currency: string;
  status: 'requires_payment_method' | 'requires_action' | 'requires_capture' | 'succeeded' | 'canceled';
  amountReceived: number;
  lastError: { code: string; decline_code?: string; message: string } | null;
};

export type SimulatedGatewayOptions = {
  /** Signs its webhooks; a random one per process when unset (the deliveries never leave it). */
  webhookSecret?: string | undefined;
  /** When its webhooks say they were sent (the server's clock, so verification agrees with it). */
  now?: () => Date;
};

/**
 * A gateway that needs no account, so `npm start` takes a payment on a fresh machine. It keeps
 * intents in memory, replays a step sent again with the same idempotency key (as Stripe does),
 * and reports every outcome as a Stripe-shaped webhook, signed and delivered asynchronously to
 * the same handler (and so the same verification) as Stripe's.
 */
export const simulatedGateway = (options: SimulatedGatewayOptions = {}): PaymentGateway => {
  const secret = options.webhookSecret ?? `whsec_sim_${randomBytes(24).toString('hex')}`;
  const now = options.now ?? (() => new Date());
  const intents = new Map<string, Intent>();
  const replies = new Map<string, Promise<unknown>>();
  let sink: WebhookSink | undefined;
  const inFlight = new Set<Promise<void>>();
  let closed = false;

  /** Same key, same answer: what Stripe's idempotency gives a retried step. */
  const once = <T>(key: string, run: () => T): Promise<T> => {
    const known = replies.get(key);
    if (known) return known as Promise<T>;
    const reply = Promise.resolve().then(run);
    replies.set(key, reply);
    // A refusal is not kept: Stripe does not store a 400 for a request it never started.
    reply.catch(() => replies.delete(key));
    return reply;
  };

  const intentOf = (intentId: string): Intent => {
    const intent = intents.get(intentId);
    if (!intent) throw new GatewayRefusedError('resource_missing', `No such PaymentIntent: ${intentId}`);
    return intent;
  };

  const emit = (type: string, object: Record<string, unknown>) => {
    if (!sink || closed) return;
    const deliver = sink;
    const payload = JSON.stringify({
      id: `evt_sim_${randomUUID().replace(/-/g, '')}`,
      object: 'event',
      api_version: 'simulated',
      created: Math.floor(now().getTime() / 1000),
      livemode: false,
      type,
      data: { object },
    });
    // Later, as Stripe would: the caller has its answer before the webhook arrives.
    const delivery = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => (closed ? undefined : deliver(payload, signStripeWebhook(payload, secret, now()))))
      .catch(() => {
        // A failed delivery is what a real gateway's retries are for; the synchronous answer was recorded already.
      })
      .finally(() => inFlight.delete(delivery));
    inFlight.add(delivery);
  };

  const intentObject = (intent: Intent) => ({
    id: intent.id,
    object: 'payment_intent',
    amount: intent.amount,
    amount_capturable: intent.status === 'requires_capture' ? intent.amount : 0,
    amount_received: intent.amountReceived,
    currency: intent.currency.toLowerCase(),
    capture_method: 'manual',
    status: intent.status,
    metadata: { paymentId: intent.paymentId, orderId: intent.orderId },
    last_payment_error: intent.lastError,
  });

  const canTryCard = (intent: Intent) => intent.status === 'requires_payment_method' || intent.status === 'requires_action';

  return {
    name: 'simulated',

    createIntent: ({ paymentId, orderId, amount, currency, step }) =>
      once(idempotencyKeyOf(paymentId, step), () => {
        const intent: Intent = {
          id: `pi_sim_${randomUUID().replace(/-/g, '')}`,
          paymentId,
          orderId,
          amount,
          currency,
          status: 'requires_payment_method',
          amountReceived: 0,
          lastError: null,
        };
        intents.set(intent.id, intent);
        return { intentId: intent.id };
      }),

    confirmIntent: ({ paymentId, intentId, paymentMethod, step }) =>
      once(idempotencyKeyOf(paymentId, step), (): ConfirmOutcome => {
        const intent = intentOf(intentId);
        const method = TEST_PAYMENT_METHODS[paymentMethod];
        if (!method) throw new GatewayRefusedError('resource_missing', `No such PaymentMethod: '${paymentMethod}'. The simulated gateway knows ${Object.keys(TEST_PAYMENT_METHODS).join(', ')}.`);
        if (!canTryCard(intent)) throw new GatewayRefusedError('payment_intent_unexpected_state', `The PaymentIntent is ${intent.status}; it takes no card now.`);
        if (method.outcome === 'authorized') {
          intent.status = 'requires_capture';
          intent.lastError = null;
          emit('payment_intent.amount_capturable_updated', intentObject(intent));
          return { status: 'authorized', intentId, amount: intent.amount };
        }
        if (method.outcome === 'action_required') {
          intent.status = 'requires_action';
          emit('payment_intent.requires_action', intentObject(intent));
          return { status: 'action_required', intentId };
        }
        const { code, declineCode, message } = method.outcome;
        intent.status = 'requires_payment_method';
        intent.lastError = { code, ...(declineCode ? { decline_code: declineCode } : {}), message };
        emit('payment_intent.payment_failed', intentObject(intent));
        return { status: 'declined', intentId, code, ...(declineCode ? { declineCode } : {}), message };
      }),

    captureIntent: ({ paymentId, intentId, step }) =>
      once(idempotencyKeyOf(paymentId, step), () => {
        const intent = intentOf(intentId);
        if (intent.status === 'succeeded') return { amount: intent.amountReceived };
        if (intent.status !== 'requires_capture') throw new GatewayRefusedError('payment_intent_unexpected_state', `The PaymentIntent is ${intent.status}; only an authorised one can be captured.`);
        intent.status = 'succeeded';
        intent.amountReceived = intent.amount;
        emit('payment_intent.succeeded', intentObject(intent));
        return { amount: intent.amountReceived };
      }),

    cancelIntent: ({ paymentId, intentId, step }) =>
      once(idempotencyKeyOf(paymentId, step), () => {
        const intent = intentOf(intentId);
        if (intent.status === 'canceled') return;
        if (intent.status === 'succeeded') throw new GatewayRefusedError('payment_intent_unexpected_state', 'The PaymentIntent was captured; refund it instead.');
        intent.status = 'canceled';
        emit('payment_intent.canceled', intentObject(intent));
      }),

    refund: ({ paymentId, intentId, amount, step }) =>
      once(idempotencyKeyOf(paymentId, step), () => {
        const intent = intentOf(intentId);
        if (intent.status !== 'succeeded') throw new GatewayRefusedError('charge_not_captured', 'Only a captured payment can be refunded.');
        const refund = { id: `re_sim_${randomUUID().replace(/-/g, '')}`, object: 'refund', amount, payment_intent: intentId, status: 'succeeded', metadata: { paymentId } };
        emit('refund.created', refund);
        return { refundId: refund.id, amount };
      }),

    createPaymentMethod: ({ token, idempotencyKey }) =>
      once(idempotencyKey, () => {
        const id = `pm_card_${token.replace(/^tok_/, '')}`;
        const method = TEST_PAYMENT_METHODS[id];
        if (!method) throw new GatewayRefusedError('resource_missing', `No such token: '${token}'. Try tok_visa, tok_chargeDeclined, tok_chargeDeclinedInsufficientFunds or tok_authenticationRequired.`);
        return { id, brand: method.brand, last4: method.last4 };
      }),

    parseWebhook: (rawBody, signature, receivedAt) => verifyStripeWebhook(rawBody, signature, secret, receivedAt),

    deliverWebhooksTo(next) {
      sink = next;
    },

    async close() {
      closed = true;
      await Promise.all([...inFlight]);
    },
  };
};
