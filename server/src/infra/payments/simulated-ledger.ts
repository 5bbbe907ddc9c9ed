import type pg from 'pg';
import { inTransaction } from '../database/transaction.js';

/** A PaymentIntent as the simulated gateway keeps it. */
export type SimulatedIntent = {
  id: string;
  paymentId: string;
  orderId: string;
  amount: number;
  currency: string;
  status: 'requires_payment_method' | 'requires_action' | 'requires_capture' | 'succeeded' | 'canceled';
  amountReceived: number;
  lastError: { code: string; decline_code?: string; message: string } | null;
};

/** Money the gateway moved: what a card statement would show. The checkout soak counts these. */
export type Movement = { kind: 'authorize' | 'capture' | 'void' | 'refund'; amount: number };

/** What one request did: its answer (replayed for the same idempotency key), the intent after it, its money and its webhooks. */
export type Effects<T> = { reply: T; intent?: SimulatedIntent; movements?: Movement[]; webhooks?: string[] };

/**
 * Where the simulated gateway keeps its intents, its answers by idempotency key and the webhooks
 * it still owes, so that a server killed at any point finds them again, as Stripe would: a retried
 * step gets the answer it got before, and a webhook that was never delivered is delivered later.
 */
export type SimulatedLedger = {
  /**
   * Runs one request: the stored answer when the key was used already, otherwise `decide` on the
   * intent as it is now (no other request changes it meanwhile), keeping everything it did at
   * once. A refusal (`decide` throws) keeps nothing, as Stripe keeps no 400 it never started.
   */
  request<T>(key: string, intentId: string | undefined, decide: (intent: SimulatedIntent | undefined) => Effects<T>): Promise<{ reply: T; webhooks: Owed[] }>;
  /** Webhooks not yet acknowledged, oldest first (`olderThanMs`: leave the ones another delivery is still on). */
  owed(olderThanMs: number): Promise<Owed[]>;
  delivered(id: string): Promise<void>;
};

export type Owed = { id: string; payload: string };

export const memoryLedger = (): SimulatedLedger => {
  const intents = new Map<string, SimulatedIntent>();
  const replies = new Map<string, unknown>();
  const owed = new Map<string, { payload: string; at: number }>();
  let order = Promise.resolve() as Promise<unknown>;
  return {
    request<T>(key: string, intentId: string | undefined, decide: (intent: SimulatedIntent | undefined) => Effects<T>) {
      // One request at a time: what a transaction per request gives the PostgreSQL ledger.
      const run = order.then(() => {
        if (replies.has(key)) return { reply: replies.get(key) as T, webhooks: [] };
        const effects = decide(intentId === undefined ? undefined : intents.get(intentId));
        if (effects.intent) intents.set(effects.intent.id, effects.intent);
        replies.set(key, effects.reply);
        const webhooks = (effects.webhooks ?? []).map((payload) => ({ id: (JSON.parse(payload) as { id: string }).id, payload }));
        for (const webhook of webhooks) owed.set(webhook.id, { payload: webhook.payload, at: Date.now() });
        return { reply: effects.reply, webhooks };
      });
      order = run.catch(() => {});
      return run;
    },
    async owed(olderThanMs) {
      return [...owed].filter(([, { at }]) => Date.now() - at >= olderThanMs).map(([id, { payload }]) => ({ id, payload }));
    },
    async delivered(id) {
      owed.delete(id);
    },
  };
};

export const SIMULATED_LEDGER_SCHEMA = [
  `CREATE TABLE IF NOT EXISTS simulated_gateway_intents (
     id text PRIMARY KEY,
     payment_id text NOT NULL,
     state jsonb NOT NULL
   )`,
  `CREATE INDEX IF NOT EXISTS simulated_gateway_intents_payment ON simulated_gateway_intents (payment_id)`,
  `CREATE TABLE IF NOT EXISTS simulated_gateway_requests (
     idempotency_key text PRIMARY KEY,
     reply jsonb NOT NULL,
     at timestamptz NOT NULL DEFAULT now()
   )`,
  `CREATE TABLE IF NOT EXISTS simulated_gateway_movements (
     id bigserial PRIMARY KEY,
     intent_id text NOT NULL,
     payment_id text NOT NULL,
     kind text NOT NULL,
     amount integer NOT NULL,
     idempotency_key text NOT NULL,
     at timestamptz NOT NULL DEFAULT now()
   )`,
  `CREATE TABLE IF NOT EXISTS simulated_gateway_webhooks (
     id text PRIMARY KEY,
     payload text NOT NULL,
     created_at timestamptz NOT NULL DEFAULT now(),
     delivered_at timestamptz
   )`,
  `CREATE INDEX IF NOT EXISTS simulated_gateway_webhooks_owed ON simulated_gateway_webhooks (created_at) WHERE delivered_at IS NULL`,
];

/**
 * The ledger in the shop's own database (tables `simulated_gateway_*`, created with the schema):
 * one transaction per request, the idempotency key locked first, so two servers on one database
 * (or a retry racing the original) get one answer.
 */
export const postgresLedger = (pool: pg.Pool): SimulatedLedger => ({
  request: <T>(key: string, intentId: string | undefined, decide: (intent: SimulatedIntent | undefined) => Effects<T>) =>
    inTransaction(pool, async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`simulated-gateway:${key}`]);
      const known = await tx.query<{ reply: T }>('SELECT reply FROM simulated_gateway_requests WHERE idempotency_key = $1', [key]);
      if (known.rows[0]) return { reply: known.rows[0].reply, webhooks: [] };
      const current =
        intentId === undefined ? undefined : (await tx.query<{ state: SimulatedIntent }>('SELECT state FROM simulated_gateway_intents WHERE id = $1 FOR UPDATE', [intentId])).rows[0]?.state;
      const effects = decide(current);
      const intent = effects.intent;
      if (intent) {
        await tx.query(
          `INSERT INTO simulated_gateway_intents (id, payment_id, state) VALUES ($1, $2, $3)
             ON CONFLICT (id) DO UPDATE SET state = EXCLUDED.state`,
          [intent.id, intent.paymentId, intent],
        );
        for (const movement of effects.movements ?? []) {
          await tx.query('INSERT INTO simulated_gateway_movements (intent_id, payment_id, kind, amount, idempotency_key) VALUES ($1, $2, $3, $4, $5)', [
            intent.id,
            intent.paymentId,
            movement.kind,
            movement.amount,
            key,
          ]);
        }
      }
      const webhooks = (effects.webhooks ?? []).map((payload) => ({ id: (JSON.parse(payload) as { id: string }).id, payload }));
      for (const webhook of webhooks) await tx.query('INSERT INTO simulated_gateway_webhooks (id, payload) VALUES ($1, $2)', [webhook.id, webhook.payload]);
      // JSON null for answers that are nothing (cancel): the column keeps "answered" apart from "never asked".
      await tx.query('INSERT INTO simulated_gateway_requests (idempotency_key, reply) VALUES ($1, $2::jsonb)', [key, JSON.stringify(effects.reply ?? null)]);
      return { reply: effects.reply, webhooks };
    }),
  async owed(olderThanMs) {
    const { rows } = await pool.query<Owed>(
      `SELECT id, payload FROM simulated_gateway_webhooks
        WHERE delivered_at IS NULL AND created_at <= now() - make_interval(secs => $1::double precision / 1000)
        ORDER BY created_at LIMIT 100`,
      [olderThanMs],
    );
    return rows;
  },
  async delivered(id) {
    await pool.query('UPDATE simulated_gateway_webhooks SET delivered_at = now() WHERE id = $1', [id]);
  },
});
