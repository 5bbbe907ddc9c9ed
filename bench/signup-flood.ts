import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { parseFlags, positiveInteger, type Bench } from './bench.js';
import { startBenchServer } from './fixture.js';
import { formatMs, table, type Log } from './format.js';

/**
 * A real user's sign-in while others flood registration (each registration is a scrypt hash).
 * The probe that found the problem: 64 parallel registrations from one address pushed a login
 * from 105 ms median to 2,458 ms. Three scenarios, each with the same sequence of sign-ins:
 * quiet, a flood from one address (the per-address sign-up limit's case), and a flood from many
 * addresses (what the password-hashing queue is for).
 */
export type SignUpFloodOptions = { databaseUrl: string; logins: number; flooders: number; log: Log };

type Answer = { status: number; ms: number };

/** Plain HTTP, so each request can come from its own loopback address (all of 127.0.0.0/8 on Linux). */
const post = (baseUrl: string, path: string, body: object, localAddress: string) =>
  new Promise<Answer>((resolve, reject) => {
    const url = new URL(path, baseUrl);
    const payload = JSON.stringify(body);
    const started = performance.now();
    const request = http.request(
      { hostname: url.hostname, port: url.port, path: url.pathname, method: 'POST', agent: false, localAddress, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } },
      (response) => {
        response.resume();
        response.on('end', () => resolve({ status: response.statusCode ?? 0, ms: performance.now() - started }));
      },
    );
    request.on('error', reject);
    request.end(payload);
  });

const percentile = (sorted: number[], share: number) => sorted[Math.min(sorted.length - 1, Math.ceil(share * sorted.length) - 1)] ?? Number.NaN;

type ScenarioResult = { scenario: string; login: { p50: number; p95: number; max: number; failed: number }; flood: Record<string, number> };

export const benchSignUpFlood = async (options: SignUpFloodOptions): Promise<ScenarioResult[]> => {
  const server = await startBenchServer(options.databaseUrl, 'process');
  try {
    const password = 'a bench user password';
    const email = `bench-user-${Date.now()}@bench.local`;
    const registered = await post(server.baseUrl, '/api/users/register', { email, password, name: 'Bench User' }, '127.3.0.1');
    if (registered.status !== 201) throw new Error(`could not register the bench user: ${registered.status}`);

    let signUps = 0;
    /** Sequential sign-ins, each from a fresh address so the per-address sign-in limit (20 a minute) is not what is measured. */
    const signIns = async () => {
      const times: number[] = [];
      let failed = 0;
      for (let index = 0; index < options.logins; index++) {
        const answer = await post(server.baseUrl, '/api/users/login', { email, password }, `127.4.${Math.floor(index / 250)}.${(index % 250) + 1}`);
        if (answer.status === 200) times.push(answer.ms);
        else failed++;
      }
      times.sort((a, b) => a - b);
      return { p50: percentile(times, 0.5), p95: percentile(times, 0.95), max: times.at(-1) ?? Number.NaN, failed };
    };

    const scenario = async (name: string, addressOf: ((worker: number, attempt: number) => string) | undefined): Promise<ScenarioResult> => {
      options.log(`scenario: ${name}`);
      const flood: Record<string, number> = {};
      let stop = false;
      const flooders = addressOf
        ? Array.from({ length: options.flooders }, async (_, worker) => {
            for (let attempt = 0; !stop; attempt++) {
              const body = { email: `flood-${signUps++}-${Date.now()}@bench.local`, password: 'a flood password 123', name: 'Flood' };
              const answer = await post(server.baseUrl, '/api/users/register', body, addressOf(worker, attempt)).catch(() => ({ status: 0, ms: 0 }));
              flood[answer.status || 'error'] = (flood[answer.status || 'error'] ?? 0) + 1;
              // A refused flooder comes back 100 ms later: hammering without pause would measure a raw
              // request flood on two cores (any answer costs something), not the scrypt work at issue.
              if (answer.status === 429 || answer.status === 0) await new Promise((resolve) => setTimeout(resolve, 100));
            }
          })
        : [];
      // Let the flood fill the queue before the first sign-in.
      if (addressOf) await new Promise((resolve) => setTimeout(resolve, 500));
      const login = await signIns();
      stop = true;
      await Promise.all(flooders);
      return { scenario: name, login, flood };
    };

    let nextAddress = 0;
    return [
      await scenario('quiet', undefined),
      await scenario(`${options.flooders} flooders, one address`, () => '127.5.0.1'),
      await scenario(`${options.flooders} flooders, a new address each time`, () => {
        nextAddress += 1;
        return `127.6.${Math.floor(nextAddress / 250) % 250}.${(nextAddress % 250) + 1}`;
      }),
    ];
  } finally {
    await server.close();
  }
};

const printSignUpFlood = (results: ScenarioResult[], log: Log) => {
  log('');
  const rows = results.map(({ scenario, login, flood }) => [
    scenario,
    formatMs(login.p50),
    formatMs(login.p95),
    formatMs(login.max),
    String(login.failed),
    Object.entries(flood)
      .map(([status, count]) => `${status}: ${count}`)
      .join(', ') || '-',
  ]);
  for (const line of table(['scenario', 'login p50 ms', 'p95 ms', 'max ms', 'login failed', 'registrations answered'], rows)) log(line);
};

export const signUpFloodBench: Bench = {
  name: 'signup-flood',
  summary: 'a user\'s sign-in latency while registrations flood in, from one address and from many',
  usage: ['--logins=N            sign-ins timed per scenario (default 40)', '--flooders=N          parallel registering clients (default 64)'],
  prepare(args) {
    const flags = parseFlags(args, { logins: { type: 'string' }, flooders: { type: 'string' } });
    const logins = positiveInteger(flags.logins, 'logins') ?? 40;
    const flooders = positiveInteger(flags.flooders, 'flooders') ?? 64;
    return async ({ databaseUrl, log }) => printSignUpFlood(await benchSignUpFlood({ databaseUrl, logins, flooders, log }), log);
  },
};
