import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../../test/database.js';
import { createPool, type Pool } from '../database/pool.js';
import { migrateEventLog as runStatements } from '../database/migrations.js';
import { simulatedGateway } from './simulated-gateway.js';
import { postgresLedger, SIMULATED_LEDGER_SCHEMA } from './simulated-ledger.js';

let pool: Pool;

beforeAll(async () => {
  pool = createPool(await createTestDatabase(), 4);
  await runStatements(pool, SIMULATED_LEDGER_SCHEMA);
});

afterAll(async () => {
  await pool?.end();
});

const SECRET = 'whsec_simulated_restart_test';

/** A gateway as one server process has it; a second one over the same ledger is that server after kill -9. */
const gatewayOnLedger = () => simulatedGateway({ webhookSecret: SECRET, ledger: postgresLedger(pool), redeliverEveryMs: 20 });

describe('the simulated gateway after its server was killed', () => {
  it('finds its intents and answers again: the retried step gets the same answer, a capture captures once', async () => {
    const paymentId = crypto.randomUUID();
    const before = gatewayOnLedger();
    const { intentId } = await before.createIntent({ paymentId, orderId: 'order-1', amount: 4200, currency: 'EUR', step: 'intent' });
    const authorised = await before.confirmIntent({ paymentId, intentId, paymentMethod: 'pm_card_visa', step: 'confirm:1:pm_card_visa' });
    expect(authorised).toEqual({ status: 'authorized', intentId, amount: 4200 });
    // Killed here: the answer never reached the payment's stream. The restarted server asks again, with the same keys.
    const after = gatewayOnLedger();
    expect(await after.createIntent({ paymentId, orderId: 'order-1', amount: 4200, currency: 'EUR', step: 'intent' })).toEqual({ intentId });
    expect(await after.confirmIntent({ paymentId, intentId, paymentMethod: 'pm_card_visa', step: 'confirm:1:pm_card_visa' })).toEqual(authorised);
    expect(await after.captureIntent({ paymentId, intentId, step: 'capture' })).toEqual({ amount: 4200 });
    expect(await gatewayOnLedger().captureIntent({ paymentId, intentId, step: 'capture' })).toEqual({ amount: 4200 });
    const { rows } = await pool.query<{ kind: string; amount: number }>('SELECT kind, amount FROM simulated_gateway_movements WHERE payment_id = $1 ORDER BY id', [paymentId]);
    expect(rows).toEqual([
      { kind: 'authorize', amount: 4200 },
      { kind: 'capture', amount: 4200 },
    ]);
    await Promise.all([before.close?.(), after.close?.()]);
  });

  it('delivers a webhook the killed server still owed, and keeps sending one the handler did not take', async () => {
    const paymentId = crypto.randomUUID();
    const before = gatewayOnLedger();
    // No handler yet (the server died before it could take the delivery): the webhook stays owed.
    const { intentId } = await before.createIntent({ paymentId, orderId: 'order-2', amount: 990, currency: 'USD', step: 'intent' });
    await before.confirmIntent({ paymentId, intentId, paymentMethod: 'pm_card_visa', step: 'confirm:1:pm_card_visa' });
    await before.close?.();

    const after = gatewayOnLedger();
    const received: string[] = [];
    let refusals = 1;
    after.deliverWebhooksTo!(async (body, signature) => {
      const event = after.parseWebhook(body, signature, new Date());
      if (event.paymentId !== paymentId) return;
      // The first try fails (the handler answered 500, say): the gateway tries again.
      if (refusals-- > 0) throw new Error('not now');
      received.push(event.outcome.kind);
    });
    await expect.poll(() => received, { timeout: 10_000, interval: 20 }).toEqual(['authorized']);
    await expect.poll(async () => (await pool.query('SELECT 1 FROM simulated_gateway_webhooks WHERE delivered_at IS NULL AND payload LIKE $1', [`%${paymentId}%`])).rowCount, { timeout: 5_000, interval: 20 }).toBe(0);
    await after.close?.();
  });
});
