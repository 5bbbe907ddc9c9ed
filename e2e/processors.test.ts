import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../test/database.js';
import { processorCluster, type ProcessorCluster } from './support/processor-cluster.js';
import { killLeftoverServers } from './support/server-process.js';

let cluster: ProcessorCluster;

beforeAll(async () => {
  cluster = processorCluster(await createTestDatabase());
  await cluster.start();
  await cluster.start();
}, 120_000);

afterAll(async () => {
  await killLeftoverServers();
  await cluster?.close();
});

describe('processors on two server processes sharing one database', () => {
  it('run each processor in one instance; after kill -9 mid-batch another takes over and every event is handled exactly once', async () => {
    for (let round = 0; round < 2; round += 1) {
      // Signed in before anything is killed; the writes then race the kill.
      const writing = await cluster.startWriting(30, `round ${round}`);
      await expect.poll(() => cluster.holderOf('test_recorder'), { timeout: 10_000, interval: 50 }).not.toBeNull();
      const holder = (await cluster.holderOf('test_recorder'))!;
      const victim = cluster.serverNamed(holder);
      expect(victim, `holder ${holder}`).toBeDefined();
      await victim!.stop('SIGKILL');
      await writing();
      // The survivor takes over within seconds: the lock died with the victim's session.
      const survivors = cluster.alive().map((server) => server.child.pid);
      await expect.poll(() => cluster.holderOf('test_recorder'), { timeout: 10_000, interval: 100 }).toMatch(new RegExp(`:(${survivors.join('|')})$`));
      await cluster.start();
    }
    await (await cluster.startWriting(20, 'after'))();
    await expect.poll(() => cluster.caughtUp(), { timeout: 20_000, interval: 100 }).toBe(true);

    const tally = await cluster.recorderTally();
    expect(tally).toMatchObject({ handled: tally.events, distinct_events: tally.events });
    expect(tally.instances).toBeGreaterThan(1);

    // The category statistics survived the kills equal to a fresh replay of the log.
    const comparison = await cluster.compareStatsWithReplay();
    expect(comparison.equal, JSON.stringify(comparison.tables)).toBe(true);
    expect(comparison.tables.find((table) => table.table === 'catalog_stats_products')!.liveRows).toBeGreaterThan(20);
  }, 180_000);

  it('lead scheduled tasks the same way: after kill -9 of the instance running reservation expiry, the other takes it and carries on', async () => {
    await expect.poll(() => cluster.holderOf('inventory_reservation_expiry'), { timeout: 10_000, interval: 50 }).not.toBeNull();
    const holder = (await cluster.holderOf('inventory_reservation_expiry'))!;
    await cluster.serverNamed(holder)!.stop('SIGKILL');
    const survivors = cluster.alive().map((server) => server.child.pid);
    await expect.poll(() => cluster.holderOf('inventory_reservation_expiry'), { timeout: 10_000, interval: 100 }).toMatch(new RegExp(`:(${survivors.join('|')})$`));
    // And it makes passes there: its last pass moves on.
    const taken = (await cluster.entry('inventory_reservation_expiry')).updatedAt;
    await expect.poll(async () => (await cluster.entry('inventory_reservation_expiry')).updatedAt, { timeout: 10_000, interval: 100 }).not.toBe(taken);
    expect(await cluster.entry('inventory_reservation_expiry')).toMatchObject({ kind: 'scheduled', status: 'running', lastError: null });
    await cluster.start();
  }, 60_000);
});
