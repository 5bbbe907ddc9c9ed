import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';

describe('loadConfig', () => {
  it('uses defaults that work on a fresh machine', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ host: '127.0.0.1', port: 3000, databaseUrl: undefined, adminEmail: 'admin@eventshop.local' });
    expect(config.dataDir).toMatch(/\.eventshop$/);
  });

  it('refuses an admin email the login rules would refuse', () => {
    expect(() => loadConfig({ EVENTSHOP_ADMIN_EMAIL: 'admin@shop.e2e' })).toThrow(/EVENTSHOP_ADMIN_EMAIL is not usable/);
  });

  it('refuses an admin password shorter than every other password may be', () => {
    expect(() => loadConfig({ EVENTSHOP_ADMIN_PASSWORD: 'short' })).toThrow(/EVENTSHOP_ADMIN_PASSWORD is not usable: Use at least 12 characters/);
  });

  it('takes payments on the simulated gateway unless a Stripe key is set, and refuses a key without its webhook secret', () => {
    expect(loadConfig({}).payments).toEqual({ stripeSecretKey: undefined, webhookSecret: undefined, stripeApiBase: undefined });
    expect(loadConfig({ STRIPE_SECRET_KEY: 'sk_test_1', STRIPE_WEBHOOK_SECRET: 'whsec_1', STRIPE_API_BASE: 'http://127.0.0.1:12111' }).payments).toEqual({
      stripeSecretKey: 'sk_test_1',
      webhookSecret: 'whsec_1',
      stripeApiBase: new URL('http://127.0.0.1:12111'),
    });
    expect(() => loadConfig({ STRIPE_SECRET_KEY: 'sk_test_1' })).toThrow(/STRIPE_WEBHOOK_SECRET must be set with STRIPE_SECRET_KEY/);
    expect(() => loadConfig({ STRIPE_SECRET_KEY: 'sk_test_1', STRIPE_WEBHOOK_SECRET: 'whsec_1', STRIPE_API_BASE: 'not a url' })).toThrow(/STRIPE_API_BASE must be a URL/);
  });

  it('refuses a port that is not one', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT must be a number/);
  });

  it('reads how long an unfinished request holds its Idempotency-Key, and refuses nonsense', () => {
    expect(loadConfig({}).idempotencyStallSeconds).toBe(60);
    expect(loadConfig({ EVENTSHOP_IDEMPOTENCY_STALL_SECONDS: '1.5' }).idempotencyStallSeconds).toBe(1.5);
    for (const value of ['0', '-5', 'soon']) {
      expect(() => loadConfig({ EVENTSHOP_IDEMPOTENCY_STALL_SECONDS: value })).toThrow(/EVENTSHOP_IDEMPOTENCY_STALL_SECONDS must be a number of seconds above 0/);
    }
  });

  it('leaves the sign-up limit to the users module unless set, and refuses nonsense', () => {
    expect(loadConfig({}).signUpLimit).toEqual({ perAddress: undefined, windowSeconds: undefined });
    expect(loadConfig({ EVENTSHOP_SIGNUPS_PER_ADDRESS: '3', EVENTSHOP_SIGNUP_WINDOW_SECONDS: '60' }).signUpLimit).toEqual({ perAddress: 3, windowSeconds: 60 });
    expect(() => loadConfig({ EVENTSHOP_SIGNUPS_PER_ADDRESS: '0' })).toThrow(/EVENTSHOP_SIGNUPS_PER_ADDRESS must be a whole number above 0/);
    expect(() => loadConfig({ EVENTSHOP_SIGNUP_WINDOW_SECONDS: 'later' })).toThrow(/EVENTSHOP_SIGNUP_WINDOW_SECONDS must be a number of seconds above 0/);
  });

  it('runs processors unless EVENTSHOP_PROCESSORS=off, and reads their retry settings', () => {
    expect(loadConfig({})).toMatchObject({ processors: true, processorMaxAttempts: 5, processorRetryMs: 200, readyMaxLagSeconds: 30, testRecorder: undefined });
    expect(loadConfig({ EVENTSHOP_PROCESSORS: 'off' }).processors).toBe(false);
    expect(() => loadConfig({ EVENTSHOP_PROCESSORS: 'no' })).toThrow(/EVENTSHOP_PROCESSORS must be on or off/);
    expect(loadConfig({ EVENTSHOP_PROCESSOR_MAX_ATTEMPTS: '3' }).processorMaxAttempts).toBe(3);
    expect(() => loadConfig({ EVENTSHOP_PROCESSOR_MAX_ATTEMPTS: '0' })).toThrow(/must be a whole number above 0/);
  });
});
