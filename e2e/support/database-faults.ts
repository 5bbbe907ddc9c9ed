import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Tools for hurting a server's embedded PostgreSQL and watching what clients see, shared by
 * e2e/database-faults.test.ts (a few rounds) and `npm run soak -- faults` (a long campaign).
 */

/** The embedded postmaster's pid, from the first line of its postmaster.pid. */
export const postmasterPid = (dataDir: string): number => {
  const pid = Number(readFileSync(path.join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`no postmaster pid in ${dataDir}`);
  return pid;
};

/** SIGKILL of the postmaster: what a crash or the OOM killer does. */
export const killDatabase = (dataDir: string) => process.kill(postmasterPid(dataDir), 'SIGKILL');

/**
 * Stops the postmaster and all its backends (SIGSTOP): connections stay open and nothing
 * answers, as when a host stalls. Call the returned thaw in a finally.
 */
export const freezeDatabase = (dataDir: string): (() => void) => {
  const postmaster = postmasterPid(dataDir);
  // The postmaster first, so it forks no backend we would miss.
  signal(postmaster, 'SIGSTOP');
  const frozen = [postmaster, ...childrenOf(postmaster)];
  for (const pid of frozen) signal(pid, 'SIGSTOP');
  return () => {
    for (const pid of frozen) signal(pid, 'SIGCONT');
  };
};

/** The backends and helpers: their command lines do not name the data directory, their parent is the postmaster. */
const childrenOf = (parent: number): number[] =>
  readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        // Field 4 of /proc/<pid>/stat, after the parenthesised command name (which may hold spaces).
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === parent;
      } catch {
        return false;
      }
    })
    .map(Number);

const signal = (pid: number, name: NodeJS.Signals) => {
  try {
    process.kill(pid, name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
};

/** What one request was answered with; `hung` when no answer came within the limit. */
export type Outcome =
  | { kind: 'created'; name: string }
  | { kind: 'unavailable'; problem: boolean; retryAfter: boolean }
  | { kind: 'other'; status: number; body: string }
  | { kind: 'hung' }
  | { kind: 'refused'; error: string };

export const answer = async (url: string, init: RequestInit, limitMs: number): Promise<Response | 'hung' | Error> => {
  try {
    return await fetch(url, { ...init, signal: AbortSignal.timeout(limitMs) });
  } catch (error) {
    return (error as Error).name === 'TimeoutError' ? 'hung' : (error as Error);
  }
};

/** An answer is a proper outage answer when it is a 503 problem that says when to retry. */
export const isOutageAnswer = (response: Response) =>
  response.status === 503 && (response.headers.get('content-type') ?? '').startsWith('application/problem+json') && response.headers.has('retry-after');

/** Creates one product named `name` with its own Idempotency-Key, sent once (no retries, so nothing hides). */
export const createOnce = async (base: string, token: string, category: string, name: string, limitMs: number): Promise<Outcome> => {
  const response = await answer(
    `${base}/api/products`,
    {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': `key-${name.replaceAll(' ', '-')}` },
      body: JSON.stringify({ name, price: { amount: 1000, currency: 'EUR' }, categoryId: category }),
    },
    limitMs,
  );
  if (response === 'hung') return { kind: 'hung' };
  if (response instanceof Error) return { kind: 'refused', error: String((response.cause as Error | undefined)?.message ?? response.message) };
  const body = await response.text();
  if (response.status === 201) return { kind: 'created', name };
  if (response.status === 503) return { kind: 'unavailable', problem: isOutageAnswer(response), retryAfter: response.headers.has('retry-after') };
  return { kind: 'other', status: response.status, body };
};

export type LoadReport = { sent: number; outcomes: Outcome[]; acknowledged: string[]; slowestAnswerMs: number };

/** `writers` clients creating products in `category` back to back until `stop` is called; `target.url` is read for each request. */
export const startWriters = (target: { url: string }, token: string, options: { writers: number; category: string; limitMs: number }) => {
  const report: LoadReport = { sent: 0, outcomes: [], acknowledged: [], slowestAnswerMs: 0 };
  let stopped = false;
  const writer = async () => {
    while (!stopped) {
      const name = `${options.category} item ${report.sent++}`;
      const started = Date.now();
      const outcome = await createOnce(target.url, token, options.category, name, options.limitMs);
      if (outcome.kind !== 'hung') report.slowestAnswerMs = Math.max(report.slowestAnswerMs, Date.now() - started);
      report.outcomes.push(outcome);
      if (outcome.kind === 'created') report.acknowledged.push(name);
      // Refused connections fail in microseconds; do not spin on them.
      if (outcome.kind !== 'created') await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  const running = Promise.all(Array.from({ length: options.writers }, writer));
  return {
    report,
    async stop(): Promise<LoadReport> {
      stopped = true;
      await running;
      return report;
    },
  };
};

/** Every product of the category, by name: how many times each is stored. */
export const storedNames = async (base: string, token: string, category: string): Promise<Map<string, number>> => {
  const counts = new Map<string, number>();
  let cursor: string | null = null;
  do {
    const query = new URLSearchParams({ limit: '100', ...(cursor ? { cursor } : {}) });
    const response = await fetch(`${base}/api/products/category/${category}?${query}`, { headers: { authorization: `Bearer ${token}` } });
    if (response.status !== 200) throw new Error(`listing ${category} answered ${response.status}: ${await response.text()}`);
    const page = (await response.json()) as { items: { name: string }[]; nextCursor: string | null };
    for (const { name } of page.items) counts.set(name, (counts.get(name) ?? 0) + 1);
    cursor = page.nextCursor;
  } while (cursor);
  return counts;
};

/** Acknowledged creates missing from the store, and names stored more than once. */
export const checkWrites = async (base: string, token: string, category: string, acknowledged: string[]) => {
  const stored = await storedNames(base, token, category);
  return {
    lost: acknowledged.filter((name) => !stored.has(name)),
    duplicated: [...stored].filter(([, count]) => count > 1).map(([name]) => name),
  };
};

/** Waits until `probe` holds, polling; false when it did not within `limitMs`. */
export const eventually = async (probe: () => Promise<boolean>, limitMs: number, everyMs = 100): Promise<boolean> => {
  for (const until = Date.now() + limitMs; Date.now() < until; ) {
    if (await probe().catch(() => false)) return true;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  return false;
};

export const adminToken = async (base: string, credentials: { email: string; password: string }): Promise<string> => {
  const response = await fetch(`${base}/api/users/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(credentials) });
  if (response.status !== 200) throw new Error(`login answered ${response.status}: ${await response.text()}`);
  return ((await response.json()) as { token: string }).token;
};
