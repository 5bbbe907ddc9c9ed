import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { createDatabase } from '../server/src/infra/database/create-database.js';

/** A fresh, empty database on the run's PostgreSQL, so test files never see each other's data. */
export const createTestDatabase = (): Promise<string> => createDatabase(inject('adminDatabaseUrl'), `test_${randomBytes(6).toString('hex')}`);
