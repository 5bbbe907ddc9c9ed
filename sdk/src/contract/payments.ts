import { z } from 'zod';
import { Currency, Id, Money, Timestamp } from './common.js';
import { eventType } from './event.js';
import { operation } from './operation.js';

/**
 * An order's payment: authorised when the customer confirms it with a card, captured when the
 * order ships (Stripe manual capture), voided when the order is cancelled before shipping, and
 * refunded (in full or in parts) after. Amounts are the order's, in minor units; never a client's.
 */
export const PaymentStatus = z
  .enum(['requested', 'action_required', 'declined', 'authorized', 'captured', 'partially_refunded', 'refunded', 'voided', 'cancelled'])
  .describe(
    'requested: waiting for a card; action_required: the bank asks the customer to authenticate (3-D Secure); declined: the last card was refused, another may be tried; ' +
      'authorized: the amount is held on the card; captured: charged; partially_refunded / refunded: money went back; voided: the hold was released before capture; cancelled: closed before any authorisation',
  );
export type PaymentStatus = z.infer<typeof PaymentStatus>;

const PaymentId = Id.describe('The payment');
// Payments are for this shop's own orders, whose ids are UUIDs (inventory takes a partner's own ids too).
const OrderId = Id.describe('The order the payment is for');
const MinorUnits = Money.shape.amount;
const PaymentMethodId = z
  .string()
  .regex(/^pm_[A-Za-z0-9_]{1,100}$/, 'Use a payment method id from the gateway, such as pm_card_visa')
  .describe('A payment method id from Stripe (or one of Stripe’s test methods: pm_card_visa, pm_card_chargeDeclined, pm_card_authenticationRequired)')
  .meta({ examples: ['pm_card_visa'] });
const Reason = z.string().min(1).max(500).describe('Why, in words for the history');

export const PaymentDecline = z
  .object({
    code: z.string().describe('The gateway’s error code (card_declined, expired_card, ...)'),
    declineCode: z.string().nullable().describe('The bank’s reason when it gave one (insufficient_funds, ...)'),
    message: z.string().describe('What to tell the customer'),
  })
  .describe('Why the last card was refused');

export const PaymentView = z
  .object({
    id: PaymentId,
    orderId: z.string(),
    customerId: z.string().describe('The customer who pays'),
    status: PaymentStatus,
    amount: MinorUnits.describe('The order’s amount, in minor units'),
    currency: Currency,
    captured: z.number().int().describe('Charged so far, in minor units'),
    refunded: z.number().int().describe('Refunded so far, in minor units'),
    intentId: z.string().nullable().describe('The gateway’s PaymentIntent, once a card was tried'),
    lastDecline: PaymentDecline.nullable().describe('Why the last card was refused, while the payment is declined'),
    version: z.number().int().describe('Stream version'),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .describe('A payment of one order');
export type PaymentView = z.infer<typeof PaymentView>;

export const PaymentMethodView = z
  .object({
    id: z.string().describe('Pass it as paymentMethod to confirm a payment'),
    brand: z.string().describe('Card brand (visa, mastercard, ...)'),
    last4: z.string().describe('Last four digits of the card'),
  })
  .describe('A card the gateway holds; the card number itself never reaches this server');

export const WebhookReceipt = z
  .object({
    received: z.literal(true),
    applied: z.boolean().describe('false when the event was a duplicate, stale, or not about one of our payments'),
  })
  .describe('Stripe is answered 2xx once the event is verified and recorded, so it stops retrying');

const paymentColumns = ['id', 'orderId', 'status', 'amount', 'currency', 'captured', 'refunded'] as const;
const paymentIdInput = { paymentId: PaymentId };

const gatewayUnavailable = 'The payment gateway is failing or its circuit breaker is open; retry after Retry-After (nothing was charged twice: every gateway call carries an idempotency key)';

export const paymentOperations = {
  'payments.create': operation({
    id: 'payments.create',
    method: 'POST',
    path: '/api/payments',
    kind: 'command',
    auth: 'customer',
    summary: 'Open the payment of an order',
    description:
      'Opens the payment of one of your orders once its stock is held (status `awaiting_payment`), for the order’s amount and currency (a client never sets an amount). Asking again answers the same payment, also after the order was paid. Then confirm it with a card.',
    input: z.object({ orderId: OrderId }).strict(),
    output: PaymentView,
    successStatus: 201,
    errors: { 404: 'You have no order with that id', 409: 'The order cannot be paid now: a draft, still reserving its stock, or cancelled (see `detail` and `orderStatus`)' },
    tableColumns: paymentColumns,
  }),
  'payments.confirm': operation({
    id: 'payments.confirm',
    method: 'POST',
    path: '/api/payments/:paymentId/stripe',
    kind: 'command',
    auth: 'customer',
    summary: 'Pay with a card',
    description:
      'Authorises the payment’s amount on a card (it is captured when the order ships). Answers the outcome: `authorized`, `declined` (with `lastDecline`; try another card), or `action_required` (the bank wants the customer to authenticate).',
    input: z.object({ ...paymentIdInput, paymentMethod: PaymentMethodId }).strict(),
    output: PaymentView,
    errors: { 409: 'The payment is not waiting for a card (`invalid_transition` names its status)', 503: gatewayUnavailable },
    tableColumns: paymentColumns,
  }),
  'payments.status': operation({
    id: 'payments.status',
    method: 'GET',
    path: '/api/payments/:paymentId/status',
    kind: 'query',
    auth: 'customer',
    summary: 'Get a payment',
    description: 'The payment as its customer, or an admin, sees it.',
    input: z.object(paymentIdInput).strict(),
    output: PaymentView,
    tableColumns: paymentColumns,
  }),
  'payments.refund': operation({
    id: 'payments.refund',
    method: 'POST',
    path: '/api/payments/:paymentId/refund',
    kind: 'command',
    auth: 'admin',
    summary: 'Refund a payment',
    description: 'Gives back part of the captured amount, or all that is left when `amount` is omitted. Refunds add up to the captured amount at most.',
    input: z
      .object({
        ...paymentIdInput,
        amount: MinorUnits.min(1).optional().describe('Minor units to give back; all that is left when omitted'),
        reason: Reason.optional().meta({ examples: ['Returned by the customer'] }),
      })
      .strict(),
    output: PaymentView,
    errors: { 409: 'Nothing captured to refund, or more than is left (`invalid_transition`, `refund_exceeds_captured`)', 503: gatewayUnavailable },
    confirm: 'Refund this payment? The money goes back to the customer’s card.',
    tableColumns: paymentColumns,
  }),
  'payments.cancel': operation({
    id: 'payments.cancel',
    method: 'POST',
    path: '/api/payments/:paymentId/cancel',
    kind: 'command',
    auth: 'customer',
    summary: 'Cancel a payment',
    description:
      'Closes a payment that holds no money yet (requested, declined or waiting for authentication). An admin may also cancel an authorised one, which voids the hold on the card; a customer cancels the order instead.',
    input: z.object({ ...paymentIdInput, reason: Reason.optional().meta({ examples: ['Changed my mind'] }) }).strict(),
    output: PaymentView,
    errors: { 409: 'Captured or closed already (`invalid_transition` names its status)', 503: gatewayUnavailable },
    tableColumns: paymentColumns,
  }),
  'payments.createPaymentMethod': operation({
    id: 'payments.createPaymentMethod',
    method: 'POST',
    path: '/api/payments/stripe/payment-method',
    kind: 'command',
    auth: 'customer',
    summary: 'Turn a card token into a payment method',
    description:
      'Makes a payment method from a card token (`cardToken`) that Stripe.js (or Stripe’s test tokens: tok_visa, tok_chargeDeclined, tok_chargeDeclinedInsufficientFunds, tok_authenticationRequired) gave you. Card numbers never reach this server.',
    input: z
      .object({
        // Not `token`: shopctl's --token is the caller's credential.
        cardToken: z
          .string()
          .regex(/^tok_[A-Za-z0-9_]{1,100}$/, 'Use a card token from Stripe.js, such as tok_visa')
          .describe('A card token')
          .meta({ examples: ['tok_visa'] }),
      })
      .strict(),
    output: PaymentMethodView,
    errors: { 400: 'Invalid input, or the gateway does not know the token', 503: gatewayUnavailable },
    cliName: 'payment-method',
    tableColumns: ['id', 'brand', 'last4'],
  }),
  'payments.webhook': operation({
    id: 'payments.webhook',
    method: 'POST',
    path: '/api/payments/stripe/webhook',
    kind: 'command',
    auth: 'public',
    summary: 'Receive a Stripe webhook',
    description:
      'Where Stripe delivers payment events. The body must be exactly the bytes Stripe signed, with its `Stripe-Signature` header; a bad signature, or one older than 300 s, is 400 and changes nothing. The same event delivered twice is applied once.',
    input: z.object({}).strict(),
    output: WebhookReceipt,
    rawBody: { signatureHeader: 'Stripe-Signature', body: 'A Stripe event (`{ id, type, created, data: { object } }`), exactly the bytes Stripe signed' },
    errors: { 400: 'Missing or bad Stripe-Signature, a timestamp older than 300 s, or a body that is not a Stripe event; nothing was changed' },
  }),
} as const;

// ---- Events: every one names its payment and order, so the fulfillment process can route it ----

const paymentEvent = <const Type extends string, Data extends z.ZodObject>(type: Type, description: string, data: Data) =>
  eventType({ type, module: 'payments', streamType: 'payment', description, data });

const routing = { paymentId: Id, orderId: z.string().describe('The order it pays') };
/** Set when a verified Stripe webhook caused the event: duplicates of that delivery are recognised by it. */
const webhookEventId = z.string().optional().describe('The Stripe event (evt_...) that reported it, when a webhook did');
const attempt = z.number().int().optional().describe('Which card attempt (1, 2, ...) it answers, when known');

export const paymentEvents = {
  PaymentRequested: paymentEvent(
    'PaymentRequested',
    'An order’s payment was opened for the order’s amount.',
    z.object({ ...routing, customerId: z.string(), amount: MinorUnits, currency: Currency, requestedAt: Timestamp }),
  ),
  PaymentAuthorized: paymentEvent(
    'PaymentAuthorized',
    'The card holds the amount (not charged until captured).',
    z.object({ ...routing, intentId: z.string(), amount: MinorUnits, attempt, webhookEventId, authorizedAt: Timestamp }),
  ),
  PaymentDeclined: paymentEvent(
    'PaymentDeclined',
    'A card was refused; the customer may try another.',
    z.object({
      ...routing,
      intentId: z.string().optional(),
      code: z.string(),
      declineCode: z.string().optional(),
      message: z.string(),
      attempt,
      webhookEventId,
      /** Orders outcomes of attempts that arrive out of order (Stripe's event time, or ours). */
      reportedAt: Timestamp,
    }),
  ),
  PaymentActionRequired: paymentEvent(
    'PaymentActionRequired',
    'The bank asks the customer to authenticate (3-D Secure) before it authorises.',
    z.object({ ...routing, intentId: z.string(), attempt, webhookEventId, reportedAt: Timestamp }),
  ),
  PaymentCaptured: paymentEvent(
    'PaymentCaptured',
    'The authorised amount was charged (when the order shipped).',
    z.object({ ...routing, amount: MinorUnits, webhookEventId, capturedAt: Timestamp }),
  ),
  PaymentAuthorizationVoided: paymentEvent(
    'PaymentAuthorizationVoided',
    'The hold on the card was released before capture (the order was cancelled before shipping).',
    z.object({ ...routing, webhookEventId, voidedAt: Timestamp }),
  ),
  PaymentRefunded: paymentEvent(
    'PaymentRefunded',
    'Money went back to the customer’s card, in full or in part.',
    z.object({ ...routing, refundId: z.string(), amount: MinorUnits, reason: z.string().optional(), webhookEventId, refundedAt: Timestamp }),
  ),
  PaymentCancelled: paymentEvent(
    'PaymentCancelled',
    'The payment was closed before any amount was authorised.',
    z.object({ ...routing, reason: z.string(), webhookEventId, cancelledAt: Timestamp }),
  ),
} as const;
