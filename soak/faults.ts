import { rm } from 'node:fs/promises';
import {
  adminToken,
  answer,
  checkWrites,
  eventually,
  freezeDatabase,
  killDatabase,
  startWriters,
  type Outcome,
} from '../e2e/support/database-faults.js';
import { makeDataDir, postgresProcessesFor, startServerProcess, type ServerProcess } from '../e2e/support/server-process.js';
import { DATABASE_ANSWER_BOUND_MS } from '../server/src/infra/database/pool.js';
import { numericFlags, type Log, type Soak } from './soak.js';

/**
 * `npm run soak -- faults`: a real server (as `npm start` runs it, embedded PostgreSQL) under
 * steady writers while its database is killed and frozen, phase after phase, for a bounded time.
 * Prints what the issue asks of it: requests sent, 503s (expected during outages), requests that
 * hung past the bound, process restarts, acknowledged writes lost or duplicated (targets: 0).
 */

const ADMIN = { email: 'admin@soak.local', password: 'soak-admin-password' };
/** An answer later than the documented bound plus this slack (a loaded two-core machine) counts as hung. */
const SLACK_MS = 2_000;
/** /ready must answer within a second, whatever the database does. */
const READY_LIMIT_MS = 1_000;

/** What a phase may touch: the server (replaced if it had to be restarted), its data directory, and the load's progress. */
export type FaultTarget = {
  endpoint: { url: string };
  dataDir: string;
  /** Creates acknowledged so far; a phase waits for it to grow again to know the server recovered. */
  acknowledged(): number;
};

/**
 * One way of hurting the server while the writers keep writing. Phases run in turn until the
 * time is up. Extension point: the slow-upload flood (soak/slow-upload-flood.ts) is one more
 * phase in `phasesFor` below.
 */
export type FaultPhase = { name: string; run(target: FaultTarget, log: Log): Promise<void> };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits for writes to succeed again and says how long the outage lasted, from `since`. */
const awaitRecovery = async (target: FaultTarget, since: number, log: Log, what: string) => {
  const before = target.acknowledged();
  const back = await eventually(async () => target.acknowledged() >= before + 8, 120_000, 50);
  log(`  ${what}: ${back ? `writes succeed again ${((Date.now() - since) / 1000).toFixed(1)} s after it began` : 'NOT RECOVERED within 120 s'}`);
};

const killPhase: FaultPhase = {
  name: 'kill',
  async run(target, log) {
    const since = Date.now();
    killDatabase(target.dataDir);
    await awaitRecovery(target, since, log, 'SIGKILL of the postmaster');
  },
};

const freezePhase = (seconds: number): FaultPhase => ({
  name: `freeze ${seconds} s`,
  async run(target, log) {
    const since = Date.now();
    const thaw = freezeDatabase(target.dataDir);
    try {
      await sleep(seconds * 1000);
    } finally {
      thaw();
    }
    await awaitRecovery(target, since, log, `SIGSTOP for ${seconds} s`);
  },
});

const phasesFor = (flags: { freeze: number }): FaultPhase[] => [killPhase, freezePhase(flags.freeze)];

type Tally = { slowReady: number; readyPolls: number; healthNot200: number };

/** Polls /health and /ready as a load balancer would, counting late or wrong answers. */
const startProbes = (endpoint: { url: string }) => {
  const tally: Tally = { slowReady: 0, readyPolls: 0, healthNot200: 0 };
  let running = true;
  const loop = (async () => {
    while (running) {
      const health = await answer(`${endpoint.url}/health`, {}, READY_LIMIT_MS);
      if (!(health instanceof Response) || health.status !== 200) tally.healthNot200++;
      const ready = await answer(`${endpoint.url}/ready`, {}, READY_LIMIT_MS);
      tally.readyPolls++;
      if (!(ready instanceof Response)) tally.slowReady++;
      await sleep(200);
    }
  })();
  return { tally, stop: async () => ((running = false), await loop) };
};

const describeOutcomes = (outcomes: Outcome[]) => {
  const count = (kind: Outcome['kind']) => outcomes.filter((outcome) => outcome.kind === kind).length;
  const other = outcomes.filter((outcome): outcome is Extract<Outcome, { kind: 'other' }> => outcome.kind === 'other');
  return {
    sent: outcomes.length,
    created: count('created'),
    unavailable: count('unavailable'),
    unavailableNotProblem: outcomes.filter((outcome) => outcome.kind === 'unavailable' && !outcome.problem).length,
    hung: count('hung'),
    refused: count('refused'),
    otherStatuses: [...new Set(other.map((outcome) => outcome.status))],
    other: other.length,
  };
};

export const faultsSoak: Soak = {
  name: 'faults',
  summary: 'kill and freeze the embedded PostgreSQL under writers; count 503s, hangs, restarts, lost or doubled writes',
  usage: ['--duration <s> (default 60)  --writers <n> (default 8)  --freeze <s> per freeze (default 10)'],
  async run(args, log) {
    const flags = numericFlags(args, { duration: 60, writers: 8, freeze: 10 });
    const dataDir = await makeDataDir();
    const env = { EVENTSHOP_DATA_DIR: dataDir, EVENTSHOP_ADMIN_EMAIL: ADMIN.email, EVENTSHOP_ADMIN_PASSWORD: ADMIN.password };
    let server: ServerProcess = await startServerProcess(env);
    const endpoint = { url: server.url };
    let restarts = 0;
    let finished = false;
    // The server must never die; if it does, it is counted and started again so the campaign goes on.
    const watch = (child: ServerProcess) =>
      child.child.once('exit', () => {
        if (finished) return;
        restarts++;
        log(`  the server process exited (restart ${restarts}); starting it again`);
        void startServerProcess(env).then((next) => {
          server = next;
          endpoint.url = next.url;
          watch(next);
        });
      });
    watch(server);

    try {
      const token = await adminToken(server.url, ADMIN);
      const boundMs = DATABASE_ANSWER_BOUND_MS;
      log(`faults soak: ${flags.writers} writers, ${flags.duration} s, freezes of ${flags.freeze} s; an answer later than ${(boundMs + SLACK_MS) / 1000} s counts as hung`);
      const writers = startWriters(endpoint, token, { writers: flags.writers, category: 'soak', limitMs: boundMs + SLACK_MS });
      const probes = startProbes(endpoint);
      const target: FaultTarget = { endpoint, dataDir, acknowledged: () => writers.report.acknowledged.length };
      const phases = phasesFor(flags);
      const until = Date.now() + flags.duration * 1000;
      await eventually(async () => target.acknowledged() > 0, 30_000);
      for (let round = 0; round === 0 || Date.now() < until; round++) {
        for (const phase of phases) {
          log(`round ${round + 1}, ${phase.name}`);
          await phase.run(target, log);
          await sleep(2_000); // calm between phases, so each outage is its own
        }
      }
      const report = await writers.stop();
      await probes.stop();
      const { lost, duplicated } = await checkWrites(endpoint.url, token, 'soak', report.acknowledged);
      const outcomes = describeOutcomes(report.outcomes);

      const figures: [string, number | string, number | undefined][] = [
        ['requests sent', outcomes.sent, undefined],
        ['answered 2xx (created)', outcomes.created, undefined],
        ['answered 503 problem (expected in outages)', outcomes.unavailable, undefined],
        ['answered 503 without problem or Retry-After', outcomes.unavailableNotProblem, 0],
        ['answered anything else', `${outcomes.other}${outcomes.otherStatuses.length ? ` (${outcomes.otherStatuses.join(', ')})` : ''}`, 0],
        ['connection refused or reset', outcomes.refused, 0],
        [`hung past ${(boundMs + SLACK_MS) / 1000} s`, outcomes.hung, 0],
        ['slowest answer (ms)', report.slowestAnswerMs, undefined],
        [`/ready polls over ${READY_LIMIT_MS} ms`, `${probes.tally.slowReady} of ${probes.tally.readyPolls}`, 0],
        ['/health not 200', probes.tally.healthNot200, 0],
        ['process restarts', restarts, 0],
        ['acknowledged writes lost', lost.length, 0],
        ['writes duplicated', duplicated.length, 0],
      ];
      log('');
      let missed = false;
      for (const [label, value, target] of figures) {
        const count = typeof value === 'number' ? value : Number(value.split(' ')[0]);
        const miss = target !== undefined && count > target;
        missed ||= miss;
        log(`  ${label.padEnd(46)} ${String(value).padStart(8)}${target !== undefined ? `   target ${target}${miss ? '  MISSED' : ''}` : ''}`);
      }
      return missed;
    } finally {
      finished = true;
      await server.stop('SIGINT').catch(() => {});
      for (const pid of postgresProcessesFor(dataDir)) process.kill(pid, 'SIGKILL');
      await rm(dataDir, { recursive: true, force: true });
    }
  },
};
