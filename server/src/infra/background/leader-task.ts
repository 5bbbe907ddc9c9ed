import pg from 'pg';

export type LeaderTask = { stop(): Promise<void>; isLeader(): boolean };

/**
 * Runs `tick` every `intervalMs` in exactly one instance among all that share the database.
 * Leadership is a session-level advisory lock held on a dedicated connection: it survives an idle
 * leader (no lease to refresh), and it goes the moment that connection dies (a killed process,
 * a database restart), so another instance takes over at its next attempt. Due work lives in
 * tables (rows with a due time), never in memory, so a new leader simply picks it up.
 */
export const startLeaderTask = (options: {
  name: string;
  connectionString: string;
  lockKey: number;
  intervalMs: number;
  tick: (signal: AbortSignal) => Promise<void>;
  onError?: (error: unknown) => void;
}): LeaderTask => {
  const stop = new AbortController();
  let leader = false;
  let client: pg.Client | undefined;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      stop.signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
    });

  const loop = async () => {
    while (!stop.signal.aborted) {
      try {
        client = new pg.Client({ connectionString: options.connectionString, application_name: `eventshop:${options.name}` });
        // A dead connection must not crash the process: it only means leadership is gone.
        client.on('error', () => {
          leader = false;
        });
        await client.connect();
        while (!stop.signal.aborted) {
          if (!leader) {
            const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [options.lockKey]);
            leader = rows[0]?.locked === true;
          }
          if (leader) await options.tick(stop.signal);
          await sleep(options.intervalMs);
          // Cheap proof the connection (and with it the lock) is still there.
          if (leader) await client.query('SELECT 1');
        }
      } catch (error) {
        leader = false;
        if (!stop.signal.aborted) options.onError?.(error);
      } finally {
        await client?.end().catch(() => {});
        client = undefined;
      }
      await sleep(options.intervalMs);
    }
  };
  const running = loop();

  return {
    isLeader: () => leader,
    async stop() {
      stop.abort();
      await running;
    },
  };
};
