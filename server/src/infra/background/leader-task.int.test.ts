import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import pg from 'pg';
import { createTestDatabase } from '../../../../test/database.js';
import { startLeaderTask, type LeaderTask } from './leader-task.js';

let databaseUrl: string;
beforeAll(async () => {
  databaseUrl = await createTestDatabase();
});

const until = async (condition: () => boolean, ms = 10_000) => {
  for (let waited = 0; waited < ms && !condition(); waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
  return condition();
};

describe('a scheduled task shared by several instances', () => {
  const tasks: LeaderTask[] = [];
  afterAll(() => Promise.all(tasks.map((task) => task.stop())));

  it('runs in one of them at a time, and another takes over when the leader’s connection dies', async () => {
    const ticks = { a: 0, b: 0 };
    const start = (name: 'a' | 'b') => {
      const task = startLeaderTask({
        name: `test-${name}`,
        connectionString: databaseUrl,
        lockKey: 991_001,
        intervalMs: 50,
        tick: async () => {
          ticks[name]++;
        },
      });
      tasks.push(task);
      return task;
    };
    const a = start('a');
    const b = start('b');
    expect(await until(() => ticks.a + ticks.b > 5)).toBe(true);
    expect([a.isLeader(), b.isLeader()].filter(Boolean)).toHaveLength(1);
    const [leader, follower] = a.isLeader() ? [a, b] : [b, a];
    const followerTicks = leader === a ? () => ticks.b : () => ticks.a;
    expect(followerTicks()).toBe(0);

    // Kill the leader's connection from the server side, as a crashed process would lose it.
    const admin = new pg.Client({ connectionString: databaseUrl });
    await admin.connect();
    await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1`, [`eventshop:test-${leader === a ? 'a' : 'b'}`]);
    await admin.end();
    expect(await until(() => follower.isLeader() && followerTicks() > 0)).toBe(true);
  });
});
