import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../../test/database.js';
import { migrate } from '../database/migrations.js';
import { createPool, type Pool } from '../database/pool.js';
import { HttpProblem } from './problems.js';
import { idempotencyStore, type Claim, type IdempotencyStore } from './idempotency.js';

let pool: Pool;
let store: IdempotencyStore;
/** These tests never leave a key stalled, so the event log is never asked. */
const nothingLeft = async () => false;

beforeAll(async () => {
  pool = createPool(await createTestDatabase(), 4);
  await migrate(pool);
  store = idempotencyStore(pool, { requestLeftEvents: nothingLeft });
});
afterAll(() => pool?.end());

const claimOf = (principal: string, key: string, fingerprint: string): Claim => ({
  principal,
  key,
  operationId: 'products.create',
  fingerprint,
  requestId: `request-for-${key}`,
});

const outcome = (promise: Promise<unknown>) =>
  promise.then(
    (start) => (start as { kind: string }).kind,
    (error: unknown) => (error instanceof HttpProblem ? error.code : 'error'),
  );

describe('idempotency keys claimed together', () => {
  it('claims each distinct key once, even when requests for them arrive in the same instant', async () => {
    const keys = ['batch-key-0001', 'batch-key-0002', 'batch-key-0003', 'batch-key-0001', 'batch-key-0002'];
    const results = await Promise.all(keys.map((key) => outcome(store.begin(claimOf('user-1', key, 'same-body')))));
    expect(results).toEqual(['new', 'new', 'new', 'idempotency_key_in_use', 'idempotency_key_in_use']);
  });

  it('keeps one principal’s keys apart from another’s', async () => {
    const results = await Promise.all(['user-a', 'user-b'].map((principal) => outcome(store.begin(claimOf(principal, 'shared-key-0001', 'body')))));
    expect(results).toEqual(['new', 'new']);
  });

  it('replays each completed answer to its own key', async () => {
    await Promise.all(['done-key-0001', 'done-key-0002'].map((key) => store.begin(claimOf('user-2', key, 'body'))));
    await Promise.all([
      store.complete('user-2', 'done-key-0001', { status: 201, headers: { etag: '"1"' }, body: '{"n":1}' }),
      store.complete('user-2', 'done-key-0002', { status: 201, headers: { etag: '"1"' }, body: '{"n":2}' }),
    ]);
    const [first, second] = await Promise.all(['done-key-0001', 'done-key-0002'].map((key) => store.begin(claimOf('user-2', key, 'body'))));
    expect(first).toEqual({ kind: 'replay', response: { status: 201, headers: { etag: '"1"' }, body: '{"n":1}' } });
    expect(second).toEqual({ kind: 'replay', response: { status: 201, headers: { etag: '"1"' }, body: '{"n":2}' } });
  });

  it('writes the claims and answers waiting together in one statement, and a retry riding with the answer gets it', async () => {
    await store.begin(claimOf('user-4', 'ride-key-0001', 'body'));
    const statements: string[] = [];
    const counting = Object.create(pool) as Pool;
    counting.query = ((config: { name?: string } | string, ...rest: unknown[]) => {
      statements.push(typeof config === 'string' ? config : (config.name ?? 'unnamed'));
      return (pool.query as (...args: unknown[]) => unknown)(config, ...rest);
    }) as Pool['query'];
    const together = idempotencyStore(counting, { requestLeftEvents: nothingLeft });
    const [, fresh, retry] = await Promise.all([
      together.complete('user-4', 'ride-key-0001', { status: 201, headers: {}, body: '{"first":true}' }),
      outcome(together.begin(claimOf('user-4', 'ride-key-0002', 'body'))),
      together.begin(claimOf('user-4', 'ride-key-0001', 'body')),
    ]);
    expect(fresh).toBe('new');
    // The retry's claim met the existing row; it read the answer once the shared statement had committed.
    expect(retry).toEqual({ kind: 'replay', response: { status: 201, headers: {}, body: '{"first":true}' } });
    expect(statements[0]).toBe('idempotency-write');
    expect(statements.filter((name) => name === 'idempotency-write')).toHaveLength(1);
  });

  it('refuses a key reused for a different body', async () => {
    await store.begin(claimOf('user-3', 'reused-key-0001', 'body-a'));
    expect(await outcome(store.begin(claimOf('user-3', 'reused-key-0001', 'body-b')))).toBe('idempotency_key_reused');
  });
});

describe('a key whose request stopped mid-way', () => {
  /** Ages a claim as if its request had started long ago and never answered. */
  const stall = (principal: string, key: string) =>
    pool.query(`UPDATE idempotency_keys SET created_at = now() - interval '10 minutes' WHERE principal = $1 AND key = $2`, [principal, key]);
  const asked: unknown[] = [];
  const storeWhere = (applied: boolean) =>
    idempotencyStore(pool, {
      stallSeconds: 60,
      requestLeftEvents: async (request) => {
        asked.push(request);
        return applied;
      },
    });

  it('is not touched while it is younger than the stall time', async () => {
    const store = storeWhere(true);
    await store.begin(claimOf('user-5', 'young-key-0001', 'body'));
    expect(await outcome(store.begin(claimOf('user-5', 'young-key-0001', 'body')))).toBe('idempotency_key_in_use');
  });

  it('is answered "carried out, answer lost" when its request left events, and stays so', async () => {
    const store = storeWhere(true);
    asked.length = 0;
    await store.begin(claimOf('user-6', 'stalled-key-0001', 'body'));
    await stall('user-6', 'stalled-key-0001');
    expect(await outcome(store.begin(claimOf('user-6', 'stalled-key-0001', 'body')))).toBe('idempotency_key_answer_lost');
    expect(asked).toEqual([{ requestId: 'request-for-stalled-key-0001', actorId: 'user-6', since: expect.any(Date) }]);
    // Marked once: later retries get the same answer without looking at the events again.
    expect(await outcome(store.begin(claimOf('user-6', 'stalled-key-0001', 'body')))).toBe('idempotency_key_answer_lost');
    expect(asked).toHaveLength(1);
  });

  it('is claimed afresh when its request left nothing', async () => {
    const store = storeWhere(false);
    await store.begin(claimOf('user-7', 'stalled-key-0002', 'body'));
    await stall('user-7', 'stalled-key-0002');
    expect(await outcome(store.begin(claimOf('user-7', 'stalled-key-0002', 'body')))).toBe('new');
    // The fresh claim is young again.
    expect(await outcome(store.begin(claimOf('user-7', 'stalled-key-0002', 'body')))).toBe('idempotency_key_in_use');
  });

  it('still refuses a different body on a stalled key', async () => {
    const store = storeWhere(false);
    await store.begin(claimOf('user-8', 'stalled-key-0003', 'body-a'));
    await stall('user-8', 'stalled-key-0003');
    expect(await outcome(store.begin(claimOf('user-8', 'stalled-key-0003', 'body-b')))).toBe('idempotency_key_reused');
  });
});
