import { handleCommand, loadState, type CommandOutcome, type EventMetadata } from '../../infra/eventstore.js';
import { nameBasedId } from '../../infra/ids.js';
import type { PaymentGateway } from '../../infra/payments/gateway.js';
import type { ModuleContext } from '../module.js';
import { RefundExceedsCapturedError, mustBeConfirmable, needsCapture, open, paymentDecider, paymentStreamName, refundable, voidAction, type OpenPayment, type Payment, type PaymentCommand } from './payments.js';
import { paymentQueries } from './projections.js';

/** One payment per order: its id is derived from the order's, so "open the order's payment" is the stream's own create guard. */
const PAYMENT_NAMESPACE = '2b8d6f0a-4c1e-4f7b-9a3d-5e6f7a8b9c0d';
export const paymentIdFor = (orderId: string) => nameBasedId(PAYMENT_NAMESPACE, orderId);

export type PaymentsService = {
  /** Opens the order's payment, or returns the open one (idempotent per order). Amount is the order's, never a client's. */
  requestForOrder(input: { orderId: string; customerId: string; amount: number; currency: string }, metadata: EventMetadata): Promise<{ paymentId: string }>;
  /** After shipping. Idempotent: capturing a captured payment is a no-op. */
  capture(paymentId: string, metadata: EventMetadata): Promise<void>;
  /** Cancel before shipping: releases the authorisation (no refund). Idempotent. */
  voidAuthorization(paymentId: string, metadata: EventMetadata): Promise<void>;
  /** Cancel after shipping: refunds (the whole captured amount when amount is omitted). Idempotent per step key. */
  refund(paymentId: string, input: { amount?: number; reason?: string }, metadata: EventMetadata): Promise<void>;
  byOrder(orderId: string): Promise<{ paymentId: string; status: string } | undefined>;
};

type Context = Pick<ModuleContext, 'pool' | 'eventStore' | 'snapshots' | 'clock'> & { gateway: PaymentGateway };

/** The payment after a command, and how many events the command recorded (0: it was done already). */
export type PaymentResult = { state: OpenPayment; version: number; appended: number };

/**
 * Every change to a payment, for the HTTP handlers and the fulfillment process alike: the guard
 * is asked before the gateway is called (nothing is charged for a step the payment does not
 * allow), the gateway is called with the step's idempotency key, then its answer is recorded
 * through the decider (which asks the guard again, against the state at that moment).
 */
export const paymentCommands = (context: Context) => {
  const { eventStore, snapshots, gateway } = context;
  const streamOf = paymentStreamName;
  const run = async (paymentId: string, command: PaymentCommand, metadata: EventMetadata): Promise<PaymentResult> => {
    const outcome: CommandOutcome<Payment> = await handleCommand(eventStore, paymentDecider, { streamName: streamOf(paymentId), command, metadata, snapshots });
    return { state: open(outcome.state, paymentId), version: outcome.version, appended: outcome.appended };
  };
  const load = async (paymentId: string): Promise<PaymentResult> => {
    const { state, version } = await loadState(eventStore, paymentDecider, streamOf(paymentId), snapshots);
    return { state: open(state, paymentId), version, appended: 0 };
  };
  const now = () => context.clock.now();

  /** The intent of a payment that has none recorded yet: created once (a retry gets the same one back). */
  const intentOf = async (payment: OpenPayment) =>
    payment.intentId ??
    (await gateway.createIntent({ paymentId: payment.paymentId, orderId: payment.orderId, amount: payment.amount, currency: payment.currency, step: 'intent' })).intentId;

  return {
    load,
    run,

    request: (input: { orderId: string; customerId: string; amount: number; currency: string }, metadata: EventMetadata) => {
      const paymentId = paymentIdFor(input.orderId);
      return run(paymentId, { type: 'RequestPayment', data: { paymentId, ...input, now: now() } }, metadata);
    },

    async confirm(paymentId: string, paymentMethod: string, metadata: EventMetadata): Promise<PaymentResult> {
      const { state } = await load(paymentId);
      mustBeConfirmable(state);
      const attempt = state.attempts + 1;
      const intentId = await intentOf(state);
      // The card is part of the step: the same card retried replays Stripe's answer, another card is a new try.
      const outcome = await gateway.confirmIntent({ paymentId, intentId, paymentMethod, step: `confirm:${attempt}:${paymentMethod}` });
      return run(paymentId, { type: 'RecordConfirmOutcome', data: { attempt, outcome, now: now() } }, metadata);
    },

    async capture(paymentId: string, metadata: EventMetadata): Promise<PaymentResult> {
      const current = await load(paymentId);
      if (!needsCapture(current.state)) return current;
      const { amount } = await gateway.captureIntent({ paymentId, intentId: current.state.intentId!, step: 'capture' });
      return run(paymentId, { type: 'RecordCapture', data: { amount, now: now() } }, metadata);
    },

    async voidAuthorization(paymentId: string, reason: string, metadata: EventMetadata): Promise<PaymentResult> {
      const current = await load(paymentId);
      const action = voidAction(current.state);
      if (action === 'none') return current;
      if (action === 'void') await gateway.cancelIntent({ paymentId, intentId: current.state.intentId!, step: 'void' });
      // A payment that holds nothing has at most an intent waiting for a card: close that too.
      else if (current.state.intentId) await gateway.cancelIntent({ paymentId, intentId: current.state.intentId, step: 'cancel' });
      return run(paymentId, { type: 'RecordVoid', data: { reason, now: now() } }, metadata);
    },

    async refund(paymentId: string, input: { amount?: number | undefined; reason?: string | undefined }, metadata: EventMetadata): Promise<PaymentResult> {
      const current = await load(paymentId);
      // "Refund the rest" of a payment refunded in full already (the process retrying its step): done.
      if (input.amount === undefined && current.state.status === 'refunded') return current;
      const left = refundable(current.state);
      const amount = input.amount ?? left;
      // Refused before the gateway is asked, so it never refunds what we would refuse to record.
      if (amount > left) throw new RefundExceedsCapturedError(amount, left);
      // Numbered by the refunds recorded so far: a retry after a crash sends the same key and gets the same refund.
      const step = `refund:${current.state.refundIds.length + 1}`;
      const refund = await gateway.refund({ paymentId, intentId: current.state.intentId!, amount, step });
      return run(paymentId, { type: 'RecordRefund', data: { refundId: refund.refundId, amount: refund.amount, reason: input.reason, now: now() } }, metadata);
    },
  };
};

export type PaymentCommands = ReturnType<typeof paymentCommands>;

/** The payments module's face to the fulfillment process (the seam with the orders module). */
export const paymentsService = (context: ModuleContext & { gateway: PaymentGateway }): PaymentsService => {
  const commands = paymentCommands(context);
  const queries = paymentQueries(context.pool);
  return {
    async requestForOrder(input, metadata) {
      const { state } = await commands.request(input, metadata);
      return { paymentId: state.paymentId };
    },
    async capture(paymentId, metadata) {
      await commands.capture(paymentId, metadata);
    },
    async voidAuthorization(paymentId, metadata) {
      await commands.voidAuthorization(paymentId, 'The order was cancelled before shipping', metadata);
    },
    async refund(paymentId, input, metadata) {
      await commands.refund(paymentId, input, metadata);
    },
    async byOrder(orderId) {
      const view = await queries.byOrder(orderId);
      return view && { paymentId: view.id, status: view.status };
    },
  };
};
