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
const keyOf = ({ principal, key }: { principal: string; key: string }) => `${principal}\u0000${key}`;

export const idempotencyStore = (pool: Pool) => {
  /**
   * The writes waiting at one moment, claims and stored answers alike, go to PostgreSQL as one
   * statement and one commit (see batcher): under load that halves the bookkeeping's round trips
   * and commits per command. A key twice among the claims is claimed by its first request only;
   * the other sees a conflict, as it would one statement later. A retry's claim that rides with
   * its key's answer meets the existing row, so it conflicts and reads the answer afterwards.
   */
  const write = batcher(async (writes: (Claim | Completion)[]): Promise<boolean[]> => {
    const claims = writes.flatMap((each, index) => ('fingerprint' in each ? [{ ...each, index }] : []));
    const completions = writes.flatMap((each) => ('response' in each ? [each] : []));
    const firstOf = new Map<string, number>();
    for (const c of claims) if (!firstOf.has(keyOf(c))) firstOf.set(keyOf(c), c.index);
    const unique = claims.filter((c) => firstOf.get(keyOf(c)) === c.index);
    const { rows } = await pool.query<{ principal: string; key: string }>({
      name: 'idempotency-write',
      text: `WITH completed AS (
               UPDATE idempotency_keys AS k
                  SET state = 'completed', status = c.status, headers = c.headers::jsonb, body = c.body
                 FROM unnest($5::text[], $6::text[], $7::int[], $8::text[], $9::text[]) AS c(principal, key, status, headers, body)
                WHERE k.principal = c.principal AND k.key = c.key
             )
             INSERT INTO idempotency_keys (principal, key, operation_id, request_hash, state)
             SELECT principal, key, operation_id, request_hash, 'in_progress'
               FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS c(principal, key, operation_id, request_hash)
             ON CONFLICT (principal, key) DO NOTHING
             RETURNING principal, key`,
      values: [
        unique.map((c) => c.principal),
        unique.map((c) => c.key),
        unique.map((c) => c.operationId),
        unique.map((c) => c.fingerprint),
        completions.map((c) => c.principal),
        completions.map((c) => c.key),
        completions.map((c) => c.response.status),
        completions.map((c) => JSON.stringify(c.response.headers)),
        completions.map((c) => c.response.body),
      ],
    });
    const claimed = new Set(rows.map(keyOf));
    return writes.map((each, index) => 'fingerprint' in each && firstOf.get(keyOf(each)) === index && claimed.has(keyOf(each)));
  });
  const claim = (c: Claim) => write(c);
  const complete = async (c: Completion) => void (await write(c));

  const begin = async (principal: string, key: string, operationId: string, fingerprint: string, attempt = 1): Promise<IdempotencyStart> => {
    // The common case, a key never seen: claimed by the batch's one statement.
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
