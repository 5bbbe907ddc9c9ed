import { createHash } from 'node:crypto';
import { batcher } from '../database/batcher.js';
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
type Claim = { principal: string; key: string; operationId: string; fingerprint: string };
type Completion = { principal: string; key: string; response: StoredResponse };

export const idempotencyStore = (pool: Pool) => {
  /**
   * Claims many keys in one statement (see batcher). A key twice in one batch is claimed by its
   * first request only; the other sees a conflict, as it would one statement later.
   */
  const claim = batcher(async (claims: Claim[]): Promise<boolean[]> => {
    const firstOf = new Map<string, number>();
    claims.forEach((c, index) => firstOf.has(`${c.principal}\u0000${c.key}`) || firstOf.set(`${c.principal}\u0000${c.key}`, index));
    const unique = [...firstOf.values()].map((index) => claims[index]!);
    const { rows } = await pool.query<{ principal: string; key: string }>({
      name: 'idempotency-claim',
      text: `INSERT INTO idempotency_keys (principal, key, operation_id, request_hash, state)
             SELECT principal, key, operation_id, request_hash, 'in_progress'
               FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS c(principal, key, operation_id, request_hash)
             ON CONFLICT (principal, key) DO NOTHING
             RETURNING principal, key`,
      values: [unique.map((c) => c.principal), unique.map((c) => c.key), unique.map((c) => c.operationId), unique.map((c) => c.fingerprint)],
    });
    const claimed = new Set(rows.map((row) => `${row.principal}\u0000${row.key}`));
    return claims.map((c, index) => firstOf.get(`${c.principal}\u0000${c.key}`) === index && claimed.has(`${c.principal}\u0000${c.key}`));
  });

  const complete = batcher(async (completions: Completion[]): Promise<void[]> => {
    await pool.query({
      name: 'idempotency-complete',
      text: `UPDATE idempotency_keys AS k
                SET state = 'completed', status = c.status, headers = c.headers::jsonb, body = c.body
               FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::text[]) AS c(principal, key, status, headers, body)
              WHERE k.principal = c.principal AND k.key = c.key`,
      values: [
        completions.map((c) => c.principal),
        completions.map((c) => c.key),
        completions.map((c) => c.response.status),
        completions.map((c) => JSON.stringify(c.response.headers)),
        completions.map((c) => c.response.body),
      ],
    });
    return completions.map(() => undefined);
  });

  const begin = async (principal: string, key: string, operationId: string, fingerprint: string, attempt = 1): Promise<IdempotencyStart> => {
    // The common case, a key never seen: claimed in the batch's one INSERT.
    if (await claim({ principal, key, operationId, fingerprint })) return { kind: 'new' };

    // A retry, a race, or an old key. A row that has outlived its use is dropped and claimed afresh.
    const expired = await pool.query(
      `DELETE FROM idempotency_keys
        WHERE principal = $1 AND key = $2
          AND (created_at < now() - interval '${KEY_TTL}' OR (state = 'in_progress' AND created_at < now() - interval '${IN_PROGRESS_TTL}'))`,
      [principal, key],
    );
    if (expired.rowCount === 1 && attempt < 3) return begin(principal, key, operationId, fingerprint, attempt + 1);

    const { rows } = await pool.query<{ operation_id: string; request_hash: string; state: string; status: number; headers: Record<string, string>; body: string }>(
      `SELECT operation_id, request_hash, state, status, headers, body FROM idempotency_keys WHERE principal = $1 AND key = $2`,
      [principal, key],
    );
    const row = rows[0];
    // Gone between our statements (its first request failed and was forgotten): claim it now.
    if (!row && attempt < 3) return begin(principal, key, operationId, fingerprint, attempt + 1);
    if (!row || row.operation_id !== operationId || row.request_hash !== fingerprint) {
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
  };

  return {
    begin: (principal: string, key: string, operationId: string, fingerprint: string) => begin(principal, key, operationId, fingerprint),

    async complete(principal: string, key: string, response: StoredResponse) {
      await complete({ principal, key, response });
    },

    async abandon(principal: string, key: string) {
      await pool.query(`DELETE FROM idempotency_keys WHERE principal = $1 AND key = $2 AND state = 'in_progress'`, [principal, key]);
    },
  };
};

export type IdempotencyStore = ReturnType<typeof idempotencyStore>;

export const IDEMPOTENCY_KEY_PATTERN = /^[A-Za-z0-9._:-]{8,128}$/;
