import { afterAll, beforeAll, expect, it } from 'vitest';
import { runClusterCampaign, type ClusterReport } from '../soak/cluster.js';
import { createPool, type Pool } from '../server/src/infra/database/pool.js';
import { createTestDatabase } from '../test/database.js';
import { shopCluster, type ShopCluster } from './support/shop-cluster.js';
import { killLeftoverServers } from './support/server-process.js';

let cluster: ShopCluster;
let pool: Pool;

beforeAll(async () => {
  const databaseUrl = await createTestDatabase();
  pool = createPool(databaseUrl, 2);
  // The Node proxy: the balancer every machine has (`npm run soak -- cluster` prefers haproxy).
  cluster = await shopCluster(databaseUrl, { loadBalancer: 'node' });
}, 180_000);

afterAll(async () => {
  await cluster?.close();
  await killLeftoverServers();
  await pool?.end();
});

it('behind a load balancer, an API process killed with -9 and restarted under SDK traffic loses no 2xx command and doubles none', async () => {
  const report: ClusterReport = await runClusterCampaign(cluster, pool, { seconds: 4, kills: 1, workers: 3, loadBalancer: 'node', installHaproxy: false }, () => {});
  const summary = JSON.stringify({ ...report, okMissing: report.okMissing.slice(0, 5) });
  expect(report.kills, summary).toHaveLength(1);
  expect(report.okOnce, summary).toBeGreaterThan(0);
  expect(report.okMissing, summary).toEqual([]);
  expect(report.okDoubled, summary).toEqual([]);
  expect(report.failedDoubled, summary).toEqual([]);
  // The only failures are calls in flight at the kill (whose command was done but whose answer died with the instance).
  expect(report.failed.filter((failure) => !failure.inFlightAtKill), summary).toEqual([]);
  // Traffic went on through the restart, carried by the survivor.
  expect(report.okAfterFirstKill, summary).toBeGreaterThan(0);
  expect(report.processorsCaughtUp, summary).toBe(true);
  expect(report.readModelEqualsReplay, summary).toBe(true);
}, 180_000);
