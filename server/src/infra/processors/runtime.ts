import os from 'node:os';
import pg from 'pg';
import { checkpointStore } from './checkpoints.js';
import type { RuntimeProcessor } from './declaration.js';
import { rebuildStep } from './rebuild.js';
import { runScheduled } from './scheduled.js';
import { DEFAULT_RUNNER_OPTIONS, errorText, runProcessor, type RunnerOptions } from './runner.js';

/** `pg_try_advisory_lock(LOCK_CLASS, hashtext(<processor name>))`: one lock per processor. */
export const LOCK_CLASS = 4_201_338;

/** Shown as the lock holder in `ops.processors.list` (pg_stat_activity.application_name of the lock's session). */
export const LEADER_APPLICATION_PREFIX = 'eventshop-processors ';

export type ProcessorRuntimeOptions = Partial<Omit<RunnerOptions, 'log'>> & {
  /** How often an instance tries to take the processors it does not lead. */
  leadershipPollMs?: number;
  log?: (line: string) => void;
  /** Names this instance in the ops listing. */
  instance?: string;
};

export type ProcessorRuntime = {
  instance: string;
  /** Names of the processors this instance leads now. */
  leading(): string[];
  /** Finishes the batches in flight, releases every lock. */
  stop(): Promise<void>;
};

/**
 * Leadership, one processor (or scheduled task) at a time: each is run only by the instance holding its
 * session-level advisory lock, all taken on one dedicated connection (not from the pool, where
 * the session would be handed to someone else). The lock lives as long as that connection: when
 * the instance dies (even SIGKILL) PostgreSQL ends the session and frees the locks, and another
 * instance takes them at its next poll. Correctness does not rest on the lock alone: every batch
 * moves the checkpoint by compare-and-set, so two runners at once can never both apply a batch.
 */
export const startProcessors = async (deps: {
  databaseUrl: string;
  pool: pg.Pool;
  /** Processors of events and scheduled tasks alike: one leadership mechanism for all background work. */
  processors: readonly RuntimeProcessor[];
  options?: ProcessorRuntimeOptions;
}): Promise<ProcessorRuntime> => {
  const options = deps.options ?? {};
  const log = options.log ?? (() => {});
  const runner: RunnerOptions = { ...DEFAULT_RUNNER_OPTIONS, ...definedOnly(options), log };
  const instance = options.instance ?? `${os.hostname()}:${process.pid}`;
  const pollMs = options.leadershipPollMs ?? 1000;
  await checkpointStore(deps.pool).ensure(deps.processors.map((processor) => processor.name));

  const loops = new Map<string, { abort: AbortController; done: Promise<void> }>();
  let session: pg.Client | undefined;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let ticking: Promise<void> = Promise.resolve();

  /** The session is gone, and with it every lock: stop each loop after its batch. */
  const lost = (client: pg.Client, why: string) => {
    if (session !== client) return;
    session = undefined;
    if (loops.size > 0) log(`processors: lost the leadership connection (${why}); stopping ${[...loops.keys()].join(', ')}`);
    for (const loop of loops.values()) loop.abort.abort();
    client.end().catch(() => {});
  };

  const connect = async (): Promise<pg.Client | undefined> => {
    const client = new pg.Client({ connectionString: deps.databaseUrl, application_name: `${LEADER_APPLICATION_PREFIX}${instance}`.slice(0, 63) });
    // Never an unhandled 'error': a dropped connection only means someone else leads now.
    client.on('error', (error) => lost(client, errorText(error)));
    client.on('end', () => lost(client, 'connection ended'));
    try {
      await client.connect();
      return client;
    } catch {
      client.end().catch(() => {});
      return undefined;
    }
  };

  const tick = async () => {
    if (stopped) return;
    // A loop still finishing from an earlier leadership is waited for, never run twice here.
    const free = deps.processors.filter((processor) => !loops.has(processor.name));
    if (free.length === 0) return;
    session ??= await connect();
    const client = session;
    if (!client) return;
    for (const processor of free) {
      const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, hashtext($2)) AS ok', [LOCK_CLASS, processor.name]);
      if (!rows[0]?.ok || stopped || session !== client) {
        if (rows[0]?.ok) await client.query('SELECT pg_advisory_unlock($1, hashtext($2))', [LOCK_CLASS, processor.name]).catch(() => {});
        continue;
      }
      await checkpointStore(deps.pool).claimedBy(processor.name, instance);
      log(`processors: ${instance} now runs ${processor.name}`);
      const abort = new AbortController();
      const run =
        processor.kind === 'scheduled'
          ? runScheduled(deps.pool, processor, abort.signal, log)
          : runProcessor(deps.pool, processor, runner, abort.signal, (checkpoint) => rebuildStep(deps.pool, processor, checkpoint, runner));
      const done = run
        .catch((error: unknown) => log(`processor ${processor.name} stopped: ${errorText(error)}`))
        .finally(async () => {
          loops.delete(processor.name);
          // Still connected (a clean stop of one loop): give the lock back so the next poll or instance may take it.
          if (session === client && !stopped) await client.query('SELECT pg_advisory_unlock($1, hashtext($2))', [LOCK_CLASS, processor.name]).catch(() => {});
        });
      loops.set(processor.name, { abort, done });
    }
  };

  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      ticking = tick()
        .catch((error: unknown) => {
          log(`processors: leadership poll failed: ${errorText(error)}`);
          if (session) lost(session, errorText(error));
        })
        .finally(schedule);
    }, pollMs);
    timer.unref();
  };
  ticking = tick().catch((error: unknown) => log(`processors: leadership poll failed: ${errorText(error)}`));
  await ticking;
  schedule();

  return {
    instance,
    leading: () => [...loops.keys()],
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await ticking;
      for (const loop of loops.values()) loop.abort.abort();
      await Promise.all([...loops.values()].map((loop) => loop.done));
      // Ending the session releases every lock at once.
      const client = session;
      session = undefined;
      await client?.end().catch(() => {});
    },
  };
};

const definedOnly = <T extends object>(value: T): Partial<T> =>
  Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
