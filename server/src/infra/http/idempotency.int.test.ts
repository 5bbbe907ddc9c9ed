import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../../test/database.js';
import { migrate } from '../database/migrations.js';
import { createPool, type Pool } from '../database/pool.js';
import { HttpProblem } from './problems.js';
import { idempotencyStore, type IdempotencyStore } from './idempotency.js';

let pool: Pool;
let store: IdempotencyStore;

beforeAll(async () => {
  pool = createPool(await createTestDatabase(), 4);
  await migrate(pool);
  store = idempotencyStore(pool);
});
afterAll(() => pool?.end());

const outcome = (promise: Promise<unknown>) =>
  promise.then(
    (start) => (start as { kind: string }).kind,
    (error: unknown) => (error instanceof HttpProblem ? error.code : 'error'),
  );

describe('idempotency keys claimed together', () => {
  it('claims each distinct key once, even when requests for them arrive in the same instant', async () => {
    const keys = ['batch-key-0001', 'batch-key-0002', 'batch-key-0003', 'batch-key-0001', 'batch-key-0002'];
    const results = await Promise.all(keys.map((key) => outcome(store.begin('user-1', key, 'products.create', 'same-body'))));
    expect(results).toEqual(['new', 'new', 'new', 'idempotency_key_in_use', 'idempotency_key_in_use']);
  });

  it('keeps one principal’s keys apart from another’s', async () => {
    const results = await Promise.all(['user-a', 'user-b'].map((principal) => outcome(store.begin(principal, 'shared-key-0001', 'products.create', 'body'))));
    expect(results).toEqual(['new', 'new']);
  });

  it('replays each completed answer to its own key', async () => {
    await Promise.all(['done-key-0001', 'done-key-0002'].map((key) => store.begin('user-2', key, 'products.create', 'body')));
    await Promise.all([
      store.complete('user-2', 'done-key-0001', { status: 201, headers: { etag: '"1"' }, body: '{"n":1}' }),
      store.complete('user-2', 'done-key-0002', { status: 201, headers: { etag: '"1"' }, body: '{"n":2}' }),
    ]);
    const [first, second] = await Promise.all(['done-key-0001', 'done-key-0002'].map((key) => store.begin('user-2', key, 'products.create', 'body')));
    expect(first).toEqual({ kind: 'replay', response: { status: 201, headers: { etag: '"1"' }, body: '{"n":1}' } });
    expect(second).toEqual({ kind: 'replay', response: { status: 201, headers: { etag: '"1"' }, body: '{"n":2}' } });
  });

  it('writes the claims and answers waiting together in one statement, and a retry riding with the answer gets it', async () => {
    await store.begin('user-4', 'ride-key-0001', 'products.create', 'body');
    const statements: string[] = [];
    const counting = Object.create(pool) as Pool;
    counting.query = ((config: { name?: string } | string, ...rest: unknown[]) => {
      statements.push(typeof config === 'string' ? config : (config.name ?? 'unnamed'));
      return (pool.query as (...args: unknown[]) => unknown)(config, ...rest);
    }) as Pool['query'];
    const together = idempotencyStore(counting);
    const [, fresh, retry] = await Promise.all([
      together.complete('user-4', 'ride-key-0001', { status: 201, headers: {}, body: '{"first":true}' }),
      outcome(together.begin('user-4', 'ride-key-0002', 'products.create', 'body')),
      together.begin('user-4', 'ride-key-0001', 'products.create', 'body'),
    ]);
    expect(fresh).toBe('new');
    // The retry's claim met the existing row; it read the answer once the shared statement had committed.
    expect(retry).toEqual({ kind: 'replay', response: { status: 201, headers: {}, body: '{"first":true}' } });
    expect(statements[0]).toBe('idempotency-write');
    expect(statements.filter((name) => name === 'idempotency-write')).toHaveLength(1);
  });

  it('refuses a key reused for a different body', async () => {
    await store.begin('user-3', 'reused-key-0001', 'products.create', 'body-a');
    expect(await outcome(store.begin('user-3', 'reused-key-0001', 'products.create', 'body-b'))).toBe('idempotency_key_reused');
  });
});
