import { tracing } from './tracing.js';

/** What the payments gateway reports of each call once it ends (payments' `GatewayCall`). */
export type FinishedGatewayCall = { gateway: string; operation: string; outcome: string; durationMs: number };

/**
 * A client span for one payments gateway call, in the trace of the command or request that made
 * it: `gateway.onCall(recordGatewayCallSpan)` where the gateway is built (server.ts). The breaker reports a
 * call after it ends, from inside the caller's async context, so the span is recorded then, with
 * the start time the duration gives. An outage (`failed`) or a call the open breaker refused
 * (`rejected`) marks it failed; a declined card (`refused`) is an answer, not a failure.
 */
export const recordGatewayCallSpan = (call: FinishedGatewayCall) => {
  const tracer = tracing();
  if (!tracer.enabled) return;
  const endTime = new Date();
  tracer.recordSpan(
    `gateway ${call.gateway}.${call.operation}`,
    { 'eventshop.gateway': call.gateway, 'eventshop.gateway.operation': call.operation, 'eventshop.gateway.outcome': call.outcome },
    {
      kind: 'client',
      startTime: new Date(endTime.getTime() - call.durationMs),
      endTime,
      failed: call.outcome === 'failed' || call.outcome === 'rejected' ? `gateway call ${call.outcome}` : undefined,
    },
  );
};
