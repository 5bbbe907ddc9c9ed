import { DEFAULT_BREAKER_OPTIONS, withCircuitBreaker, type BreakerOptions, type GuardedGateway } from './breaker.js';
import { simulatedGateway } from './simulated-gateway.js';
import type { SimulatedLedger } from './simulated-ledger.js';
import { stripeGateway } from './stripe-gateway.js';

export * from './gateway.js';
export { withCircuitBreaker, DEFAULT_BREAKER_OPTIONS, type BreakerState, type GatewayCall, type GuardedGateway, type BreakerOptions } from './breaker.js';
export { simulatedGateway, TEST_PAYMENT_METHODS } from './simulated-gateway.js';
export { stripeGateway } from './stripe-gateway.js';
export { memoryLedger, postgresLedger, SIMULATED_LEDGER_SCHEMA, type SimulatedLedger } from './simulated-ledger.js';
export { signStripeWebhook, verifyStripeWebhook, WEBHOOK_TOLERANCE_SECONDS } from './stripe-webhooks.js';

/** The payment settings of the server's configuration (infra/config.ts). */
export type PaymentsConfig = {
  /** STRIPE_SECRET_KEY: when set, payments go to Stripe; otherwise to the simulated gateway. */
  stripeSecretKey: string | undefined;
  /** STRIPE_WEBHOOK_SECRET: the signing secret of the webhook endpoint (whsec_...). */
  webhookSecret: string | undefined;
  /** STRIPE_API_BASE: another address for Stripe's API (a local fake in tests). */
  stripeApiBase: URL | undefined;
};

/** The gateway the configuration names, behind the circuit breaker. */
export const createPaymentGateway = (
  config: PaymentsConfig,
  options: { now?: () => Date; breaker?: BreakerOptions; maxNetworkRetries?: number; simulatedLedger?: SimulatedLedger } = {},
): GuardedGateway => {
  const gateway = config.stripeSecretKey
    ? stripeGateway({
        secretKey: config.stripeSecretKey,
        webhookSecret: config.webhookSecret ?? '',
        apiBase: config.stripeApiBase,
        ...(options.maxNetworkRetries !== undefined ? { maxNetworkRetries: options.maxNetworkRetries } : {}),
      })
    : simulatedGateway({ webhookSecret: config.webhookSecret, now: options.now, ...(options.simulatedLedger ? { ledger: options.simulatedLedger } : {}) });
  return withCircuitBreaker(gateway, options.breaker ?? DEFAULT_BREAKER_OPTIONS);
};
