import { paymentEvents, type DomainEventOf, type PaymentStatus } from '@eventshop/sdk/contract';
import { HttpProblem, InvalidStateError, InvalidTransitionError, NotFoundError } from '../../infra/http/problems.js';
import type { ConfirmOutcome, GatewayEvent } from '../../infra/payments/gateway.js';
import { deciderFingerprint } from '../../infra/snapshots.js';

// ---- Events (schemas in the contract) ----

export type PaymentRequested = DomainEventOf<typeof paymentEvents.PaymentRequested>;
export type PaymentAuthorized = DomainEventOf<typeof paymentEvents.PaymentAuthorized>;
export type PaymentDeclined = DomainEventOf<typeof paymentEvents.PaymentDeclined>;
export type PaymentActionRequired = DomainEventOf<typeof paymentEvents.PaymentActionRequired>;
export type PaymentCaptured = DomainEventOf<typeof paymentEvents.PaymentCaptured>;
export type PaymentAuthorizationVoided = DomainEventOf<typeof paymentEvents.PaymentAuthorizationVoided>;
export type PaymentRefunded = DomainEventOf<typeof paymentEvents.PaymentRefunded>;
export type PaymentCancelled = DomainEventOf<typeof paymentEvents.PaymentCancelled>;
export type PaymentEvent =
  | PaymentRequested
  | PaymentAuthorized
  | PaymentDeclined
  | PaymentActionRequired
  | PaymentCaptured
  | PaymentAuthorizationVoided
  | PaymentRefunded
  | PaymentCancelled;

export const paymentEventTypes = Object.keys(paymentEvents) as PaymentEvent['type'][];

// ---- Commands: each carries its time, so deciding never reads a clock ----

export type RequestPayment = {
  type: 'RequestPayment';
  data: { paymentId: string; orderId: string; customerId: string; amount: number; currency: string; now: Date };
};
/** What our own confirm call to the gateway answered, for card attempt `attempt`. */
export type RecordConfirmOutcome = { type: 'RecordConfirmOutcome'; data: { attempt: number; outcome: ConfirmOutcome; now: Date } };
export type RecordCapture = { type: 'RecordCapture'; data: { amount: number; now: Date } };
/** Cancel before shipping: voids an authorisation, or closes a payment that holds nothing. */
export type RecordVoid = { type: 'RecordVoid'; data: { reason: string; now: Date } };
export type RecordRefund = { type: 'RecordRefund'; data: { refundId: string; amount: number; reason?: string | undefined; now: Date } };
/** A verified webhook: applied once per gateway event id, and in any order to the same end. */
export type ApplyGatewayEvent = { type: 'ApplyGatewayEvent'; data: { event: GatewayEvent; now: Date } };
export type PaymentCommand = RequestPayment | RecordConfirmOutcome | RecordCapture | RecordVoid | RecordRefund | ApplyGatewayEvent;

// ---- State ----

export type Decline = { code: string; declineCode: string | null; message: string };

export type OpenPayment = {
  status: PaymentStatus;
  paymentId: string;
  orderId: string;
  customerId: string;
  amount: number;
  currency: string;
  captured: number;
  refunded: number;
  intentId: string | null;
  /** Card attempts our own confirm calls recorded: the next one is attempts + 1. */
  attempts: number;
  lastDecline: Decline | null;
  /**
   * While no card has been authorised, the newest of the attempt outcomes (declined, action
   * required) wins, by when it was reported; an older one arriving late changes nothing.
   */
  lastReportKey: string;
  refundIds: string[];
  /** Gateway events already applied (newest last, at most WEBHOOKS_REMEMBERED): a redelivery is a no-op. */
  webhookEventIds: string[];
  createdAt: string;
};

export type Payment = { status: 'none' } | OpenPayment;

/** Stripe retries a delivery for days but each event's duplicates come close together; older ids age out. */
export const WEBHOOKS_REMEMBERED = 200;

export const initialState = (): Payment => ({ status: 'none' });

/** Before any money is held: a card may still be tried. */
const PRE_AUTHORIZATION: readonly PaymentStatus[] = ['requested', 'declined', 'action_required'];
const isPreAuthorization = (status: PaymentStatus) => PRE_AUTHORIZATION.includes(status);
const CAPTURED: readonly PaymentStatus[] = ['captured', 'partially_refunded', 'refunded'];

/** What each status allows, for the 409 that names it. */
export const ALLOWED_FROM: Record<PaymentStatus, readonly string[]> = {
  requested: ['confirm', 'cancel'],
  declined: ['confirm', 'cancel'],
  action_required: ['confirm', 'cancel'],
  authorized: ['capture', 'void'],
  captured: ['refund'],
  partially_refunded: ['refund'],
  refunded: [],
  voided: [],
  cancelled: [],
};

const invalidTransition = (payment: OpenPayment, action: string) =>
  new InvalidTransitionError(`payment ${payment.paymentId}`, payment.status, action, ALLOWED_FROM[payment.status]);

const reportKey = (at: string, source: string | undefined) => `${at}|${source ?? '~'}`;

const withWebhook = (state: OpenPayment, id: string | undefined): string[] =>
  id === undefined || state.webhookEventIds.includes(id) ? state.webhookEventIds : [...state.webhookEventIds, id].slice(-WEBHOOKS_REMEMBERED);

export const evolve = (state: Payment, event: PaymentEvent): Payment => {
  if (event.type === 'PaymentRequested') {
    const { paymentId, orderId, customerId, amount, currency, requestedAt } = event.data;
    return {
      status: 'requested',
      paymentId,
      orderId,
      customerId,
      amount,
      currency,
      captured: 0,
      refunded: 0,
      intentId: null,
      attempts: 0,
      lastDecline: null,
      lastReportKey: '',
      refundIds: [],
      webhookEventIds: [],
      createdAt: requestedAt,
    };
  }
  if (state.status === 'none') return state;
  const webhookEventIds = withWebhook(state, event.data.webhookEventId);
  const attempts = 'attempt' in event.data && event.data.attempt !== undefined ? Math.max(state.attempts, event.data.attempt) : state.attempts;
  switch (event.type) {
    case 'PaymentAuthorized':
      return { ...state, status: 'authorized', intentId: event.data.intentId, attempts, lastDecline: null, lastReportKey: '', webhookEventIds };
    case 'PaymentDeclined': {
      const { intentId, code, declineCode, message, reportedAt, webhookEventId } = event.data;
      return {
        ...state,
        status: 'declined',
        intentId: intentId ?? state.intentId,
        attempts,
        lastDecline: { code, declineCode: declineCode ?? null, message },
        lastReportKey: reportKey(reportedAt, webhookEventId),
        webhookEventIds,
      };
    }
    case 'PaymentActionRequired':
      return {
        ...state,
        status: 'action_required',
        intentId: event.data.intentId,
        attempts,
        lastDecline: null,
        lastReportKey: reportKey(event.data.reportedAt, event.data.webhookEventId),
        webhookEventIds,
      };
    case 'PaymentCaptured':
      return { ...state, status: 'captured', captured: event.data.amount, lastDecline: null, lastReportKey: '', webhookEventIds };
    case 'PaymentAuthorizationVoided':
      return { ...state, status: 'voided', webhookEventIds };
    case 'PaymentRefunded': {
      const refunded = state.refunded + event.data.amount;
      return {
        ...state,
        status: refunded >= state.captured ? 'refunded' : 'partially_refunded',
        refunded,
        refundIds: [...state.refundIds, event.data.refundId],
        webhookEventIds,
      };
    }
    case 'PaymentCancelled':
      return { ...state, status: 'cancelled', webhookEventIds };
    default: {
      const _exhaustive: never = event;
      return state;
    }
  }
};

// ---- Problems a client can cause, in plain words ----

export class RefundExceedsCapturedError extends HttpProblem {
  constructor(requested: number, refundable: number) {
    super(409, 'refund_exceeds_captured', 'That refund is larger than what is left', `${requested} requested, ${refundable} left to refund.`, { refundable });
  }
}

// ---- Guards: the handlers ask them before calling the gateway, and decide asks them again ----

export const open = (state: Payment, paymentId?: string): OpenPayment => {
  if (state.status === 'none') throw new NotFoundError('Payment', paymentId);
  return state;
};

export const mustBeConfirmable = (payment: OpenPayment) => {
  if (!isPreAuthorization(payment.status)) throw invalidTransition(payment, 'confirm');
};

/** False when there is nothing left to do (captured already); throws when capture is not allowed. */
export const needsCapture = (payment: OpenPayment): boolean => {
  if (CAPTURED.includes(payment.status)) return false;
  if (payment.status !== 'authorized') throw invalidTransition(payment, 'capture');
  return true;
};

/** What cancelling before shipping does now: void the hold, close a payment holding nothing, or nothing (closed already). */
export const voidAction = (payment: OpenPayment): 'void' | 'close' | 'none' => {
  if (payment.status === 'authorized') return 'void';
  if (isPreAuthorization(payment.status)) return 'close';
  if (payment.status === 'voided' || payment.status === 'cancelled') return 'none';
  throw invalidTransition(payment, 'void');
};

export const refundable = (payment: OpenPayment): number => {
  if (payment.status !== 'captured' && payment.status !== 'partially_refunded') throw invalidTransition(payment, 'refund');
  return payment.captured - payment.refunded;
};

// ---- Decisions ----

const request = ({ data }: RequestPayment, state: Payment): PaymentEvent[] => {
  // The same order asking again gets the payment it has.
  if (state.status !== 'none') return [];
  const { paymentId, orderId, customerId, amount, currency, now } = data;
  return [{ type: 'PaymentRequested', data: { paymentId, orderId, customerId, amount, currency, requestedAt: now.toISOString() } }];
};

const routing = (payment: OpenPayment) => ({ paymentId: payment.paymentId, orderId: payment.orderId });

const recordConfirmOutcome = ({ data }: RecordConfirmOutcome, state: Payment): PaymentEvent[] => {
  const payment = open(state);
  // A webhook (or a void) got here first: the payment has moved on, and says so itself.
  if (!isPreAuthorization(payment.status)) return [];
  const at = data.now.toISOString();
  const { outcome, attempt } = data;
  switch (outcome.status) {
    case 'authorized':
      return [{ type: 'PaymentAuthorized', data: { ...routing(payment), intentId: outcome.intentId, amount: outcome.amount, attempt, authorizedAt: at } }];
    case 'action_required':
      return [{ type: 'PaymentActionRequired', data: { ...routing(payment), intentId: outcome.intentId, attempt, reportedAt: at } }];
    case 'declined':
      return [
        {
          type: 'PaymentDeclined',
          data: {
            ...routing(payment),
            intentId: outcome.intentId,
            code: outcome.code,
            ...(outcome.declineCode ? { declineCode: outcome.declineCode } : {}),
            message: outcome.message,
            attempt,
            reportedAt: at,
          },
        },
      ];
  }
};

const recordCapture = ({ data }: RecordCapture, state: Payment): PaymentEvent[] => {
  const payment = open(state);
  if (!needsCapture(payment)) return [];
  return [{ type: 'PaymentCaptured', data: { ...routing(payment), amount: data.amount, capturedAt: data.now.toISOString() } }];
};

const recordVoid = ({ data }: RecordVoid, state: Payment): PaymentEvent[] => {
  const payment = open(state);
  const at = data.now.toISOString();
  switch (voidAction(payment)) {
    case 'void':
      return [{ type: 'PaymentAuthorizationVoided', data: { ...routing(payment), voidedAt: at } }];
    case 'close':
      return [{ type: 'PaymentCancelled', data: { ...routing(payment), reason: data.reason, cancelledAt: at } }];
    case 'none':
      return [];
  }
};

const recordRefund = ({ data }: RecordRefund, state: Payment): PaymentEvent[] => {
  const payment = open(state);
  // The gateway answered this refund before (a retried step, or its webhook came first).
  if (payment.refundIds.includes(data.refundId)) return [];
  const left = refundable(payment);
  if (data.amount > left) throw new RefundExceedsCapturedError(data.amount, left);
  return [
    {
      type: 'PaymentRefunded',
      data: { ...routing(payment), refundId: data.refundId, amount: data.amount, ...(data.reason ? { reason: data.reason } : {}), refundedAt: data.now.toISOString() },
    },
  ];
};

/**
 * A webhook's outcome, merged so that any order of deliveries ends in the same state: the
 * statuses only move forward (an attempt's outcome < authorised < captured), a later stage
 * implies the earlier ones (a capture reported before its authorisation records both), refunds
 * are a set keyed by refund id, and between attempt outcomes the newest report wins.
 */
const applyGatewayEvent = ({ data }: ApplyGatewayEvent, state: Payment): PaymentEvent[] => {
  const payment = open(state);
  const { event } = data;
  if (payment.webhookEventIds.includes(event.id)) return [];
  const at = data.now.toISOString();
  const webhookEventId = event.id;
  const intentId = event.intentId ?? payment.intentId ?? '';
  const authorized = (amount: number): PaymentAuthorized => ({ type: 'PaymentAuthorized', data: { ...routing(payment), intentId, amount, webhookEventId, authorizedAt: at } });
  const captured = (amount: number): PaymentCaptured => ({ type: 'PaymentCaptured', data: { ...routing(payment), amount, webhookEventId, capturedAt: at } });
  /** The events that bring a payment not yet captured up to captured. */
  const upToCaptured = (amount: number): PaymentEvent[] | undefined =>
    isPreAuthorization(payment.status) ? [authorized(payment.amount), captured(amount)] : payment.status === 'authorized' ? [captured(amount)] : undefined;
  const { outcome } = event;
  switch (outcome.kind) {
    case 'authorized':
      return isPreAuthorization(payment.status) ? [authorized(outcome.amount)] : [];
    case 'captured':
      return upToCaptured(outcome.amount) ?? [];
    case 'declined':
    case 'action_required': {
      const reportedAt = event.occurredAt.toISOString();
      if (!isPreAuthorization(payment.status) || reportKey(reportedAt, webhookEventId) <= payment.lastReportKey) return [];
      if (outcome.kind === 'action_required') {
        return [{ type: 'PaymentActionRequired', data: { ...routing(payment), intentId, webhookEventId, reportedAt } }];
      }
      const { code, declineCode, message } = outcome;
      return [
        {
          type: 'PaymentDeclined',
          data: { ...routing(payment), ...(event.intentId ? { intentId: event.intentId } : {}), code, ...(declineCode ? { declineCode } : {}), message, webhookEventId, reportedAt },
        },
      ];
    }
    case 'canceled':
      if (isPreAuthorization(payment.status)) return [{ type: 'PaymentCancelled', data: { ...routing(payment), reason: 'Cancelled at the payment gateway', webhookEventId, cancelledAt: at } }];
      if (payment.status === 'authorized') return [{ type: 'PaymentAuthorizationVoided', data: { ...routing(payment), webhookEventId, voidedAt: at } }];
      return [];
    case 'refunded': {
      const fresh = outcome.refunds.filter((refund) => !payment.refundIds.includes(refund.id));
      if (fresh.length === 0 || payment.status === 'voided' || payment.status === 'cancelled') return [];
      // A refund means the payment was captured; we always capture the whole authorised amount.
      const before = upToCaptured(payment.amount) ?? [];
      return [
        ...before,
        ...fresh.map((refund): PaymentRefunded => ({ type: 'PaymentRefunded', data: { ...routing(payment), refundId: refund.id, amount: refund.amount, webhookEventId, refundedAt: at } })),
      ];
    }
    case 'ignored':
      return [];
  }
};

export const decide = (command: PaymentCommand, state: Payment): PaymentEvent[] => {
  switch (command.type) {
    case 'RequestPayment':
      return request(command, state);
    case 'RecordConfirmOutcome':
      return recordConfirmOutcome(command, state);
    case 'RecordCapture':
      return recordCapture(command, state);
    case 'RecordVoid':
      return recordVoid(command, state);
    case 'RecordRefund':
      return recordRefund(command, state);
    case 'ApplyGatewayEvent':
      return applyGatewayEvent(command, state);
    default: {
      const _exhaustive: never = command;
      throw new InvalidStateError(`Unknown command ${(_exhaustive as PaymentCommand).type}`);
    }
  }
};

// evolve never changes the state it is given, so the state after a command may be kept warm.
export const paymentDecider = { decide, evolve, initialState, snapshotFingerprint: deciderFingerprint(evolve, initialState, withWebhook, reportKey), keepsStateWarm: true };

export const paymentStreamName = (paymentId: string) => `payment-${paymentId}`;
