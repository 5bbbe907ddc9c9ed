import { HttpProblem } from '../http/problems.js';

/**
 * The port every payment gateway adapter implements (stripe, simulated). Amounts are integer minor
 * units. Each call that changes something takes our payment id and the step it belongs to; the
 * adapter derives the gateway's idempotency key from both (`<paymentId>:<step>`), so a step that
 * is retried after a crash or a timeout reaches the gateway as the same request and can never
 * charge, capture or refund twice.
 */
export type PaymentGateway = {
  readonly name: 'stripe' | 'simulated';
  /** A PaymentIntent that authorises on confirm and waits for capture (Stripe `capture_method: 'manual'`). */
  createIntent(input: { paymentId: string; orderId: string; amount: number; currency: string; step: string }): Promise<{ intentId: string }>;
  /** Tries a card on the intent; a refusal is an outcome (`declined`), not an error. */
  confirmIntent(input: { paymentId: string; intentId: string; paymentMethod: string; step: string }): Promise<ConfirmOutcome>;
  /** Charges what was authorised. Capturing a captured intent answers its captured amount. */
  captureIntent(input: { paymentId: string; intentId: string; step: string }): Promise<{ amount: number }>;
  /** Releases the authorisation (void), or closes an intent that never authorised. Cancelling a cancelled intent is a no-op. */
  cancelIntent(input: { paymentId: string; intentId: string; step: string }): Promise<void>;
  refund(input: { paymentId: string; intentId: string; amount: number; step: string }): Promise<{ refundId: string; amount: number }>;
  createPaymentMethod(input: { token: string; idempotencyKey: string }): Promise<PaymentMethod>;
  /**
   * Verifies a webhook's signature and age (300 s) and reads it into a gateway event. Throws
   * `WebhookRejectedError` before anything is read from an unverified body.
   */
  parseWebhook(rawBody: string | Buffer, signature: string | undefined, receivedAt: Date): GatewayEvent;
  /** Where an adapter that produces its own webhooks (the simulated one) delivers them. */
  deliverWebhooksTo?(sink: WebhookSink): void;
  /** Waits for work in flight (webhook deliveries) and stops. */
  close?(): Promise<void>;
};

export type ConfirmOutcome =
  | { status: 'authorized'; intentId: string; amount: number }
  | { status: 'declined'; intentId: string; code: string; declineCode?: string; message: string }
  | { status: 'action_required'; intentId: string };

export type PaymentMethod = { id: string; brand: string; last4: string };

/** A verified webhook, in our words: what happened to which intent, and which of our payments it is (from the intent's metadata). */
export type GatewayEvent = {
  /** The gateway's event id (`evt_...`): the same delivery twice carries the same id. */
  id: string;
  /** The gateway's own event type, for logs. */
  type: string;
  occurredAt: Date;
  paymentId: string | undefined;
  intentId: string | undefined;
  outcome: GatewayOutcome;
};

export type GatewayOutcome =
  | { kind: 'authorized'; amount: number }
  | { kind: 'captured'; amount: number }
  | { kind: 'declined'; code: string; declineCode?: string; message: string }
  | { kind: 'action_required' }
  | { kind: 'canceled' }
  | { kind: 'refunded'; refunds: { id: string; amount: number }[] }
  | { kind: 'ignored' };

/** Receives a webhook as the HTTP route would: the exact body and its signature header. */
export type WebhookSink = (rawBody: string, signature: string) => Promise<void>;

/** Seconds a client is told to wait when nothing is known about the gateway's recovery. */
export const DEFAULT_GATEWAY_RETRY_AFTER_SECONDS = 5;

/**
 * The gateway cannot be reached or keeps failing (or the circuit breaker is open because it did).
 * Clients get 503 with Retry-After; the fulfillment process leaves its step pending and retries.
 */
export const GATEWAY_UNAVAILABLE_TITLE = 'The payment gateway is unavailable';

export class GatewayUnavailableError extends HttpProblem {
  constructor(readonly retryAfterSeconds: number = DEFAULT_GATEWAY_RETRY_AFTER_SECONDS, cause?: string) {
    super(
      503,
      'gateway_unavailable',
      GATEWAY_UNAVAILABLE_TITLE,
      `${cause ? `${cause} ` : ''}Nothing was charged twice; retry in ${retryAfterSeconds} s.`,
      {},
      { 'retry-after': String(retryAfterSeconds) },
    );
  }
}

/** The gateway refused a request a client caused (an unknown payment method or token). */
export class GatewayRefusedError extends HttpProblem {
  constructor(code: string, detail: string) {
    super(400, code, 'The payment gateway refused the request', detail);
  }
}

/** A webhook whose signature, age or body did not verify: answered 400, and nothing is recorded. */
export class WebhookRejectedError extends HttpProblem {
  constructor(detail: string) {
    super(400, 'webhook_rejected', 'The webhook could not be verified', detail);
  }
}

/** The idempotency key of one step of one payment: the same step always sends the same key. */
export const idempotencyKeyOf = (paymentId: string, step: string) => `${paymentId}:${step}`;
