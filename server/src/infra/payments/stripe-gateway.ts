import Stripe from 'stripe';
import { GatewayRefusedError, GatewayUnavailableError, idempotencyKeyOf, type ConfirmOutcome, type PaymentGateway } from './gateway.js';
import { verifyStripeWebhook } from './stripe-webhooks.js';

export type StripeGatewayOptions = {
  secretKey: string;
  webhookSecret: string;
  /** Where the API is (tests point it at a local fake); Stripe's own host when unset. */
  apiBase?: URL | undefined;
  /** Stripe's own retries, with backoff and the same idempotency key, before a call counts as failed. */
  maxNetworkRetries?: number;
  timeoutMs?: number;
};

/** Stripe's automatic retries of one call before our breaker sees it fail. */
export const STRIPE_NETWORK_RETRIES = 2;

/**
 * The real gateway: Stripe PaymentIntents with manual capture (authorise when the customer pays,
 * capture when the order ships), an idempotency key on every call, and Stripe's own retries.
 * Outages (no answer, 5xx, 429) become GatewayUnavailableError for the breaker; a declined card is
 * an outcome; a request Stripe refuses because of what the client sent is GatewayRefusedError.
 */
export const stripeGateway = (options: StripeGatewayOptions): PaymentGateway => {
  const stripe = new Stripe(options.secretKey, {
    maxNetworkRetries: options.maxNetworkRetries ?? STRIPE_NETWORK_RETRIES,
    timeout: options.timeoutMs ?? 20_000,
    telemetry: false,
    ...(options.apiBase
      ? {
          host: options.apiBase.hostname,
          port: options.apiBase.port || (options.apiBase.protocol === 'http:' ? 80 : 443),
          protocol: options.apiBase.protocol === 'http:' ? 'http' : 'https',
        }
      : {}),
  });

  const keyed = (paymentId: string, step: string) => ({ idempotencyKey: idempotencyKeyOf(paymentId, step) });

  return {
    name: 'stripe',

    createIntent: ({ paymentId, orderId, amount, currency, step }) =>
      call(async () => {
        const intent = await stripe.paymentIntents.create(
          {
            amount,
            currency: currency.toLowerCase(),
            capture_method: 'manual',
            metadata: { paymentId, orderId },
            // Confirmed by the server with a card: no redirect-based methods this flow could not finish.
            automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
          },
          keyed(paymentId, step),
        );
        return { intentId: intent.id };
      }),

    confirmIntent: ({ paymentId, intentId, paymentMethod, step }) =>
      call(async (): Promise<ConfirmOutcome> => {
        try {
          const intent = await stripe.paymentIntents.confirm(intentId, { payment_method: paymentMethod }, keyed(paymentId, step));
          return outcomeOfIntent(intent);
        } catch (error) {
          if (error instanceof Stripe.errors.StripeCardError) {
            return {
              status: 'declined',
              intentId,
              code: error.code ?? 'card_declined',
              ...(error.decline_code ? { declineCode: error.decline_code } : {}),
              message: error.message,
            };
          }
          throw error;
        }
      }),

    captureIntent: ({ paymentId, intentId, step }) =>
      call(async () => {
        try {
          const intent = await stripe.paymentIntents.capture(intentId, {}, keyed(paymentId, step));
          return { amount: intent.amount_received };
        } catch (error) {
          const intent = unexpectedState(error);
          if (intent?.status === 'succeeded') return { amount: intent.amount_received };
          throw error;
        }
      }),

    cancelIntent: ({ paymentId, intentId, step }) =>
      call(async () => {
        try {
          await stripe.paymentIntents.cancel(intentId, {}, keyed(paymentId, step));
        } catch (error) {
          if (unexpectedState(error)?.status === 'canceled') return;
          throw error;
        }
      }),

    refund: ({ paymentId, intentId, amount, step }) =>
      call(async () => {
        const refund = await stripe.refunds.create({ payment_intent: intentId, amount, metadata: { paymentId } }, keyed(paymentId, step));
        return { refundId: refund.id, amount: refund.amount };
      }),

    createPaymentMethod: ({ token, idempotencyKey }) =>
      call(async () => {
        const method = await stripe.paymentMethods.create({ type: 'card', card: { token } }, { idempotencyKey });
        return { id: method.id, brand: method.card?.brand ?? 'card', last4: method.card?.last4 ?? '' };
      }),

    parseWebhook: (rawBody, signature, receivedAt) => verifyStripeWebhook(rawBody, signature, options.webhookSecret, receivedAt),
  };
};

const outcomeOfIntent = (intent: Stripe.PaymentIntent): ConfirmOutcome => {
  switch (intent.status) {
    case 'requires_capture':
      return { status: 'authorized', intentId: intent.id, amount: intent.amount_capturable };
    case 'requires_action':
      return { status: 'action_required', intentId: intent.id };
    default: {
      const error = intent.last_payment_error;
      return {
        status: 'declined',
        intentId: intent.id,
        code: error?.code ?? 'payment_failed',
        ...(error?.decline_code ? { declineCode: error.decline_code } : {}),
        message: error?.message ?? `The payment could not be authorised (${intent.status}).`,
      };
    }
  }
};

/** The intent a "payment_intent_unexpected_state" refusal carries: already captured or cancelled, say. */
const unexpectedState = (error: unknown): Stripe.PaymentIntent | undefined =>
  error instanceof Stripe.errors.StripeInvalidRequestError && error.code === 'payment_intent_unexpected_state'
    ? ((error.raw as { payment_intent?: Stripe.PaymentIntent }).payment_intent ?? undefined)
    : undefined;

/** Sorts Stripe's errors into outages (for the breaker and a 503) and refusals a client caused (a 400). */
const call = async <T>(run: () => Promise<T>): Promise<T> => {
  try {
    return await run();
  } catch (error) {
    if (
      error instanceof Stripe.errors.StripeConnectionError ||
      error instanceof Stripe.errors.StripeAPIError ||
      error instanceof Stripe.errors.StripeRateLimitError ||
      (error instanceof Stripe.errors.StripeError && (error.statusCode ?? 0) >= 500)
    ) {
      throw new GatewayUnavailableError(undefined, 'Stripe did not answer.');
    }
    if (error instanceof Stripe.errors.StripeInvalidRequestError || error instanceof Stripe.errors.StripeCardError || error instanceof Stripe.errors.StripeIdempotencyError) {
      throw new GatewayRefusedError(error.code ?? 'gateway_refused', error.message);
    }
    // Wrong keys or permissions are ours to fix, not the client's: a 500 that says so in the log.
    throw error;
  }
};
