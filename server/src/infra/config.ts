import path from 'node:path';
import { Email, NewPassword } from '@eventshop/sdk/contract';
import { DEFAULT_STALL_SECONDS } from './http/idempotency.js';
import { loadHttpLimits, type HttpLimits } from './http/server-limits.js';
import { parseTrustedProxies, type TrustedProxies } from './http/trusted-proxies.js';
import type { MetricsAccess } from './observability/metrics-endpoint.js';
import type { PaymentsConfig } from './payments/index.js';

export type Config = {
  host: string;
  port: number;
  /** External PostgreSQL; when absent the server runs an embedded one under dataDir. */
  databaseUrl: string | undefined;
  dataDir: string;
  adminEmail: string;
  /** When set, the bootstrap admin's password is (re)set to this on start. */
  adminPassword: string | undefined;
  jwtSecret: string | undefined;
  tokenTtlSeconds: number;
  /** How long an unfinished request holds its Idempotency-Key before a retry looks at what it did. */
  idempotencyStallSeconds: number;
  logLevel: string;
  /** Request timeouts and connection caps of the HTTP server. */
  http: HttpLimits;
  /** The load balancers whose X-Forwarded-For names the client (EVENTSHOP_TRUST_PROXY); none when unset. */
  trustedProxies: TrustedProxies | undefined;
  /** Registrations accepted from one address per window, where set; the users module has the defaults. */
  signUpLimit: { perAddress?: number; windowSeconds?: number };
  /** EVENTSHOP_PROCESSORS=off: serve the API only and leave background processors to other instances. */
  processors: boolean;
  /** EVENTSHOP_API=off: a processor instance, answering only /health and /ready, behind no load balancer. */
  api: boolean;
  /** Tries of a failing event before it is parked. */
  processorMaxAttempts: number;
  /** First retry's wait in ms; each next one doubles. */
  processorRetryMs: number;
  /** /ready fails while a running processor trails the log by more than this. */
  readyMaxLagSeconds: number;
  /** Test-only: also run the recorder processor (infra/processors/recorder.ts), with this delay per batch. */
  testRecorder: { delayMs: number } | undefined;
  /** Scheduled work of the modules (reservation expiry); off with EVENTSHOP_PROCESSORS=off, like the processors. */
  scheduledTasks: boolean;
  /** Where /metrics is served and what opens it (observability/metrics-endpoint.ts). */
  metrics: MetricsAccess;
  /** Stripe keys (the simulated gateway when STRIPE_SECRET_KEY is unset); see docs/payments.md. */
  payments: PaymentsConfig;
  /** How long stock is held for an order that is not yet paid (EVENTSHOP_ORDER_RESERVATION_SECONDS). */
  orderReservationSeconds: number | undefined;
};

export const loadConfig = (env: NodeJS.ProcessEnv = process.env): Config => ({
  host: env.HOST ?? '127.0.0.1',
  port: parsePort(env.PORT ?? '3000'),
  databaseUrl: env.DATABASE_URL || undefined,
  dataDir: path.resolve(env.EVENTSHOP_DATA_DIR ?? '.eventshop'),
  adminEmail: checked('EVENTSHOP_ADMIN_EMAIL', Email, env.EVENTSHOP_ADMIN_EMAIL ?? 'admin@eventshop.local'),
  adminPassword: env.EVENTSHOP_ADMIN_PASSWORD ? checked('EVENTSHOP_ADMIN_PASSWORD', NewPassword, env.EVENTSHOP_ADMIN_PASSWORD) : undefined,
  jwtSecret: env.EVENTSHOP_JWT_SECRET || undefined,
  tokenTtlSeconds: Number(env.EVENTSHOP_TOKEN_TTL_SECONDS ?? 12 * 60 * 60),
  idempotencyStallSeconds: positiveSeconds('EVENTSHOP_IDEMPOTENCY_STALL_SECONDS', env.EVENTSHOP_IDEMPOTENCY_STALL_SECONDS, DEFAULT_STALL_SECONDS),
  logLevel: env.LOG_LEVEL ?? 'info',
  http: loadHttpLimits(env),
  trustedProxies: parseTrustedProxies(env.EVENTSHOP_TRUST_PROXY),
  signUpLimit: {
    perAddress: positiveCount('EVENTSHOP_SIGNUPS_PER_ADDRESS', env.EVENTSHOP_SIGNUPS_PER_ADDRESS),
    windowSeconds: optionalSeconds('EVENTSHOP_SIGNUP_WINDOW_SECONDS', env.EVENTSHOP_SIGNUP_WINDOW_SECONDS),
  },
  processors: onOff('EVENTSHOP_PROCESSORS', env.EVENTSHOP_PROCESSORS),
  api: onOff('EVENTSHOP_API', env.EVENTSHOP_API),
  processorMaxAttempts: positiveInteger('EVENTSHOP_PROCESSOR_MAX_ATTEMPTS', env.EVENTSHOP_PROCESSOR_MAX_ATTEMPTS, 5),
  processorRetryMs: positiveInteger('EVENTSHOP_PROCESSOR_RETRY_MS', env.EVENTSHOP_PROCESSOR_RETRY_MS, 200),
  readyMaxLagSeconds: positiveSeconds('EVENTSHOP_READY_MAX_LAG_SECONDS', env.EVENTSHOP_READY_MAX_LAG_SECONDS, 30),
  testRecorder: env.EVENTSHOP_TEST_RECORDER === '1' ? { delayMs: Number(env.EVENTSHOP_TEST_RECORDER_DELAY_MS ?? 0) || 0 } : undefined,
  scheduledTasks: onOff('EVENTSHOP_PROCESSORS', env.EVENTSHOP_PROCESSORS),
  metrics: {
    token: metricsToken(env.EVENTSHOP_METRICS_TOKEN),
    port: env.EVENTSHOP_METRICS_PORT ? parsePort(env.EVENTSHOP_METRICS_PORT, 'EVENTSHOP_METRICS_PORT') : undefined,
    host: env.EVENTSHOP_METRICS_HOST || '127.0.0.1',
  },
  payments: loadPaymentsConfig(env),
  orderReservationSeconds: optionalSeconds('EVENTSHOP_ORDER_RESERVATION_SECONDS', env.EVENTSHOP_ORDER_RESERVATION_SECONDS),
});

/** A scraper's secret is a bearer credential like any other: too short, and it can be guessed. */
const metricsToken = (value: string | undefined): string | undefined => {
  if (value === undefined || value === '') return undefined;
  if (value.length < 16 || /\s/.test(value)) throw new Error('EVENTSHOP_METRICS_TOKEN must be at least 16 characters without spaces (try `openssl rand -hex 24`)');
  return value;
};

const loadPaymentsConfig = (env: NodeJS.ProcessEnv): PaymentsConfig => {
  const stripeSecretKey = env.STRIPE_SECRET_KEY || undefined;
  const webhookSecret = env.STRIPE_WEBHOOK_SECRET || undefined;
  // Without the signing secret no webhook could be verified, and payments would never settle.
  if (stripeSecretKey && !webhookSecret) throw new Error('STRIPE_WEBHOOK_SECRET must be set with STRIPE_SECRET_KEY (the whsec_... secret of your webhook endpoint, or of `stripe listen`)');
  return { stripeSecretKey, webhookSecret, stripeApiBase: optionalUrl('STRIPE_API_BASE', env.STRIPE_API_BASE) };
};

const optionalUrl = (name: string, value: string | undefined): URL | undefined => {
  if (value === undefined || value === '') return undefined;
  if (!URL.canParse(value)) throw new Error(`${name} must be a URL such as http://127.0.0.1:12111, got "${value}"`);
  return new URL(value);
};

const optionalSeconds = (name: string, value: string | undefined): number | undefined =>
  value === undefined || value === '' ? undefined : positiveSeconds(name, value, 0);

const positiveCount = (name: string, value: string | undefined): number | undefined => {
  if (value === undefined || value === '') return undefined;
  const count = Number(value);
  if (!Number.isInteger(count) || count <= 0) throw new Error(`${name} must be a whole number above 0, got "${value}"`);
  return count;
};

const onOff = (name: string, value: string | undefined): boolean => {
  if (value === undefined || value === '' || value === 'on') return true;
  if (value === 'off') return false;
  throw new Error(`${name} must be on or off, got "${value}"`);
};

const positiveInteger = (name: string, value: string | undefined, fallback: number): number => {
  if (value === undefined || value === '') return fallback;
  const number = Number(value);
  if (!Number.isInteger(number) || number <= 0) throw new Error(`${name} must be a whole number above 0, got "${value}"`);
  return number;
};

const positiveSeconds = (name: string, value: string | undefined, fallback: number): number => {
  if (value === undefined || value === '') return fallback;
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new Error(`${name} must be a number of seconds above 0, got "${value}"`);
  return seconds;
};

const parsePort = (value: string, name = 'PORT'): number => {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`${name} must be a number from 0 to 65535, got "${value}"`);
  return port;
};

/**
 * The admin signs in through the same contract as everyone, so its settings must pass the same
 * rules; otherwise the server would start with an admin who can never log in.
 */
const checked = (name: string, schema: { safeParse(value: unknown): { success: boolean; error?: { issues: { message: string }[] } } }, value: string): string => {
  const result = schema.safeParse(value);
  if (!result.success) throw new Error(`${name} is not usable: ${result.error?.issues.map((issue) => issue.message).join('; ')}`);
  return value;
};
