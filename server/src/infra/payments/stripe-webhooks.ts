import Stripe from 'stripe';
import { WebhookRejectedError, type GatewayEvent, type GatewayOutcome } from './gateway.js';

/** Stripe's own default: a signed delivery older than this is refused, so a captured one cannot be replayed later. */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

/** Only the webhook helpers are used from this instance; it never makes a request. */
const webhooks = new Stripe('sk_test_webhooks_only').webhooks;

/**
 * The one verification path for every adapter's webhooks: Stripe's `constructEvent` checks the
 * signature and the timestamp (the lower-level header check alone would not refuse an old one),
 * against our clock, before a byte of the body is believed.
 */
export const verifyStripeWebhook = (rawBody: string | Buffer, signature: string | undefined, secret: string, receivedAt: Date): GatewayEvent => {
  if (!signature) throw new WebhookRejectedError('Send the Stripe-Signature header Stripe signed the body with.');
  let event: Stripe.Event;
  try {
    event = webhooks.constructEvent(rawBody, signature, secret, WEBHOOK_TOLERANCE_SECONDS, undefined, receivedAt.getTime());
  } catch (error) {
    throw new WebhookRejectedError(`${(error as Error).message.split('\n')[0]}`);
  }
  return normalise(event);
};

/** Signs a body as Stripe would (for the simulated gateway and for tests). */
export const signStripeWebhook = (payload: string, secret: string, at: Date): string =>
  webhooks.generateTestHeaderString({ payload, secret, timestamp: Math.floor(at.getTime() / 1000) });

type IntentLike = {
  id: string;
  metadata?: Record<string, string> | null;
  amount?: number;
  amount_capturable?: number;
  amount_received?: number;
  last_payment_error?: { code?: string | null; decline_code?: string | null; message?: string | null } | null;
};

const outcomeOf = (event: Stripe.Event): { outcome: GatewayOutcome; intentId: string | undefined; paymentId: string | undefined } => {
  const object = event.data.object as unknown as Record<string, unknown>;
  const intent = object as unknown as IntentLike;
  const fromIntent = (outcome: GatewayOutcome) => ({ outcome, intentId: intent.id, paymentId: intent.metadata?.paymentId });
  switch (event.type) {
    case 'payment_intent.amount_capturable_updated':
      return fromIntent({ kind: 'authorized', amount: intent.amount_capturable ?? intent.amount ?? 0 });
    case 'payment_intent.succeeded':
      return fromIntent({ kind: 'captured', amount: intent.amount_received ?? intent.amount ?? 0 });
    case 'payment_intent.payment_failed': {
      const error = intent.last_payment_error ?? {};
      return fromIntent({
        kind: 'declined',
        code: error.code ?? 'card_declined',
        ...(error.decline_code ? { declineCode: error.decline_code } : {}),
        message: error.message ?? 'The card was declined.',
      });
    }
    case 'payment_intent.requires_action':
      return fromIntent({ kind: 'action_required' });
    case 'payment_intent.canceled':
      return fromIntent({ kind: 'canceled' });
    case 'refund.created':
    case 'refund.updated': {
      const refund = object as { id: string; amount: number; status?: string; payment_intent?: string | { id: string } | null; metadata?: Record<string, string> | null };
      const intentId = typeof refund.payment_intent === 'string' ? refund.payment_intent : refund.payment_intent?.id;
      // A refund that failed or was cancelled gave nothing back.
      if (refund.status === 'failed' || refund.status === 'canceled') return { outcome: { kind: 'ignored' }, intentId, paymentId: refund.metadata?.paymentId };
      return { outcome: { kind: 'refunded', refunds: [{ id: refund.id, amount: refund.amount }] }, intentId, paymentId: refund.metadata?.paymentId };
    }
    case 'charge.refunded': {
      // Newer API versions leave the charge's refunds unexpanded; then refund.created says it.
      const charge = object as { payment_intent?: string | null; refunds?: { data?: { id: string; amount: number; status?: string }[] } | null };
      const refunds = (charge.refunds?.data ?? []).filter((refund) => refund.status !== 'failed' && refund.status !== 'canceled');
      return { outcome: refunds.length ? { kind: 'refunded', refunds: refunds.map(({ id, amount }) => ({ id, amount })) } : { kind: 'ignored' }, intentId: charge.payment_intent ?? undefined, paymentId: undefined };
    }
    default:
      return { outcome: { kind: 'ignored' }, intentId: undefined, paymentId: undefined };
  }
};

const normalise = (event: Stripe.Event): GatewayEvent => {
  if (typeof event?.id !== 'string' || typeof event.type !== 'string' || typeof event.data?.object !== 'object' || event.data.object === null) {
    throw new WebhookRejectedError('The body is not a Stripe event.');
  }
  const { outcome, intentId, paymentId } = outcomeOf(event);
  return { id: event.id, type: event.type, occurredAt: new Date((event.created ?? 0) * 1000), intentId, paymentId, outcome };
};
