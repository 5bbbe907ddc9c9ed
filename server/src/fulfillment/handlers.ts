import type { Handlers, RequestContext } from '../infra/http/operations.js';
import { HttpProblem, NotFoundError } from '../infra/http/problems.js';
import type { Pool } from '../infra/database/pool.js';
import { errorText } from '../infra/processors/runner.js';
import { revealForHistory } from '../ops/history-events.js';
import { storyOf } from '../modules/orders/story.js';
import { FINISHED_STEPS, processStore, toProcessView, type FulfillmentStep } from './process-state.js';
import { fulfillmentSteps, stepOf, type FulfillmentDeps } from './steps.js';

/** Operators' view of the orders in flight, and the one lever they need: run a stuck step again. */
export const fulfillmentHandlers = (deps: FulfillmentDeps & { pool: Pool }): Handlers<'ops.processes.list' | 'ops.processes.show' | 'ops.processes.retry'> => {
  const store = processStore(deps.pool);
  const steps = fulfillmentSteps(deps);

  const found = async (orderId: string) => {
    const row = await store.get(orderId);
    if (!row) throw new NotFoundError('Fulfillment process of order', orderId);
    return row;
  };

  /** The step the process waits in, run once more as if its event had just arrived. */
  const retry = async (orderId: string, context: RequestContext): Promise<FulfillmentStep | undefined> => {
    const order = await steps.order(orderId);
    if (order.status === 'none') return undefined;
    const cause = { eventId: `retry:${context.requestId}`, position: 0 };
    switch (order.status) {
      case 'confirmed':
        return steps.reserve(deps.pool, order, cause);
      case 'awaiting_payment': {
        const payment = await deps.payments?.byOrder(orderId);
        if (payment?.status !== 'authorized') return undefined;
        const amount = order.total!.amount;
        return steps.authorised(deps.pool, order, { paymentId: payment.paymentId, amount }, cause);
      }
      case 'shipped':
        return steps.capture(deps.pool, order, cause);
      case 'delivered':
        return steps.delivered(deps.pool, order);
      case 'cancelled':
        return steps.compensate(deps.pool, order, cause);
      default:
        return undefined;
    }
  };

  return {
    'ops.processes.list': async ({ step, all, limit, cursor }, { now }) => store.list({ step, all, limit, cursor }, now),

    'ops.processes.show': async ({ orderId }, { now }) => {
      const row = await found(orderId);
      return { ...toProcessView(row, now), history: await revealForHistory(deps.pool, await storyOf(deps.pool, orderId)) };
    },

    'ops.processes.retry': async ({ orderId }, context) => {
      const row = await found(orderId);
      if (FINISHED_STEPS.includes(row.step)) throw new HttpProblem(409, 'process_finished', 'Nothing to retry', `The process of order ${orderId} is ${row.step}.`);
      let step: FulfillmentStep | undefined;
      try {
        step = await retry(orderId, context);
      } catch (error) {
        await store.failed(orderId, row.customer_id, row.step, context.now, errorText(error));
        throw new HttpProblem(409, 'retry_failed', 'The step failed again', errorText(error));
      }
      const order = await steps.order(orderId);
      // Nothing ran: fine when the row only lagged behind the order (a crash between the two), else nothing was pending.
      const settled = step ?? (order.status === 'none' ? row.step : stepOf(order));
      if (step === undefined && settled === row.step) {
        throw new HttpProblem(409, 'nothing_to_retry', 'Nothing to retry', `Order ${orderId} waits in ${row.step} for someone else; no step of the process is pending.`);
      }
      const now = await store.get(orderId);
      if (now?.step !== settled || now.attempts > 0) await store.enter(orderId, row.customer_id, settled, context.now);
      return toProcessView((await store.get(orderId))!, context.now);
    },
  };
};
