import { createHash } from 'node:crypto';
import type { Pool } from '../database/pool.js';
import { HttpProblem } from './problems.js';

export type StoredResponse = { status: number; headers: Record<string, string>; body: string };

export type IdempotencyStart = { kind: 'new' } | { kind: 'replay'; response: StoredResponse };

/** How long a key remembers its answer, and how long an unfinished attempt blocks a retry. */
const KEY_TTL = '24 hours';
const IN_PROGRESS_TTL = '60 seconds';

export const requestFingerprint = (operationId: string, input: unknown) =>
  createHash('sha256').update(operationId).update('\u0000').update(JSON.stringify(input)).digest('base64url');

/**
 * Remembers a command's first successful answer under (principal, Idempotency-Key), so a client
 * retrying after a lost response gets that answer again instead of doing the work twice.
 * Failures are forgotten, because a failed command appended nothing and may be retried.
 */
export const idempotencyStore = (pool: Pool) => ({
  async begin(principal: string, key: string, operationId: string, fingerprint: string): Promise<IdempotencyStart> {
    const { rows } = await pool.query<{ inserted: boolean; operation_id: string; request_hash: string; state: string; status: number; headers: Record<string, string>; body: string }>(
      `WITH expired AS (
         DELETE FROM idempotency_keys
          WHERE principal = $1 AND key = $2
            AND (created_at < now() - interval '${KEY_TTL}' OR (state = 'in_progress' AND created_at < now() - interval '${IN_PROGRESS_TTL}'))
       ), inserted AS (
         INSERT INTO idempotency_keys (principal, key, operation_id, request_hash, state)
         VALUES ($1, $2, $3, $4, 'in_progress')
         ON CONFLICT (principal, key) DO NOTHING
         RETURNING true AS inserted
       )
       SELECT true AS inserted, $3 AS operation_id, $4 AS request_hash, 'in_progress' AS state, NULL::int AS status, NULL::jsonb AS headers, NULL AS body
         FROM inserted
       UNION ALL
       SELECT false, operation_id, request_hash, state, status, headers, body
         FROM idempotency_keys WHERE principal = $1 AND key = $2 AND NOT EXISTS (SELECT 1 FROM inserted)`,
      [principal, key, operationId, fingerprint],
    );
    const row = rows[0];
    if (!row || row.inserted) return { kind: 'new' };
    if (row.operation_id !== operationId || row.request_hash !== fingerprint) {
      throw new HttpProblem(
        422,
        'idempotency_key_reused',
        'Idempotency-Key reused for a different request',
        'This key was first used with another operation or body. Use a fresh key for each distinct request.',
      );
    }
    if (row.state === 'in_progress') {
      throw new HttpProblem(
        409,
        'idempotency_key_in_use',
        'A request with this Idempotency-Key is still in progress',
        'Wait for the first request to finish, then retry with the same key.',
        {},
        { 'x-should-retry': 'true', 'retry-after': '1' },
      );
    }
    return { kind: 'replay', response: { status: row.status, headers: row.headers, body: row.body } };
  },

  async complete(principal: string, key: string, response: StoredResponse) {
    await pool.query(
      `UPDATE idempotency_keys SET state = 'completed', status = $3, headers = $4, body = $5 WHERE principal = $1 AND key = $2`,
      [principal, key, response.status, JSON.stringify(response.headers), response.body],
    );
  },

  async abandon(principal: string, key: string) {
    await pool.query(`DELETE FROM idempotency_keys WHERE principal = $1 AND key = $2 AND state = 'in_progress'`, [principal, key]);
  },
});

export type IdempotencyStore = ReturnType<typeof idempotencyStore>;

export const IDEMPOTENCY_KEY_PATTERN = /^[A-Za-z0-9._:-]{8,128}$/;
