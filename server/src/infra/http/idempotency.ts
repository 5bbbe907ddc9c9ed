import { createHash } from 'node:crypto';
import { batcher } from '../database/batcher.js';
import type { Pool } from '../database/pool.js';
import { HttpProblem } from './problems.js';

export type StoredResponse = { status: number; headers: Record<string, string>; body: string };

export type IdempotencyStart = { kind: 'new' } | { kind: 'replay'; response: StoredResponse };

/** How long a key remembers its answer. */
const KEY_TTL = '24 hours';
/** How long an unfinished attempt holds its key before a retry may look at what it did (see `stalled`). */
export const DEFAULT_STALL_SECONDS = 60;

/**
 * Whether the request that claimed a key left events behind. A key whose request stopped
 * mid-way (a crash between its append and its stored answer) is resolved with this: events
 * mean the command happened, so running it again would do it twice.
 */
export type RequestLeftEvents = (request: { requestId: string; actorId: string; since: Date }) => Promise<boolean>;

export type IdempotencyOptions = {
  stallSeconds?: number;
  /** Required: without an answer from the log, a stalled key could only be guessed at. */
  requestLeftEvents: RequestLeftEvents;
};

export const requestFingerprint = (operationId: string, input: unknown) =>
  createHash('sha256').update(operationId).update('\u0000').update(JSON.stringify(input)).digest('base64url');

export type Claim = { principal: string; key: string; operationId: string; fingerprint: string; requestId: string };
type Completion = { principal: string; key: string; response: StoredResponse };
const keyOf = ({ principal, key }: { principal: string; key: string }) => `${principal}\u0000${key}`;

/**
 * Remembers a command's first successful answer under (principal, Idempotency-Key), so a client
 * retrying after a lost response gets that answer again instead of doing the work twice.
 * Failures are forgotten, because a failed command appended nothing and may be retried.
 */
export const idempotencyStore = (pool: Pool, options: IdempotencyOptions) => {
  const stallSeconds = options.stallSeconds ?? DEFAULT_STALL_SECONDS;
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
             INSERT INTO idempotency_keys (principal, key, operation_id, request_hash, request_id, state)
             SELECT principal, key, operation_id, request_hash, request_id, 'in_progress'
               FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $10::text[]) AS c(principal, key, operation_id, request_hash, request_id)
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
        unique.map((c) => c.requestId),
      ],
    });
    const claimed = new Set(rows.map(keyOf));
    return writes.map((each, index) => 'fingerprint' in each && firstOf.get(keyOf(each)) === index && claimed.has(keyOf(each)));
  });
  type KeyRow = {
    operation_id: string;
    request_hash: string;
    request_id: string | null;
    state: 'in_progress' | 'completed';
    status: number | null;
    headers: Record<string, string> | null;
    body: string | null;
    created_at: Date;
    /** The row version (xmin): the later DELETE or UPDATE acts only on the row as it was read. */
    version: string;
    expired: boolean;
    stalled: boolean;
  };

  const begin = async (claim: Claim, attempt = 1): Promise<IdempotencyStart> => {
    // The common case, a key never seen: claimed by the batch's one statement.
    if (await write(claim)) return { kind: 'new' };

    // A retry, a race, or an old key.
    const { principal, key } = claim;
    const { rows } = await pool.query<KeyRow>(
      `SELECT operation_id, request_hash, request_id, state, status, headers, body, created_at, xmin::text AS version,
              created_at < now() - interval '${KEY_TTL}' AS expired,
              state = 'in_progress' AND created_at < now() - make_interval(secs => $3) AS stalled
         FROM idempotency_keys WHERE principal = $1 AND key = $2`,
      [principal, key, stallSeconds],
    );
    const row = rows[0];
    // Requests with this key keep failing and freeing it under us: let the client come back shortly.
    const again = () => (attempt < 3 ? begin(claim, attempt + 1) : Promise.reject(inUse()));
    // Gone between our statements (its first request failed and was forgotten): claim it now.
    if (!row) return again();
    // Outlived its use: dropped (unless someone changed it since we read it) and claimed afresh.
    if (row.expired) {
      await dropAsRead(claim, row);
      return again();
    }
    if (row.operation_id !== claim.operationId || row.request_hash !== claim.fingerprint) {
      throw new HttpProblem(
        422,
        'idempotency_key_reused',
        'Idempotency-Key reused for a different request',
        'This key was first used with another operation or body. Use a fresh key for each distinct request.',
      );
    }
    if (row.stalled) return resolveStalled(claim, row, again);
    if (row.state === 'in_progress') throw inUse();
    if (row.status === null || row.body === null) throw answerLost(row.request_id);
    return { kind: 'replay', response: { status: row.status, headers: row.headers ?? {}, body: row.body } };
  };

  /**
   * The first request claimed the key long ago and never stored an answer: the process stopped
   * mid-way. If it left events, the command happened and its answer is gone; the key is marked
   * so, and every retry is told to look the result up instead of doing it twice. If it left
   * nothing, the key is free again.
   */
  const resolveStalled = async (claim: Claim, row: KeyRow, again: () => Promise<IdempotencyStart>): Promise<IdempotencyStart> => {
    // A claim from before request ids were recorded cannot be matched; it is treated as before: freed.
    const applied =
      row.request_id !== null && (await options.requestLeftEvents({ requestId: row.request_id, actorId: claim.principal, since: row.created_at }));
    if (applied) {
      await pool.query(
        `UPDATE idempotency_keys SET state = 'completed' WHERE principal = $1 AND key = $2 AND xmin::text = $3`,
        [claim.principal, claim.key, row.version],
      );
      throw answerLost(row.request_id);
    }
    await dropAsRead(claim, row);
    return again();
  };

  /** Deletes the key's row only if it is still the version we read, so a newer claim survives. */
  const dropAsRead = (claim: Claim, row: KeyRow) =>
    pool.query(`DELETE FROM idempotency_keys WHERE principal = $1 AND key = $2 AND xmin::text = $3`, [claim.principal, claim.key, row.version]);

  return {
    begin: (claim: Claim) => begin(claim),

    async complete(principal: string, key: string, response: StoredResponse) {
      await write({ principal, key, response });
    },

    async abandon(principal: string, key: string) {
      await pool.query(`DELETE FROM idempotency_keys WHERE principal = $1 AND key = $2 AND state = 'in_progress'`, [principal, key]);
    },
  };
};

const answerLost = (requestId: string | null) =>
  new HttpProblem(
    409,
    'idempotency_key_answer_lost',
    'The request with this Idempotency-Key was carried out, but its answer was lost',
    `The server stopped after the first request${requestId ? ` (X-Request-Id ${requestId})` : ''} had made its change and before it could answer. ` +
      'Look the result up (for example list or get the resource) instead of retrying; a retry with a new key would do it again.',
    // Not `requestId`: every problem already carries the id of the request it answers.
    requestId ? { firstRequestId: requestId } : {},
  );

const inUse = () =>
  new HttpProblem(
    409,
    'idempotency_key_in_use',
    'A request with this Idempotency-Key is still in progress',
    'Wait for the first request to finish, then retry with the same key.',
    {},
    { 'x-should-retry': 'true', 'retry-after': '1' },
  );

export type IdempotencyStore = ReturnType<typeof idempotencyStore>;

export const IDEMPOTENCY_KEY_PATTERN = /^[A-Za-z0-9._:-]{8,128}$/;
