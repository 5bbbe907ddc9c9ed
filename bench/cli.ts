import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { cliBundleOptions } from '../cli/build/bundle-options.js';
import { parseFlags, positiveInteger, type Bench } from './bench.js';
import { startBenchServer } from './fixture.js';
import { formatMs, table, verdict, type Log } from './format.js';

/** From the issue: start-up against bare `node -e 0` measured in the same run. */
const TARGETS = { version: 2, help: 2, list: 3, inRepositoryVsInstalled: 1.3 };

const repository = fileURLToPath(new URL('..', import.meta.url));
const inRepositoryBin = path.join(repository, 'cli', 'bin', 'shopctl.js');

/** `command` defaults to this Node; `npx` cases run npm's own launcher first. */
type Case = { label: string; argv: string[]; command?: string };
type Timing = { label: string; medianMs: number; p90Ms: number; failures: number };

/**
 * An installed shopctl as npm lays it out: the launcher beside a bundled dist/ and no src/, built
 * with the options `npm run build` uses (cli/build/bundle-options.js), in a temporary folder.
 */
const buildInstalledCopy = async (folder: string): Promise<string> => {
  mkdirSync(path.join(folder, 'bin'), { recursive: true });
  copyFileSync(inRepositoryBin, path.join(folder, 'bin', 'shopctl.js'));
  copyFileSync(path.join(repository, 'cli', 'package.json'), path.join(folder, 'package.json'));
  await build({ ...cliBundleOptions, entryPoints: { bin: path.join(repository, 'cli', 'src', 'bin.ts') }, outdir: path.join(folder, 'dist'), absWorkingDir: repository });
  return path.join(folder, 'bin', 'shopctl.js');
};

const timeOnce = (argv: string[], env: NodeJS.ProcessEnv, command = process.execPath): { ms: number; ok: boolean } => {
  const started = process.hrtime.bigint();
  const run = spawnSync(command, argv, { env, stdio: ['ignore', 'ignore', 'pipe'], cwd: repository });
  return { ms: Number(process.hrtime.bigint() - started) / 1e6, ok: run.status === 0 };
};

const percentile = (sorted: number[], share: number) => sorted[Math.min(sorted.length - 1, Math.floor(share * sorted.length))]!;

/** Every case once per round, rounds in a row, so a slow spell of the machine lands on all of them alike. */
const timeCases = (cases: Case[], rounds: number, env: NodeJS.ProcessEnv): Timing[] => {
  const samples = cases.map(() => [] as number[]);
  const failures = cases.map(() => 0);
  // One untimed run of each first: the page cache and the in-repository build cache are warm, as on a second use.
  for (const each of cases) timeOnce(each.argv, env, each.command);
  for (let round = 0; round < rounds; round++) {
    for (const [index, each] of cases.entries()) {
      const { ms, ok } = timeOnce(each.argv, env, each.command);
      samples[index]!.push(ms);
      if (!ok) failures[index]!++;
    }
  }
  return cases.map((each, index) => {
    const sorted = samples[index]!.sort((a, b) => a - b);
    return { label: each.label, medianMs: percentile(sorted, 0.5), p90Ms: percentile(sorted, 0.9), failures: failures[index]! };
  });
};

export const cliBench: Bench = {
  name: 'cli',
  summary: 'shopctl start-up: --version, --help and a one-item list, installed and in the repository, beside `node -e 0`',
  usage: ['--rounds <n>  runs of each command (default 15)'],
  prepare(args) {
    const flags = parseFlags(args, { rounds: { type: 'string' } });
    const rounds = positiveInteger(flags.rounds, 'rounds') ?? 15;
    return ({ databaseUrl, log }) => benchCli({ databaseUrl, rounds, log });
  },
};

const benchCli = async ({ databaseUrl, rounds, log }: { databaseUrl: string; rounds: number; log: Log }) => {
  const folder = mkdtempSync(path.join(os.tmpdir(), 'shopctl-bench-'));
  const server = await startBenchServer(databaseUrl, 'process');
  try {
    await server.client(server.adminToken).products.create({ name: 'Bench cup', price: { amount: 1200, currency: 'USD' }, categoryId: 'kitchen' });
    const installedBin = await buildInstalledCopy(path.join(folder, 'installed'));
    const configFile = path.join(folder, 'config.json');
    writeFileSync(configFile, JSON.stringify({ profiles: {} }));
    const env: NodeJS.ProcessEnv = { ...process.env, SHOPCTL_URL: server.baseUrl, SHOPCTL_CONFIG: configFile, NO_COLOR: '1' };
    for (const name of ['SHOPCTL_TOKEN', 'SHOPCTL_API_KEY', 'SHOPCTL_PROFILE']) delete env[name];

    const commands = { version: ['--version'], help: ['--help'], list: ['products', 'list', '--limit', '1'] } as const;
    const cases: Case[] = [
      { label: 'node -e 0', argv: ['-e', '0'] },
      ...Object.entries(commands).flatMap(([name, argv]) => [
        { label: `installed ${name}`, argv: [installedBin, ...argv] },
        { label: `repository ${name}`, argv: [inRepositoryBin, ...argv] },
      ]),
      // For reference: npx itself (npm's start-up and bin lookup) comes on top of the launcher it finds.
      { label: 'npx shopctl version', argv: ['shopctl', '--version'], command: 'npx' },
    ];
    log(`rounds: ${rounds} of each command, interleaved; wall time from spawn to exit; server on ${server.baseUrl} in its own process`);
    log(`installed: ${installedBin} (bundled as npm run build bundles); repository: ${path.relative(repository, inRepositoryBin)} (build cache in cli/node_modules/.cache/shopctl)`);
    log('');
    const timings = timeCases(cases, rounds, env);
    const node = timings[0]!.medianMs;
    const byLabel = new Map(timings.map((timing) => [timing.label, timing]));
    log(
      table(
        ['command', 'median ms', 'p90 ms', '× node', 'failed'],
        timings.map((timing) => [timing.label, formatMs(timing.medianMs), formatMs(timing.p90Ms), (timing.medianMs / node).toFixed(2), String(timing.failures)]),
      ).join('\n'),
    );
    log('');
    const rows: string[][] = [];
    for (const name of Object.keys(commands) as (keyof typeof commands)[]) {
      for (const where of ['installed', 'repository']) {
        const ratio = byLabel.get(`${where} ${name}`)!.medianMs / node;
        rows.push([`${where} ${name} vs node -e 0`, `≤ ${TARGETS[name]}×`, `${ratio.toFixed(2)}×`, verdict(ratio <= TARGETS[name])]);
      }
      const ratio = byLabel.get(`repository ${name}`)!.medianMs / byLabel.get(`installed ${name}`)!.medianMs;
      rows.push([`repository vs installed, ${name}`, `≤ ${TARGETS.inRepositoryVsInstalled}×`, `${ratio.toFixed(2)}×`, verdict(ratio <= TARGETS.inRepositoryVsInstalled)]);
    }
    log(table(['target', 'wanted', 'measured', ''], rows).join('\n'));

    // What a first run after editing a source file pays once: a fresh build of the cache.
    const rebuild = timeOnce(['-e', `const { freshBuild } = await import(${JSON.stringify(path.join(repository, 'cli', 'build', 'build-cache.js'))}); await freshBuild({ entry: ${JSON.stringify(path.join(repository, 'cli', 'src', 'bin.ts'))}, inputs: [], cacheDir: ${JSON.stringify(path.join(folder, 'cache'))}, workingDir: ${JSON.stringify(repository)} });`, '--input-type=module'], env);
    log('');
    log(`rebuild of the in-repository cache after a source change (paid once, by the next run): ${formatMs(rebuild.ms)} ms${rebuild.ok ? '' : ' (FAILED)'}`);
  } finally {
    await server.close();
    rmSync(folder, { recursive: true, force: true });
  }
};
