import { crashPoint } from '../crash-points.js';
import { BrokenCircuitError, CircuitState, ConsecutiveBreaker, circuitBreaker, handleWhen } from 'cockatiel';
import { GatewayUnavailableError, type PaymentGateway } from './gateway.js';

export type BreakerState = 'closed' | 'open' | 'half-open';

/** What one gateway call did: `refused` is a client-caused refusal (an unknown card), `failed` an outage, `rejected` a call the open breaker never let through. */
export type GatewayCall = {
  gateway: PaymentGateway['name'];
  operation: GatewayOperation;
  outcome: 'ok' | 'refused' | 'failed' | 'rejected';
  durationMs: number;
};

type GatewayOperation = 'createIntent' | 'confirmIntent' | 'captureIntent' | 'cancelIntent' | 'refund' | 'createPaymentMethod';
const OPERATIONS: readonly GatewayOperation[] = ['createIntent', 'confirmIntent', 'captureIntent', 'cancelIntent', 'refund', 'createPaymentMethod'];

export type BreakerOptions = {
  /** Consecutive failed calls that open the breaker. */
  failuresToOpen: number;
  /** How long it stays open before one trial call is let through. */
  halfOpenAfterMs: number;
};

export const DEFAULT_BREAKER_OPTIONS: BreakerOptions = { failuresToOpen: 5, halfOpenAfterMs: 10_000 };

export type GuardedGateway = PaymentGateway & {
  breakerState(): BreakerState;
  /** Hears each change of the breaker's state (metrics; the process can retry pending steps on `closed`). Returns the unsubscribe. */
  onBreakerStateChange(listener: (state: BreakerState) => void): () => void;
  /** Hears every call through this gateway once it ends (metrics, tracing). Returns the unsubscribe. */
  onCall(listener: (call: GatewayCall) => void): () => void;
};

const STATES: Record<CircuitState, BreakerState> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half-open',
  [CircuitState.Isolated]: 'open',
};

/**
 * Puts every call to the gateway behind a circuit breaker (cockatiel). Only outages count
 * (the adapter's GatewayUnavailableError: no answer, 5xx, rate limits, after the adapter's own
 * retries); a declined card or an unknown token is an answer. While the breaker is open, calls
 * fail at once with GatewayUnavailableError and a Retry-After of the time left before it lets a
 * trial call through, so checkouts get a clear 503 instead of hanging on a dead gateway.
 */
export const withCircuitBreaker = (gateway: PaymentGateway, options: BreakerOptions = DEFAULT_BREAKER_OPTIONS): GuardedGateway => {
  const breaker = circuitBreaker(
    handleWhen((error) => error instanceof GatewayUnavailableError),
    { halfOpenAfter: options.halfOpenAfterMs, breaker: new ConsecutiveBreaker(options.failuresToOpen) },
  );
  let openedAt = 0;
  breaker.onBreak(() => {
    openedAt = Date.now();
  });
  // Per gateway, not per process: tests run many servers in one process, each with its own figures.
  const listeners = new Set<(call: GatewayCall) => void>();
  const report = (call: GatewayCall) => {
    for (const listener of listeners) {
      try {
        listener(call);
      } catch {
        // A broken listener must not fail a payment.
      }
    }
  };
  const retryAfterSeconds = () => Math.max(1, Math.ceil((openedAt + options.halfOpenAfterMs - Date.now()) / 1000));

  const guard =
    <Args extends unknown[], Result>(operation: GatewayOperation, call: (...args: Args) => Promise<Result>) =>
    async (...args: Args): Promise<Result> => {
      const started = performance.now();
      const done = (outcome: GatewayCall['outcome']) => report({ gateway: gateway.name, operation, outcome, durationMs: performance.now() - started });
      try {
        const result = await breaker.execute(() => call(...args));
        // The gateway acted, nothing of ours recorded it yet: the crash tests' "after a gateway call" point, for every adapter.
        crashPoint(`gateway:after-${operation}`);
        done('ok');
        return result;
      } catch (error) {
        if (error instanceof BrokenCircuitError) {
          done('rejected');
          throw new GatewayUnavailableError(retryAfterSeconds(), 'The payment gateway failed repeatedly and is given a rest.');
        }
        done(error instanceof GatewayUnavailableError ? 'failed' : 'refused');
        throw error;
      }
    };

  const guarded = Object.fromEntries(OPERATIONS.map((operation) => [operation, guard(operation, gateway[operation].bind(gateway) as (...args: unknown[]) => Promise<unknown>)]));
  return {
    ...gateway,
    ...(guarded as Pick<PaymentGateway, GatewayOperation>),
    name: gateway.name,
    parseWebhook: gateway.parseWebhook.bind(gateway),
    ...(gateway.deliverWebhooksTo ? { deliverWebhooksTo: gateway.deliverWebhooksTo.bind(gateway) } : {}),
    ...(gateway.close ? { close: gateway.close.bind(gateway) } : {}),
    breakerState: () => STATES[breaker.state],
    onCall: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    onBreakerStateChange: (listener) => {
      const subscription = breaker.onStateChange((state) => listener(STATES[state]));
      return () => subscription.dispose();
    },
  };
};
