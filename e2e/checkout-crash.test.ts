import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../test/database.js';
import { checkoutTrials, CHECKOUT_CRASH_POINTS, type Scenario } from '../soak/checkout.js';
import { killLeftoverServers } from './support/server-process.js';

afterAll(async () => {
  await killLeftoverServers();
});

/**
 * A few rounds of `npm run soak -- checkout` (soak/checkout.ts, where the checks are): a real
 * server process killed with SIGKILL at one named point of a checkout and started again, one
 * point of each kind. The soak runs every point under every scenario it passes through.
 */
const TRIALS: { point: string; scenario: Scenario }[] = [
  // After a gateway call, before recording it: the restarted server finds the gateway's answer again.
  { point: 'gateway:after-captureIntent', scenario: 'cancel-after-ship' },
  // In the middle of a webhook: the owed delivery arrives again and is applied once.
  { point: 'webhook:before-apply', scenario: 'cancel-before-ship' },
  // After an append, before the process's step.
  { point: 'after-append:OrderConfirmed', scenario: 'decline-then-good' },
];

describe('checkout under kill -9', () => {
  it('ends every trial with one charge, no reservation left and stock equal to the log', async () => {
    for (const trial of TRIALS) expect(CHECKOUT_CRASH_POINTS.find((known) => known.point === trial.point)?.scenarios).toContain(trial.scenario);
    const lines: string[] = [];
    const result = await checkoutTrials(
      await createTestDatabase(),
      TRIALS.map((trial, index) => ({ index, ...trial })),
      (line) => lines.push(line),
    );
    expect(result.violations, lines.join('\n')).toEqual([]);
    expect(result.trials).toBe(TRIALS.length);
    expect(result.reached, lines.join('\n')).toBe(TRIALS.length);
  }, 600_000);
});
