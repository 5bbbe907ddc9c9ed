import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { chmod, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export type ServerProcess = {
  url: string;
  child: ChildProcess;
  output(): string;
  /** Sends the signal and resolves with the exit code (null when killed by a signal). */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
};

/**
 * Every server started here and not yet exited. A test that fails half-way never reaches its
 * `stop()`; these are killed in the file's afterAll (`killLeftoverServers`) and, as a last resort,
 * when this process exits, so a red run does not leave servers behind.
 */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Kills what a failed test left running and waits until it has exited. */
export const killLeftoverServers = async () => {
  await Promise.all(
    [...running].map(
      (child) =>
        new Promise<void>((done) => {
          child.once('exit', () => done());
          child.kill('SIGKILL');
        }),
    ),
  );
};

/** A data directory the embedded PostgreSQL can use even when tests run as root. */
export const makeDataDir = async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'eventshop-e2e-'));
  await chmod(dir, 0o755);
  return dir;
};

/**
 * Starts the server exactly as `npm start` does (same entry point and loader), on a free port,
 * and resolves once it has printed its whole start-up banner (where it listens, the docs, the admin).
 */
export const startServerProcess = (env: Record<string, string>): Promise<ServerProcess> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--conditions=@eventshop/source', '--import', 'tsx', 'server/src/main.ts'], {
      cwd: REPO_ROOT,
      env: { ...process.env, PORT: '0', LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.add(child);
    let output = '';
    const exited = new Promise<number | null>((done) =>
      child.once('exit', (code) => {
        running.delete(child);
        done(code);
      }),
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(output);
      // The banner arrives in several writes; wait for its last line so callers see all of it.
      if (match && output.includes('Press Ctrl-C to stop.')) {
        child.stdout!.off('data', onData);
        child.stdout!.on('data', (more: Buffer) => (output += more.toString()));
        resolve({
          url: match[1]!,
          child,
          output: () => output,
          stop: async (signal = 'SIGINT') => {
            child.kill(signal);
            return exited;
          },
        });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    void exited.then((code) => reject(new Error(`server exited (${code}) before listening:\n${output}`)));
  });

/** PIDs of postgres processes whose command line names this data directory. */
export const postgresProcessesFor = (dataDir: string): number[] =>
  readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
        return cmdline.includes('postgres') && cmdline.includes(dataDir);
      } catch {
        return false;
      }
    })
    .map(Number);
