import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  adminToken,
  answer,
  checkWrites,
  createOnce,
  eventually,
  freezeDatabase,
  isOutageAnswer,
  killDatabase,
  postmasterPid,
  startWriters,
} from './support/database-faults.js';
import { killLeftoverServers, makeDataDir, postgresProcessesFor, startServerProcess, type ServerProcess } from './support/server-process.js';

const ADMIN = { email: 'admin@faults.local', password: 'faults-admin-password' };

/** Far above the documented bound (docs/reliability.md): an answer later than this means it hung. */
const HUNG_MS = 20_000;

/** One server lives through both: a freeze, then a kill (each costs a start of its own otherwise). */
describe('the server outlives its database', () => {
  let server: ServerProcess;
  let dataDir: string;
  let token: string;
  beforeAll(async () => {
    dataDir = await makeDataDir();
    server = await startServerProcess({ EVENTSHOP_DATA_DIR: dataDir, EVENTSHOP_ADMIN_EMAIL: ADMIN.email, EVENTSHOP_ADMIN_PASSWORD: ADMIN.password });
    token = await adminToken(server.url, ADMIN);
  });
  afterAll(async () => {
    await killLeftoverServers();
    if (!dataDir) return;
    for (const pid of postgresProcessesFor(dataDir)) {
      process.kill(pid, 'SIGCONT');
      process.kill(pid, 'SIGKILL');
    }
    await rm(dataDir, { recursive: true, force: true });
  });

  it('answers 503 within the bound while PostgreSQL is frozen, says not ready at once, and recovers when it thaws', async () => {
    // Warm connections in the pool, so requests really wait on frozen sessions.
    expect((await createOnce(server.url, token, 'frozen', 'frozen before', HUNG_MS)).kind).toBe('created');

    const thaw = freezeDatabase(dataDir);
    try {
      const ready = answer(`${server.url}/ready`, {}, HUNG_MS);
      const health = answer(`${server.url}/health`, {}, HUNG_MS);
      const read = answer(`${server.url}/api/products/category/frozen`, { headers: { authorization: `Bearer ${token}` } }, HUNG_MS);
      const write = createOnce(server.url, token, 'frozen', 'frozen during', HUNG_MS);

      const readiness = await ready;
      expect(readiness instanceof Response && readiness.status).toBe(503);
      const body = (await (readiness as Response).json()) as { checks: { name: string; ok: boolean }[] };
      expect(body.checks.find((check) => check.name === 'database')).toMatchObject({ ok: false });
      const healthAnswer = await health;
      expect(healthAnswer instanceof Response && healthAnswer.status).toBe(200);

      const readAnswer = await read;
      expect(readAnswer instanceof Response && isOutageAnswer(readAnswer)).toBe(true);
      expect(await write).toEqual({ kind: 'unavailable', problem: true, retryAfter: true });
    } finally {
      thaw();
    }

    // Once it thaws, the same server serves again (the write that timed out was answered 503, never 2xx).
    expect(await eventually(async () => (await createOnce(server.url, token, 'frozen', 'frozen after', HUNG_MS)).kind === 'created', 20_000)).toBe(true);
    const stored = await checkWrites(server.url, token, 'frozen', ['frozen before', 'frozen after']);
    expect(stored).toEqual({ lost: [], duplicated: [] });
    expect(server.child.exitCode).toBeNull();
  }, 120_000);

  it('answers 503 while PostgreSQL is killed under 8 writers, restarts it, and keeps every acknowledged create exactly once', async () => {
    const firstPostmaster = postmasterPid(dataDir);
    const writers = startWriters(server, token, { writers: 8, category: 'killed', limitMs: HUNG_MS });

    // Health and readiness as a load balancer sees them, throughout.
    const seen = { health: new Set<number>(), ready: new Set<number>() };
    let polling = true;
    const poller = (async () => {
      while (polling) {
        for (const [path, statuses] of [['/health', seen.health], ['/ready', seen.ready]] as const) {
          const response = await answer(`${server.url}${path}`, {}, HUNG_MS);
          statuses.add(response instanceof Response ? response.status : -1);
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();

    await eventually(async () => writers.report.acknowledged.length >= 20, 15_000);
    killDatabase(dataDir);
    // The outage is seen, then the server brings PostgreSQL back by itself and writes succeed again.
    expect(await eventually(async () => writers.report.outcomes.some((outcome) => outcome.kind === 'unavailable'), 15_000)).toBe(true);
    const ackedAtOutage = writers.report.acknowledged.length;
    expect(await eventually(async () => writers.report.acknowledged.length >= ackedAtOutage + 20, 30_000)).toBe(true);
    const report = await writers.stop();
    polling = false;
    await poller;

    expect(server.child.exitCode).toBeNull();
    expect(postmasterPid(dataDir)).not.toBe(firstPostmaster);
    const outcomes = report.outcomes.map((outcome) => (outcome.kind === 'unavailable' ? `503 problem=${outcome.problem}` : outcome.kind));
    // Only creates and proper 503 problems: no 500, no refused connection, nothing hung.
    expect(new Set(outcomes)).toEqual(new Set(['created', '503 problem=true']));
    expect(seen.health).toEqual(new Set([200]));
    expect(seen.ready).toContain(503);

    expect(await checkWrites(server.url, token, 'killed', report.acknowledged)).toEqual({ lost: [], duplicated: [] });
    expect(await server.stop('SIGINT')).toBe(0);
    expect(postgresProcessesFor(dataDir)).toEqual([]);
  }, 120_000);
});
