import type { Handlers, RequestContext } from '../infra/http/operations.js';
import { HttpProblem, NotFoundError } from '../infra/http/problems.js';
import type { Pool } from '../infra/database/pool.js';
import { failureActions } from '../infra/processors/failures.js';
import { errorText } from '../infra/processors/runner.js';
import { FULFILLMENT_PROCESSOR, fulfillmentProcessor } from './processor.js';
import { revealForHistory } from '../ops/history-events.js';
import { storyOf } from '../modules/orders/story.js';
import { FINISHED_STEPS, processStore, toProcessView, type FulfillmentStep } from './process-state.js';
import { fulfillmentSteps, stepOf, type FulfillmentDeps } from './steps.js';

/** Operators' view of the orders in flight, and the one lever they need: run a stuck step again. */
export const fulfillmentHandlers = (deps: FulfillmentDeps & { pool: Pool }): Handlers<'ops.processes.list' | 'ops.processes.show' | 'ops.processes.retry'> => {
  const store = processStore(deps.pool);
  const steps = fulfillmentSteps(deps);
  const failures = failureActions(deps.pool, [fulfillmentProcessor(deps).declaration]);

  /**
   * The order's events the runtime parked (the gateway was down, say), oldest first. A retry goes
   * through the runtime's own failure actions, so the events blocked behind one follow in order.
   */
  const parkedOf = async (orderId: string) =>
    (
      await deps.pool.query<{ id: string }>(
        `SELECT p.id::text AS id FROM eventshop_parked p JOIN emt_messages m ON m.global_position = p.position
          WHERE p.processor = $1 AND p.status = 'parked' AND (p.stream_id = $2 OR m.message_data->>'orderId' = $3)
          ORDER BY p.position`,
        [FULFILLMENT_PROCESSOR, `order-${orderId}`, orderId],
      )
    ).rows.map((row) => Number(row.id));

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
    'ops.processes.list': async ({ step, includeFinished, limit, cursor }, { now }) => store.list({ step, all: includeFinished, limit, cursor }, now),

    'ops.processes.show': async ({ orderId }, { now }) => {
      const row = await found(orderId);
      return { ...toProcessView(row, now), history: await revealForHistory(deps.pool, await storyOf(deps.pool, orderId)) };
    },

    'ops.processes.retry': async ({ orderId }, context) => {
      const row = await found(orderId);
      if (FINISHED_STEPS.includes(row.step)) throw new HttpProblem(409, 'process_finished', 'Nothing to retry', `The process of order ${orderId} is ${row.step}.`);
      const parked = await parkedOf(orderId);
      if (parked.length > 0) {
        for (const id of parked) {
          const outcome = await failures.retry(id, `user:${context.principal?.id ?? 'unknown'}`);
          if (outcome.error !== undefined) {
            await store.failed(orderId, row.customer_id, row.step, context.now, outcome.error);
            throw new HttpProblem(409, 'retry_failed', 'The step failed again', outcome.error);
          }
        }
        return toProcessView((await store.get(orderId))!, context.now);
      }
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
