import type { Handlers, OperationIdsOf } from '../../infra/http/operations.js';

export type ReadinessCheck = { name: string; check: () => Promise<{ ok: boolean; detail?: string }> };

export const SERVER_VERSION = '0.1.0';

export const systemHandlers = (deps: { checks: ReadinessCheck[]; startedAt: number }): Handlers<OperationIdsOf<'system'>> => ({
  'system.health': async () => ({ status: 'ok', version: SERVER_VERSION, uptimeSeconds: Math.round((Date.now() - deps.startedAt) / 1000) }),

  'system.ready': async (_input, { setStatus }) => {
    const checks = await Promise.all(
      deps.checks.map(async ({ name, check }) => {
        try {
          return { name, ...(await check()) };
        } catch (error) {
          return { name, ok: false, detail: (error as Error).message };
        }
      }),
    );
    const ready = checks.every((c) => c.ok);
    if (!ready) setStatus(503);
    return { status: ready ? 'ready' : 'not_ready', checks };
  },
});
