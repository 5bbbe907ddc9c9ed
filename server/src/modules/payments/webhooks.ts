import { crashPoint } from '../../infra/crash-points.js';
import type { EventMetadata } from '../../infra/eventstore.js';
import type { Clock } from '../../infra/clock.js';
import type { PaymentGateway } from '../../infra/payments/gateway.js';
import type { PaymentQueries } from './projections.js';
import type { PaymentCommands } from './service.js';

const PAYMENT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export type WebhookReceipt = { received: true; applied: boolean };

/**
 * One way in for every webhook, the HTTP route's and the simulated gateway's alike: verify the
 * signature and age first (a refusal changes nothing), find our payment by the intent's metadata
 * (or by the intent, for objects that carry none), and apply the outcome through the decider,
 * which recognises a redelivered event by its id and merges late ones (payments.ts).
 */
export const webhookReceiver = (deps: { gateway: PaymentGateway; clock: Clock; commands: PaymentCommands; queries: PaymentQueries }) =>
  async (rawBody: string | Buffer, signature: string | undefined, metadata?: EventMetadata): Promise<WebhookReceipt> => {
    const now = deps.clock.now();
    const event = deps.gateway.parseWebhook(rawBody, signature, now);
    if (event.outcome.kind === 'ignored') return { received: true, applied: false };
    const paymentId = event.paymentId ?? (event.intentId ? await deps.queries.idByIntent(event.intentId) : undefined);
    // Another application's intent on the same Stripe account: acknowledged, so Stripe stops sending it.
    if (!paymentId || !PAYMENT_ID.test(paymentId) || !(await deps.queries.getById(paymentId))) return { received: true, applied: false };
    // Verified and routed, nothing recorded: a crash here leaves the delivery unacknowledged, so the gateway sends it again.
    crashPoint('webhook:before-apply');
    const recorded = await deps.commands.run(
      paymentId,
      { type: 'ApplyGatewayEvent', data: { event, now } },
      // Caused by the gateway's event: history leads from the payment's events back to it.
      { ...(metadata ?? { correlationId: event.id, actorId: null, requestId: event.id, occurredAt: now.toISOString() }), causationId: event.id },
    );
    // A hold that arrives after the payment was closed (its answer was lost, the order cancelled meanwhile) must not stay on the card.
    if (event.outcome.kind === 'authorized' && event.intentId && (recorded.state.status === 'voided' || recorded.state.status === 'cancelled')) {
      await deps.gateway.cancelIntent({ paymentId, intentId: event.intentId, step: `void:${event.intentId}` });
    }
    // Recorded, not yet acknowledged: the redelivery must change nothing.
    crashPoint('webhook:after-apply');
    return { received: true, applied: recorded.appended > 0 };
  };
