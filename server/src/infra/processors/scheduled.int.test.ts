import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { createTestDatabase } from '../../../../test/database.js';
import type { PostgresEventStore } from '@event-driven-io/emmett-postgresql';
import { migrate } from '../database/migrations.js';
import { createEventStore } from '../eventstore.js';
import { createPool, type Pool } from '../database/pool.js';
import { checkpointStore } from './checkpoints.js';
import type { ScheduledProcessor } from './declaration.js';
import { processorOverview } from './overview.js';
import { LEADER_APPLICATION_PREFIX, startProcessors, type ProcessorRuntime } from './runtime.js';

let databaseUrl: string;
let pool: Pool;
let eventStore: PostgresEventStore;
const runtimes: ProcessorRuntime[] = [];

beforeAll(async () => {
  databaseUrl = await createTestDatabase();
  pool = createPool(databaseUrl, 4);
  await migrate(pool);
  // The listing reads the log's head, so the log's tables must exist.
  eventStore = createEventStore(databaseUrl, pool, []);
  await eventStore.schema.migrate();
});
afterAll(async () => {
  await Promise.all(runtimes.map((runtime) => runtime.stop()));
  await eventStore?.close().catch(() => {});
  await pool?.end();
});

/** Passes of each task, by the instance that made them. */
const passes = new Map<string, string[]>();
const task = (name: string, instance: string): ScheduledProcessor => ({
  kind: 'scheduled',
  name,
  intervalMs: 20,
  tick: async () => {
    passes.set(name, [...(passes.get(name) ?? []), instance]);
  },
});
const count = (name: string, instance?: string) => (passes.get(name) ?? []).filter((by) => instance === undefined || by === instance).length;

const start = async (instance: string) => {
  const runtime = await startProcessors({
    databaseUrl,
    pool,
    processors: [task('test_task_a', instance), task('test_task_b', instance)],
    options: { instance, leadershipPollMs: 50 },
  });
  runtimes.push(runtime);
  return runtime;
};

const declared = [
  { module: 'testing', processor: task('test_task_a', '') },
  { module: 'testing', processor: task('test_task_b', '') },
];
const listed = async (name: string) => (await processorOverview(pool, declared)).find((entry) => entry.name === name)!;

const until = async (condition: () => boolean | Promise<boolean>, what: string) => {
  for (const deadline = Date.now() + 10_000; !(await condition()); ) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

describe('scheduled tasks led by the processor runtime', () => {
  it('run in one instance at a time, are listed with their holder, pause and resume by name, and are led again when the leader’s session dies', async () => {
    const first = await start('host:1001');
    const second = await start('host:1002');
    await until(() => count('test_task_a') > 3, 'passes of task a');
    const leader = first.leading().includes('test_task_a') ? first : second;
    const follower = leader === first ? second : first;
    expect(follower.leading()).not.toContain('test_task_a');
    expect(count('test_task_a', follower.instance)).toBe(0);
    expect(await listed('test_task_a')).toMatchObject({ kind: 'scheduled', status: 'running', heldBy: leader.instance, lagEvents: 0, parked: 0 });

    // Paused, it makes no pass while its sibling in the same loop-runner makes several.
    await checkpointStore(pool).setPaused('test_task_a', true);
    await until(async () => (await listed('test_task_a')).status === 'paused', 'the pause to show');
    // Both loops read the checkpoint before each pass: once b has made three more, a has seen the pause.
    const b = count('test_task_b');
    await until(() => count('test_task_b') >= b + 3, 'task b to go on');
    const a = count('test_task_a');
    const b2 = count('test_task_b');
    await until(() => count('test_task_b') >= b2 + 5, 'task b to go on again');
    expect(count('test_task_a')).toBe(a);
    await checkpointStore(pool).setPaused('test_task_a', false);
    await until(() => count('test_task_a') > a, 'task a to resume');

    // The leader's session dies (what kill -9 of its process does): the other instance takes the task.
    const admin = new pg.Client({ connectionString: databaseUrl });
    await admin.connect();
    try {
      await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1`, [`${LEADER_APPLICATION_PREFIX}${leader.instance}`]);
    } finally {
      await admin.end();
    }
    // Both instances are still alive and both poll for the lock, so either may win it back; what must
    // hold is that someone leads it again and it goes on. (e2e/processors.test.ts kills a whole process.)
    const after = count('test_task_a');
    await until(async () => (await listed('test_task_a')).heldBy !== null && count('test_task_a') > after + 3, 'the task to be led again');
    expect([first.instance, second.instance]).toContain((await listed('test_task_a')).heldBy);
  });

  it('show a failing pass as failing with its error, and running again after the next good one', async () => {
    let failing = true;
    const flaky: ScheduledProcessor = {
      kind: 'scheduled',
      name: 'test_task_flaky',
      intervalMs: 20,
      tick: async () => {
        if (failing) throw new Error('the payment gateway is down');
      },
    };
    const runtime = await startProcessors({ databaseUrl, pool, processors: [flaky], options: { instance: 'host:1003', leadershipPollMs: 50 } });
    runtimes.push(runtime);
    const state = async () => (await processorOverview(pool, [{ module: 'testing', processor: flaky }]))[0]!;
    await until(async () => (await state()).status === 'failing', 'the failure to show');
    expect((await state()).lastError).toMatch(/payment gateway is down/);
    failing = false;
    await until(async () => (await state()).status === 'running', 'a good pass');
    expect((await state()).lastError).toBeNull();
  });
});
