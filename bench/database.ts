import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createDatabase } from '../server/src/infra/database/create-database.js';
import { startEmbeddedPostgres } from '../server/src/infra/database/embedded.js';

export type BenchDatabase = {
  /** A fresh, empty database for this run. */
  url: string;
  /** Where it lives, for the header. */
  description: string;
  close(): Promise<void>;
};

/**
 * One database for the whole run. With DATABASE_URL, a scratch database on that server (dropped
 * afterwards, so a shared PostgreSQL is left as found); otherwise an embedded PostgreSQL in a
 * temporary directory that is deleted afterwards, also when the run is interrupted.
 */
export const openBenchDatabase = async (env: NodeJS.ProcessEnv = process.env): Promise<BenchDatabase> => {
  const external = env.DATABASE_URL || undefined;
  if (external) {
    const name = `eventshop_bench_${randomBytes(4).toString('hex')}`;
    const url = await createDatabase(external, name);
    return {
      url,
      description: `DATABASE_URL server, scratch database ${name} (dropped afterwards)`,
      close: once(async () => {
        await withClient(external, (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
      }),
    };
  }

  const directory = await mkdtemp(path.join(os.tmpdir(), 'eventshop-bench-'));
  // mkdtemp makes it private; as root, PostgreSQL runs as the `postgres` user, who must enter it.
  await chmod(directory, 0o755);
  // A synchronous last resort: on Ctrl-C the process may exit before an async cleanup finishes.
  const removeDirectory = () => rmSync(directory, { recursive: true, force: true });
  process.on('exit', removeDirectory);
  try {
    const embedded = await startEmbeddedPostgres(path.join(directory, 'postgres'), { persistent: false });
    await withClient(embedded.adminUrl, (client) => client.query('CREATE DATABASE bench'));
    return {
      url: embedded.urlFor('bench'),
      description: `embedded PostgreSQL in ${directory} (deleted afterwards)`,
      // Once only: both the normal path and an interrupt may ask.
      close: once(async () => {
        await embedded.stop();
        await rm(directory, { recursive: true, force: true });
        process.off('exit', removeDirectory);
      }),
    };
  } catch (error) {
    removeDirectory();
    process.off('exit', removeDirectory);
    throw error;
  }
};

const withClient = async <T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> => {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
};

const once = (task: () => Promise<void>) => {
  let running: Promise<void> | undefined;
  return () => (running ??= task());
};
