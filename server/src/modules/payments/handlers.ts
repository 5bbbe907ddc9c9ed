import type { PaymentView } from '@eventshop/sdk/contract';
import type { Principal } from '../../infra/auth/tokens.js';
import type { Handlers, OperationIdsOf } from '../../infra/http/operations.js';
import { HttpProblem, InvalidTransitionError, NotFoundError } from '../../infra/http/problems.js';
import { WebhookRejectedError } from '../../infra/payments/gateway.js';
import type { ModuleContext } from '../module.js';
import { whyUnpayable, type OrderLookup } from './order-lookup.js';
import { ALLOWED_FROM } from './payments.js';
import { paymentQueries } from './projections.js';
import { paymentCommands, type PaymentResult } from './service.js';
import { webhookReceiver } from './webhooks.js';

const isAdmin = (principal: Principal | undefined) => principal?.roles.includes('admin') === true;

export const paymentsHandlers = (context: ModuleContext & { orders: OrderLookup }): Handlers<OperationIdsOf<'payments'>> => {
  const commands = paymentCommands(context);
  const queries = paymentQueries(context.pool);
  const receive = webhookReceiver({ gateway: context.gateway, clock: context.clock, commands, queries });
  // The simulated gateway's webhooks take the same way in as Stripe's.
  context.gateway.deliverWebhooksTo?.(async (rawBody, signature) => {
    await receive(rawBody, signature);
  });

  /** The payment as its customer or an admin sees it; anyone else is told it does not exist. */
  const visible = async (paymentId: string, principal: Principal | undefined): Promise<PaymentView> => {
    const view = await queries.getById(paymentId);
    if (!view || (!isAdmin(principal) && view.customerId !== principal?.id)) throw new NotFoundError('Payment', paymentId);
    return view;
  };
  /** Inline read model: the row is the one the command just committed. */
  const viewAfter = async (result: PaymentResult) => (await queries.getById(result.state.paymentId))!;

  return {
    'payments.create': async ({ orderId }, { principal, metadata }) => {
      const order = await context.orders(orderId);
      if (!order || (!isAdmin(principal) && order.customerId !== principal?.id)) throw new NotFoundError('Order', orderId);
      const why = whyUnpayable(order.status);
      if (why) {
        // Asking again answers the same payment, also once the order has moved on because of it.
        const existing = order.status === 'cancelled' ? undefined : await queries.byOrder(orderId);
        if (existing) return existing;
        throw new HttpProblem(409, 'order_not_payable', 'This order cannot be paid now', why, { orderStatus: order.status });
      }
      return viewAfter(await commands.request({ orderId, customerId: order.customerId, amount: order.amount, currency: order.currency }, metadata));
    },

    'payments.confirm': async ({ paymentId, paymentMethod }, { principal, metadata }) => {
      await visible(paymentId, principal);
      return viewAfter(await commands.confirm(paymentId, paymentMethod, metadata));
    },

    'payments.status': async ({ paymentId }, { principal }) => visible(paymentId, principal),

    'payments.refund': async ({ paymentId, amount, reason }, { principal, metadata }) => {
      await visible(paymentId, principal);
      return viewAfter(await commands.refund(paymentId, { amount, reason }, metadata));
    },

    'payments.cancel': async ({ paymentId, reason }, { principal, metadata }) => {
      const view = await visible(paymentId, principal);
      // Money held for an order is the order's business: its customer cancels the order, which voids the hold.
      if (view.status === 'authorized' && !isAdmin(principal)) {
        throw new InvalidTransitionError(`payment ${paymentId}`, view.status, 'cancel', ['capture', 'void (cancel the order to release the hold)']);
      }
      if (!['requested', 'declined', 'action_required', 'authorized', 'voided', 'cancelled'].includes(view.status)) {
        throw new InvalidTransitionError(`payment ${paymentId}`, view.status, 'cancel', ALLOWED_FROM[view.status]);
      }
      return viewAfter(await commands.voidAuthorization(paymentId, reason ?? (isAdmin(principal) ? 'Cancelled by an admin' : 'Cancelled by the customer'), metadata));
    },

    'payments.createPaymentMethod': async ({ cardToken }, { requestId }) => context.gateway.createPaymentMethod({ token: cardToken, idempotencyKey: `payment-method:${requestId}` }),

    'payments.webhook': async (_input, { raw, metadata }) => {
      if (!raw) throw new WebhookRejectedError('The body could not be read as sent.');
      const signature = raw.headers['stripe-signature'];
      if (Array.isArray(signature)) throw new WebhookRejectedError('Send one Stripe-Signature header.');
      return receive(raw.body, signature, metadata);
    },
  };
};
