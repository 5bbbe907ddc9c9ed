import type { systemOperations } from '@eventshop/sdk/contract';
import type { Handlers } from '../../infra/http/operations.js';

export type ReadinessCheck = { name: string; check: () => Promise<{ ok: boolean; detail?: string }> };

export const SERVER_VERSION = '0.1.0';

/**
 * A load balancer polls /ready and must hear "not ready" quickly, even when the database takes
 * connections but never answers (frozen): a check that has not passed by then has failed.
 */
export const READINESS_DEADLINE_MS = 800;

const withinDeadline = <T>(work: Promise<T>, ms: number): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
};

/** Every check, each within the deadline; a check that throws or is late has failed, with why. */
export const runReadinessChecks = (checks: readonly ReadinessCheck[]): Promise<{ name: string; ok: boolean; detail?: string }[]> =>
  Promise.all(
    checks.map(async ({ name, check }) => {
      try {
        return { name, ...(await withinDeadline(check(), READINESS_DEADLINE_MS)) };
      } catch (error) {
        return { name, ok: false, detail: (error as Error).message };
      }
    }),
  );

export const uptimeSeconds = (startedAt: number) => Math.round((Date.now() - startedAt) / 1000);

export const systemHandlers = (deps: { checks: ReadinessCheck[]; startedAt: number }): Handlers<keyof typeof systemOperations> => ({
  'system.health': async () => ({ status: 'ok', version: SERVER_VERSION, uptimeSeconds: uptimeSeconds(deps.startedAt) }),

  'system.ready': async (_input, { setStatus }) => {
    const checks = await runReadinessChecks(deps.checks);
    const ready = checks.every((c) => c.ok);
    if (!ready) setStatus(503);
    return { status: ready ? 'ready' : 'not_ready', checks };
  },
});
