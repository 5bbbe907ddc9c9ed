import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../server/src/infra/database/embedded.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A PostgreSQL URL with rights to create databases; each test file makes its own. */
    adminDatabaseUrl: string;
  }
}

/**
 * One PostgreSQL for the whole run: DATABASE_URL when given, otherwise an embedded one in a
 * temporary directory that is removed afterwards.
 */
export default async function setup(project: TestProject) {
  let embedded: EmbeddedDatabase | undefined;
  let directory: string | undefined;
  let adminDatabaseUrl = process.env.DATABASE_URL;
  if (!adminDatabaseUrl) {
    directory = await mkdtemp(path.join(os.tmpdir(), 'eventshop-test-'));
    // mkdtemp makes it private; PostgreSQL may run as another user (when we are root) and must enter it.
    await chmod(directory, 0o755);
    embedded = await startEmbeddedPostgres(path.join(directory, 'postgres'), { persistent: false });
    adminDatabaseUrl = embedded.adminUrl;
  }
  project.provide('adminDatabaseUrl', adminDatabaseUrl);
  return async () => {
    await embedded?.stop();
    if (directory) await rm(directory, { recursive: true, force: true });
  };
}
