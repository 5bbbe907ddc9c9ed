import { DeciderSpecification } from '@event-driven-io/emmett';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NotFoundError } from '../../infra/http/problems.js';
import type { GatewayEvent, GatewayOutcome } from '../../infra/payments/gateway.js';
import { decide, evolve, initialState, paymentDecider, RefundExceedsCapturedError, type Payment, type PaymentCommand, type PaymentEvent } from './payments.js';

const given = DeciderSpecification.for(paymentDecider);
const now = new Date('2026-11-24T12:00:00.000Z');
const at = now.toISOString();
const paymentId = '3f1c2a4e-7b9d-4e8a-9c1f-2d3e4f5a6b7c';
const orderId = 'order-1001';
const customerId = 'c0ffee00-7b9d-4e8a-9c1f-2d3e4f5a6b7c';
const intentId = 'pi_1';
const routing = { paymentId, orderId };

const requested: PaymentEvent = { type: 'PaymentRequested', data: { ...routing, customerId, amount: 5000, currency: 'USD', requestedAt: at } };
const authorized = (attempt?: number): PaymentEvent => ({ type: 'PaymentAuthorized', data: { ...routing, intentId, amount: 5000, ...(attempt ? { attempt } : {}), authorizedAt: at } });
const declined = (attempt = 1): PaymentEvent => ({
  type: 'PaymentDeclined',
  data: { ...routing, intentId, code: 'card_declined', declineCode: 'insufficient_funds', message: 'Your card has insufficient funds.', attempt, reportedAt: at },
});
const actionRequired = (attempt = 1): PaymentEvent => ({ type: 'PaymentActionRequired', data: { ...routing, intentId, attempt, reportedAt: at } });
const captured: PaymentEvent = { type: 'PaymentCaptured', data: { ...routing, amount: 5000, capturedAt: at } };
const refunded = (refundId: string, amount: number, reason?: string): PaymentEvent => ({
  type: 'PaymentRefunded',
  data: { ...routing, refundId, amount, ...(reason ? { reason } : {}), refundedAt: at },
});
const voided: PaymentEvent = { type: 'PaymentAuthorizationVoided', data: { ...routing, voidedAt: at } };
const cancelled = (reason = 'The order was cancelled'): PaymentEvent => ({ type: 'PaymentCancelled', data: { ...routing, reason, cancelledAt: at } });

const request: PaymentCommand = { type: 'RequestPayment', data: { ...routing, customerId, amount: 5000, currency: 'USD', now } };
const confirmed = (outcome: Extract<PaymentCommand, { type: 'RecordConfirmOutcome' }>['data']['outcome'], attempt = 1): PaymentCommand => ({
  type: 'RecordConfirmOutcome',
  data: { attempt, outcome, now },
});
const good = { status: 'authorized', intentId, amount: 5000 } as const;
const bad = { status: 'declined', intentId, code: 'card_declined', declineCode: 'insufficient_funds', message: 'Your card has insufficient funds.' } as const;
const capture: PaymentCommand = { type: 'RecordCapture', data: { amount: 5000, now } };
const voidIt: PaymentCommand = { type: 'RecordVoid', data: { reason: 'The order was cancelled', now } };
const refund = (refundId: string, amount: number, reason?: string): PaymentCommand => ({ type: 'RecordRefund', data: { refundId, amount, reason, now } });
const webhook = (id: string, outcome: GatewayOutcome, occurredAt = now): PaymentCommand => ({
  type: 'ApplyGatewayEvent',
  data: { event: { id, type: 'test', occurredAt, paymentId, intentId, outcome }, now },
});
const invalidTransition = (status: string) => (error: unknown) =>
  (error as { code?: string; extra?: { currentStatus?: string } }).code === 'invalid_transition' && (error as { extra: { currentStatus: string } }).extra.currentStatus === status;

describe('payment decider', () => {
  describe('when there is no payment', () => {
    it('opens one for the order’s amount', () => given([]).when(request).then([requested]));
    it('refuses anything else as not found', () => given([]).when(capture).thenThrows((error) => error instanceof NotFoundError));
  });

  describe('when requested', () => {
    it('answers a second request with the payment it has', () => given([requested]).when(request).then([]));
    it('records a good card as authorised', () => given([requested]).when(confirmed(good)).then([authorized(1)]));
    it('records a refused card as declined, with the bank’s reason', () => given([requested]).when(confirmed(bad)).then([declined(1)]));
    it('records a card that needs authentication', () => given([requested]).when(confirmed({ status: 'action_required', intentId })).then([actionRequired(1)]));
    it('closes without a hold to void', () => given([requested]).when(voidIt).then([cancelled()]));
    it('refuses to capture, naming its status', () => given([requested]).when(capture).thenThrows(invalidTransition('requested')));
    it('refuses to refund', () => given([requested]).when(refund('re_1', 100)).thenThrows(invalidTransition('requested')));
  });

  describe('when declined', () => {
    it('takes another card', () => given([requested, declined(1)]).when(confirmed(good, 2)).then([authorized(2)]));
    it('can be declined again', () => given([requested, declined(1)]).when(confirmed(bad, 2)).then([declined(2)]));
    it('closes', () => given([requested, declined(1)]).when(voidIt).then([cancelled()]));
    it('refuses to capture', () => given([requested, declined(1)]).when(capture).thenThrows(invalidTransition('declined')));
  });

  describe('when authentication is required', () => {
    it('is authorised once the bank says so (a webhook)', () =>
      given([requested, actionRequired(1)]).when(webhook('evt_auth', { kind: 'authorized', amount: 5000 })).then([
        { type: 'PaymentAuthorized', data: { ...routing, intentId, amount: 5000, webhookEventId: 'evt_auth', authorizedAt: at } },
      ]));
    it('takes another card', () => given([requested, actionRequired(1)]).when(confirmed(good, 2)).then([authorized(2)]));
  });

  describe('when authorised', () => {
    const history = [requested, authorized(1)];
    it('captures', () => given(history).when(capture).then([captured]));
    it('voids the hold', () => given(history).when(voidIt).then([voided]));
    it('ignores a confirm outcome that arrives after the authorisation', () => given(history).when(confirmed(bad)).then([]));
    it('refuses to refund before capture', () => given(history).when(refund('re_1', 100)).thenThrows(invalidTransition('authorized')));
  });

  describe('when captured', () => {
    const history = [requested, authorized(1), captured];
    it('capturing again changes nothing', () => given(history).when(capture).then([]));
    it('refunds part', () => given(history).when(refund('re_1', 2000, 'Returned')).then([refunded('re_1', 2000, 'Returned')]));
    it('refunds all', () => given(history).when(refund('re_1', 5000)).then([refunded('re_1', 5000)]));
    it('never refunds more than was captured', () => given(history).when(refund('re_1', 5001)).thenThrows((error) => error instanceof RefundExceedsCapturedError));
    it('refuses to void: the money is taken, refund it instead', () => given(history).when(voidIt).thenThrows(invalidTransition('captured')));
    it('refuses another card', () => given(history).when(confirmed(good, 2)).then([]));
  });

  describe('when partially refunded', () => {
    const history = [requested, authorized(1), captured, refunded('re_1', 2000)];
    it('refunds again, up to what is left', () => given(history).when(refund('re_2', 3000)).then([refunded('re_2', 3000)]));
    it('refuses more than is left', () => given(history).when(refund('re_2', 3001)).thenThrows((error) => error instanceof RefundExceedsCapturedError));
    it('records a refund the gateway answered twice once', () => given(history).when(refund('re_1', 2000)).then([]));
    it('is refunded once the refunds add up to the capture', () => {
      const state = [...history, refunded('re_2', 3000)].reduce(evolve, initialState());
      expect(state).toMatchObject({ status: 'refunded', captured: 5000, refunded: 5000 });
    });
  });

  describe('when refunded in full', () => {
    const history = [requested, authorized(1), captured, refunded('re_1', 5000)];
    it('refuses another refund', () => given(history).when(refund('re_2', 1)).thenThrows(invalidTransition('refunded')));
  });

  describe('when voided or cancelled', () => {
    it('voiding again changes nothing', () => given([requested, authorized(1), voided]).when(voidIt).then([]));
    it('closing again changes nothing', () => given([requested, cancelled()]).when(voidIt).then([]));
    it('refuses to capture a voided hold', () => given([requested, authorized(1), voided]).when(capture).thenThrows(invalidTransition('voided')));
    it('ignores a late authorisation', () => given([requested, cancelled()]).when(webhook('evt_late', { kind: 'authorized', amount: 5000 })).then([]));
  });

  describe('webhooks', () => {
    it('applies the same event once', () =>
      given([requested, { type: 'PaymentAuthorized', data: { ...routing, intentId, amount: 5000, webhookEventId: 'evt_1', authorizedAt: at } }])
        .when(webhook('evt_1', { kind: 'authorized', amount: 5000 }))
        .then([]));
    it('records a capture reported before its authorisation as both', () =>
      given([requested]).when(webhook('evt_cap', { kind: 'captured', amount: 5000 })).then([
        { type: 'PaymentAuthorized', data: { ...routing, intentId, amount: 5000, webhookEventId: 'evt_cap', authorizedAt: at } },
        { type: 'PaymentCaptured', data: { ...routing, amount: 5000, webhookEventId: 'evt_cap', capturedAt: at } },
      ]));
    it('ignores a decline that arrives after the authorisation', () =>
      given([requested, authorized(1)]).when(webhook('evt_fail', { kind: 'declined', code: 'card_declined', message: 'No' })).then([]));
    it('keeps the newer of two attempt outcomes, whichever arrives last', () => {
      const older = webhook('evt_a', { kind: 'declined', code: 'card_declined', message: 'No' }, new Date('2026-11-24T11:59:00.000Z'));
      const newer = webhook('evt_b', { kind: 'action_required' }, new Date('2026-11-24T11:59:30.000Z'));
      expect(run([older, newer]).status).toBe('action_required');
      expect(run([newer, older]).status).toBe('action_required');
    });
    it('records a cancel at the gateway as a void when a hold existed', () =>
      given([requested, authorized(1)]).when(webhook('evt_c', { kind: 'canceled' })).then([{ type: 'PaymentAuthorizationVoided', data: { ...routing, webhookEventId: 'evt_c', voidedAt: at } }]));
  });
});

// ---- Any order of webhook deliveries, with duplicates, ends in the same state ----

const run = (commands: PaymentCommand[], events: PaymentEvent[] = [requested]): Payment =>
  commands.reduce((state, command) => decide(command, state).reduce(evolve, state), events.reduce(evolve, initialState()));

/**
 * What a payment is, leaving out the bookkeeping that only says in which order its events came:
 * which deliveries it remembers (one that brought nothing new is not recorded) and in which order.
 */
const observable = (state: Payment) => {
  if (state.status === 'none') return state;
  const { webhookEventIds: _seen, lastReportKey: _key, refundIds, ...rest } = state;
  return { ...rest, refundIds: [...refundIds].sort() };
};

const second = (seconds: number) => new Date(now.getTime() + seconds * 1000);

/**
 * What Stripe sent for one checkout, recorded: a declined card, a card that needed
 * authentication and then passed, the capture when the order shipped, and two partial refunds.
 */
export const recordedDeliveries: GatewayEvent[] = [
  { id: 'evt_01', type: 'payment_intent.payment_failed', occurredAt: second(1), paymentId, intentId, outcome: { kind: 'declined', code: 'card_declined', declineCode: 'insufficient_funds', message: 'Insufficient funds' } },
  { id: 'evt_02', type: 'payment_intent.requires_action', occurredAt: second(2), paymentId, intentId, outcome: { kind: 'action_required' } },
  { id: 'evt_03', type: 'payment_intent.amount_capturable_updated', occurredAt: second(3), paymentId, intentId, outcome: { kind: 'authorized', amount: 5000 } },
  { id: 'evt_04', type: 'payment_intent.succeeded', occurredAt: second(4), paymentId, intentId, outcome: { kind: 'captured', amount: 5000 } },
  { id: 'evt_05', type: 'refund.created', occurredAt: second(5), paymentId, intentId, outcome: { kind: 'refunded', refunds: [{ id: 're_1', amount: 1500 }] } },
  { id: 'evt_06', type: 'refund.created', occurredAt: second(6), paymentId, intentId, outcome: { kind: 'refunded', refunds: [{ id: 're_2', amount: 1000 }] } },
  { id: 'evt_07', type: 'charge.refunded', occurredAt: second(6), paymentId, intentId, outcome: { kind: 'refunded', refunds: [{ id: 're_1', amount: 1500 }, { id: 're_2', amount: 1000 }] } },
];

const deliveries = (events: GatewayEvent[]): PaymentCommand[] => events.map((event) => ({ type: 'ApplyGatewayEvent', data: { event, now } }));

describe('webhook deliveries in any order', () => {
  const inOrder = observable(run(deliveries(recordedDeliveries)));

  it('end as captured and refunded in part, each refund counted once', () => {
    expect(inOrder).toMatchObject({ status: 'partially_refunded', captured: 5000, refunded: 2500, refundIds: ['re_1', 're_2'] });
  });

  it('end in the same state in 500 shuffles with duplicates', () => {
    const withDuplicates = fc
      .array(fc.constantFrom(...recordedDeliveries), { minLength: 0, maxLength: 7 })
      .chain((extra) => fc.shuffledSubarray([...recordedDeliveries, ...extra], { minLength: recordedDeliveries.length + extra.length }));
    fc.assert(
      fc.property(withDuplicates, (sequence) => {
        expect(observable(run(deliveries(sequence)))).toEqual(inOrder);
      }),
      { numRuns: 500, seed: 16 },
    );
  });

  it('end in the same state after our own answers to the card attempts', () => {
    // Our confirm calls record their outcomes first; webhooks saying the same, or more, arrive in any order after.
    const ours: PaymentCommand[] = [confirmed(bad, 1), confirmed({ status: 'action_required', intentId }, 2)];
    fc.assert(
      fc.property(fc.shuffledSubarray(deliveries(recordedDeliveries), { minLength: recordedDeliveries.length }), (sequence) => {
        expect(observable(run([...ours, ...sequence]))).toEqual({ ...inOrder, attempts: 2 });
      }),
      { numRuns: 100, seed: 17 },
    );
  });
});
