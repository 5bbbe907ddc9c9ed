import { execFileSync } from 'node:child_process';
import os from 'node:os';
import pg from 'pg';

/** PostgreSQL settings that move write and search figures the most; printed so runs can be compared. */
const SETTINGS = ['fsync', 'synchronous_commit', 'shared_buffers', 'max_connections', 'work_mem'];

/** The header every bench prints first: figures mean nothing without the machine they came from. */
export const describeMachine = async (databaseUrl: string, databaseDescription: string): Promise<string[]> => {
  const cpus = os.cpus();
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const version = (await client.query<{ server_version: string }>('SHOW server_version')).rows[0]?.server_version ?? 'unknown';
    const { rows } = await client.query<{ name: string; setting: string; unit: string | null }>(
      'SELECT name, setting, unit FROM pg_settings WHERE name = ANY($1) ORDER BY name',
      [SETTINGS],
    );
    const settings = rows.map((row) => `${row.name}=${row.setting}${row.unit && row.unit !== 'ms' ? ` (${row.unit})` : ''}`).join(', ');
    return [
      `machine:    ${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${os.availableParallelism()} cores, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ${os.type()} ${os.release()} ${os.arch()}`,
      `load avg:   ${os.loadavg().map((load) => load.toFixed(2)).join(' ')} (1/5/15 min, at start)`,
      `node:       ${process.version}`,
      `postgresql: ${version}; ${settings}`,
      `database:   ${databaseDescription}`,
      `code:       ${codeRevision()}`,
      `date:       ${new Date().toISOString()}`,
    ];
  } finally {
    await client.end();
  }
};

/** Read-only git queries: which commit the figures belong to, and whether the tree had local changes. */
const codeRevision = (): string => {
  // For a copy outside git (an exported snapshot), the caller says what it is.
  if (process.env.BENCH_CODE_REVISION) return process.env.BENCH_CODE_REVISION;
  const git = (...args: string[]) => execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  try {
    const changed = git('--no-optional-locks', 'status', '--porcelain').split('\n').filter(Boolean).length;
    return `${git('rev-parse', '--short', 'HEAD')}${changed > 0 ? ` + ${changed} uncommitted changed/new paths in the working tree` : ' (clean)'}`;
  } catch {
    return 'unknown (not a git checkout)';
  }
};
