import { randomBytes, randomUUID } from 'node:crypto';
import { GatewayRefusedError, idempotencyKeyOf, type ConfirmOutcome, type PaymentGateway, type WebhookSink } from './gateway.js';
import { memoryLedger, type Effects, type Owed, type SimulatedIntent, type SimulatedLedger } from './simulated-ledger.js';
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

type Intent = SimulatedIntent;

export type SimulatedGatewayOptions = {
  /** Signs its webhooks; a random one per process when unset (the deliveries never leave it). */
  webhookSecret?: string | undefined;
  /** When its webhooks say they were sent (the server's clock, so verification agrees with it). */
  now?: () => Date;
  /** Where it keeps intents, answers and owed webhooks; in memory when unset (gone with the process). */
  ledger?: SimulatedLedger;
  /** How often webhooks that were not acknowledged are sent again (Stripe retries for days). */
  redeliverEveryMs?: number;
};

/**
 * A gateway that needs no account, so `npm start` takes a payment on a fresh machine. It replays
 * a step sent again with the same idempotency key (as Stripe does), and reports every outcome as
 * a Stripe-shaped webhook, signed and delivered asynchronously to the same handler (and so the
 * same verification) as Stripe's. Its intents, answers and owed webhooks live in its ledger: the
 * server gives it one in its database, so a crash between a gateway call and recording it finds
 * the same intent and the same answer on restart, and the webhook still arrives.
 */
export const simulatedGateway = (options: SimulatedGatewayOptions = {}): PaymentGateway => {
  const secret = options.webhookSecret ?? `whsec_sim_${randomBytes(24).toString('hex')}`;
  const now = options.now ?? (() => new Date());
  const ledger = options.ledger ?? memoryLedger();
  let sink: WebhookSink | undefined;
  const inFlight = new Set<Promise<void>>();
  const delivering = new Set<string>();
  let closed = false;
  let sweeper: NodeJS.Timeout | undefined;

  /** Delivers one owed webhook, signed now (Stripe signs each attempt); it stays owed until the handler took it. */
  const deliver = (webhook: Owed) => {
    if (!sink || closed || delivering.has(webhook.id)) return;
    const to = sink;
    delivering.add(webhook.id);
    // Later, as Stripe would: the caller has its answer before the webhook arrives.
    const delivery = new Promise<void>((resolve) => setImmediate(resolve))
      .then(async () => {
        if (closed) return;
        await to(webhook.payload, signStripeWebhook(webhook.payload, secret, now()));
        await ledger.delivered(webhook.id);
      })
      .catch(() => {
        // Not acknowledged: still owed, sent again by the sweep, as a real gateway's retries would.
      })
      .finally(() => {
        delivering.delete(webhook.id);
        inFlight.delete(delivery);
      });
    inFlight.add(delivery);
  };

  const sweep = async () => {
    if (!sink || closed) return;
    for (const webhook of await ledger.owed(redeliverAfterMs)) deliver(webhook);
  };
  const redeliverAfterMs = options.redeliverEveryMs ?? 2_000;

  /** Same key, same answer (what Stripe's idempotency gives a retried step); the webhooks of a first answer go out after it. */
  const once = async <T>(key: string, intentId: string | undefined, decide: (intent: Intent | undefined) => Effects<T>): Promise<T> => {
    const { reply, webhooks } = await ledger.request(key, intentId, decide);
    for (const webhook of webhooks) deliver(webhook);
    return reply;
  };

  const found = (intent: Intent | undefined, intentId: string): Intent => {
    if (!intent) throw new GatewayRefusedError('resource_missing', `No such PaymentIntent: ${intentId}`);
    return { ...intent };
  };

  const event = (type: string, object: Record<string, unknown>) =>
    JSON.stringify({
      id: `evt_sim_${randomUUID().replace(/-/g, '')}`,
      object: 'event',
      api_version: 'simulated',
      created: Math.floor(now().getTime() / 1000),
      livemode: false,
      type,
      data: { object },
    });

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
      once(idempotencyKeyOf(paymentId, step), undefined, () => {
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
        return { reply: { intentId: intent.id }, intent };
      }),

    confirmIntent: ({ paymentId, intentId, paymentMethod, step }) =>
      once(idempotencyKeyOf(paymentId, step), intentId, (current): Effects<ConfirmOutcome> => {
        const intent = found(current, intentId);
        const method = TEST_PAYMENT_METHODS[paymentMethod];
        if (!method) throw new GatewayRefusedError('resource_missing', `No such PaymentMethod: '${paymentMethod}'. The simulated gateway knows ${Object.keys(TEST_PAYMENT_METHODS).join(', ')}.`);
        if (!canTryCard(intent)) throw new GatewayRefusedError('payment_intent_unexpected_state', `The PaymentIntent is ${intent.status}; it takes no card now.`);
        if (method.outcome === 'authorized') {
          intent.status = 'requires_capture';
          intent.lastError = null;
          return {
            reply: { status: 'authorized', intentId, amount: intent.amount },
            intent,
            movements: [{ kind: 'authorize', amount: intent.amount }],
            webhooks: [event('payment_intent.amount_capturable_updated', intentObject(intent))],
          };
        }
        if (method.outcome === 'action_required') {
          intent.status = 'requires_action';
          return { reply: { status: 'action_required', intentId }, intent, webhooks: [event('payment_intent.requires_action', intentObject(intent))] };
        }
        const { code, declineCode, message } = method.outcome;
        intent.status = 'requires_payment_method';
        intent.lastError = { code, ...(declineCode ? { decline_code: declineCode } : {}), message };
        return {
          reply: { status: 'declined', intentId, code, ...(declineCode ? { declineCode } : {}), message },
          intent,
          webhooks: [event('payment_intent.payment_failed', intentObject(intent))],
        };
      }),

    captureIntent: ({ paymentId, intentId, step }) =>
      once(idempotencyKeyOf(paymentId, step), intentId, (current) => {
        const intent = found(current, intentId);
        if (intent.status === 'succeeded') return { reply: { amount: intent.amountReceived } };
        if (intent.status !== 'requires_capture') throw new GatewayRefusedError('payment_intent_unexpected_state', `The PaymentIntent is ${intent.status}; only an authorised one can be captured.`);
        intent.status = 'succeeded';
        intent.amountReceived = intent.amount;
        return {
          reply: { amount: intent.amountReceived },
          intent,
          movements: [{ kind: 'capture', amount: intent.amountReceived }],
          webhooks: [event('payment_intent.succeeded', intentObject(intent))],
        };
      }),

    cancelIntent: ({ paymentId, intentId, step }) =>
      once(idempotencyKeyOf(paymentId, step), intentId, (current): Effects<void> => {
        const intent = found(current, intentId);
        if (intent.status === 'canceled') return { reply: undefined };
        if (intent.status === 'succeeded') throw new GatewayRefusedError('payment_intent_unexpected_state', 'The PaymentIntent was captured; refund it instead.');
        const held = intent.status === 'requires_capture';
        intent.status = 'canceled';
        return {
          reply: undefined,
          intent,
          movements: held ? [{ kind: 'void', amount: intent.amount }] : [],
          webhooks: [event('payment_intent.canceled', intentObject(intent))],
        };
      }),

    refund: ({ paymentId, intentId, amount, step }) =>
      once(idempotencyKeyOf(paymentId, step), intentId, (current) => {
        const intent = found(current, intentId);
        if (intent.status !== 'succeeded') throw new GatewayRefusedError('charge_not_captured', 'Only a captured payment can be refunded.');
        const refund = { id: `re_sim_${randomUUID().replace(/-/g, '')}`, object: 'refund', amount, payment_intent: intentId, status: 'succeeded', metadata: { paymentId } };
        return { reply: { refundId: refund.id, amount }, intent, movements: [{ kind: 'refund', amount }], webhooks: [event('refund.created', refund)] };
      }),

    createPaymentMethod: ({ token, idempotencyKey }) =>
      once(idempotencyKey, undefined, () => {
        const id = `pm_card_${token.replace(/^tok_/, '')}`;
        const method = TEST_PAYMENT_METHODS[id];
        if (!method) throw new GatewayRefusedError('resource_missing', `No such token: '${token}'. Try tok_visa, tok_chargeDeclined, tok_chargeDeclinedInsufficientFunds or tok_authenticationRequired.`);
        return { reply: { id, brand: method.brand, last4: method.last4 } };
      }),

    parseWebhook: (rawBody, signature, receivedAt) => verifyStripeWebhook(rawBody, signature, secret, receivedAt),

    deliverWebhooksTo(next) {
      sink = next;
      // What a crash left undelivered goes out now, and anything not acknowledged is sent again later.
      void sweep().catch(() => {});
      sweeper ??= setInterval(() => void sweep().catch(() => {}), redeliverAfterMs);
      sweeper.unref();
    },

    async close() {
      closed = true;
      if (sweeper) clearInterval(sweeper);
      await Promise.all([...inFlight]);
    },
  };
};
