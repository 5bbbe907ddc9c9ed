import { execFile } from 'node:child_process';
import { lstatSync, readFileSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../test/database.js';
import { killLeftoverServers, REPO_ROOT, startServerProcess, type ServerProcess } from './support/server-process.js';

/**
 * A partner app outside the repository, as docs/sdk.md and docs/cli.md tell one to do it: `npm run
 * pack` writes the tarballs, a fresh app with its own package.json installs one (from the registry
 * and the npm cache for zod, undici and the rest; no workspace link to the sources), type-checks
 * code against the installed types with `tsc --strict`, and runs it against the real server. The CLI
 * tarball is installed on its own, with no SDK beside it, the way `npm install -g` would get it.
 * Costs about 20 s, most of it the SDK's .d.ts build and the two installs (in parallel).
 */

const ADMIN = { email: 'admin@packages-e2e.example.com', password: 'packages-e2e-password' };
const manifestOf = (dir: string) =>
  JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
    version: string;
    main?: string;
    types?: string;
    exports?: Record<string, Record<string, string>>;
    bin?: Record<string, string>;
    dependencies?: Record<string, string>;
  };
const sdkManifest = manifestOf(path.join(REPO_ROOT, 'sdk'));
const cliManifest = manifestOf(path.join(REPO_ROOT, 'cli'));

// Settings npm hands to the scripts it runs (this test may run under `npm test`) must not leak into
// the partner's npm, or it would install as if it were the repository.
const cleanEnv = (extra: Record<string, string> = {}) => ({
  ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name))),
  NO_COLOR: '1',
  ...extra,
});

type Run = { code: number; stdout: string; stderr: string };
const run = (command: string, args: string[], cwd: string, env: Record<string, string> = {}): Promise<Run> =>
  new Promise((resolve) => {
    execFile(command, args, { cwd, env: cleanEnv(env), maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number((error as { code?: unknown }).code ?? 1) || 1 : 0, stdout, stderr }),
    );
  });
const succeed = async (command: string, args: string[], cwd: string, env?: Record<string, string>) => {
  const result = await run(command, args, cwd, env);
  if (result.code !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.code}):\n${result.stdout}\n${result.stderr}`);
  return result;
};

/** A new app directory with its own package.json, with `packages` installed into it by npm. */
const partnerApp = async (name: string, packages: string[]) => {
  const dir = path.join(work, name);
  await mkdir(dir);
  await writeFile(path.join(dir, 'package.json'), JSON.stringify({ name, version: '1.0.0', private: true, type: 'module' }, null, 2));
  const installed = await succeed('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', ...packages], dir);
  return { dir, installOutput: installed.stdout + installed.stderr };
};

/** Every file under `dir`, as paths relative to it with forward slashes. */
const filesUnder = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'))
    .sort();

let work: string;
let server: ServerProcess;
let sdkApp: { dir: string; installOutput: string };
let cliApp: { dir: string; installOutput: string };

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'eventshop-packages-'));
  const starting = startServerProcess({ DATABASE_URL: await createTestDatabase(), EVENTSHOP_ADMIN_EMAIL: ADMIN.email, EVENTSHOP_ADMIN_PASSWORD: ADMIN.password });
  await succeed('npm', ['run', 'pack'], REPO_ROOT);
  const tarball = (name: string, version: string) => path.join(REPO_ROOT, 'dist-packages', `eventshop-${name}-${version}.tgz`);
  const typesNode = `@types/node@${manifestOf(path.join(REPO_ROOT, 'node_modules/@types/node')).version}`;
  [sdkApp, cliApp, server] = await Promise.all([
    partnerApp('sdk-partner', [tarball('sdk', sdkManifest.version), typesNode]),
    partnerApp('cli-partner', [tarball('cli', cliManifest.version)]),
    starting,
  ]);
}, 300_000);

afterAll(async () => {
  if (server) await server.stop('SIGINT');
  await killLeftoverServers();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('the SDK tarball in a partner app', () => {
  it('installs as files of its own (no link into the repository), with no EBADENGINE warning', () => {
    const installed = path.join(sdkApp.dir, 'node_modules/@eventshop/sdk');
    expect(lstatSync(installed).isSymbolicLink()).toBe(false);
    expect(sdkApp.installOutput).not.toMatch(/EBADENGINE/);
  });

  it('holds what a consumer needs and nothing else: the build, the sources its maps name, no tests', () => {
    const installed = path.join(sdkApp.dir, 'node_modules/@eventshop/sdk');
    const files = filesUnder(installed);
    expect(files.filter((file) => /\.test\.ts$|^src\/testing\//.test(file))).toEqual([]);
    expect(files.filter((file) => !/^(dist|src)\//.test(file))).toEqual(['README.md', 'package.json']);
    // Every file the manifest points at (each export condition, main, types) is in the package.
    const manifest = manifestOf(installed);
    const pointedAt = [manifest.main, manifest.types, ...Object.values(manifest.exports ?? {}).flatMap((conditions) => Object.values(conditions))];
    expect(pointedAt.filter((target) => target !== undefined && !files.includes(path.posix.normalize(target)))).toEqual([]);
    // Every source map names files that are there.
    for (const map of files.filter((file) => file.endsWith('.map'))) {
      const { sources } = JSON.parse(readFileSync(path.join(installed, map), 'utf8')) as { sources: string[] };
      const missing = sources.map((source) => path.posix.join(path.posix.dirname(map), source)).filter((source) => !files.includes(source));
      expect(missing, map).toEqual([]);
    }
  });

  // tsc and a Node process take ~4 s of CPU, but wall time on a busy shared box can be many times that.
  it('type-checks partner code with tsc --strict against the installed types, and runs it against the server', { timeout: 180_000 }, async () => {
    await writeFile(
      path.join(sdkApp.dir, 'tsconfig.json'),
      JSON.stringify({
        // skipLibCheck as `tsc --init` writes it: checking zod's and node's own .d.ts costs ~10 s of CPU and says nothing about ours.
        compilerOptions: { strict: true, target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', outDir: 'out', types: ['node'], skipLibCheck: true },
        files: ['app.ts'],
      }),
    );
    await writeFile(
      path.join(sdkApp.dir, 'app.ts'),
      `import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createShopClient, NotFoundError, UnexpectedResponseError, type OutputOf, type ProductView } from '@eventshop/sdk';
import { operations } from '@eventshop/sdk/contract';

const shop = createShopClient({ baseUrl: process.env.SHOP_URL ?? '' });
const health: OutputOf<'system.health'> = await shop.system.health();
shop.setToken((await shop.auth.login({ email: process.env.SHOP_EMAIL ?? '', password: process.env.SHOP_PASSWORD ?? '' })).token);
const cup: ProductView = await shop.products.create({ name: 'Tarball cup', price: { amount: 1299, currency: 'USD' }, categoryId: 'kitchen' });
// The installed types are the contract's, not any: a product without a price does not compile.
// @ts-expect-error price is required
export const priceless = () => shop.products.create({ name: 'No price', categoryId: 'kitchen' });
const missing = await shop.products.get({ id: randomUUID() }).catch((error: unknown) => error);
// Something that is not an eventshop server, answering a web page.
const web = createServer((_request, response) => response.writeHead(200, { 'content-type': 'text/html' }).end('<h1>It works!</h1>'));
await new Promise<void>((listening) => web.listen(0, '127.0.0.1', listening));
const notJson = createShopClient({ baseUrl: 'http://127.0.0.1:' + (web.address() as AddressInfo).port });
const page = await notJson.system.health().catch((error: unknown) => error);
web.close();
console.log(JSON.stringify({
  health: health.status,
  created: cup.name,
  version: cup.version,
  notFound: missing instanceof NotFoundError,
  unexpected: page instanceof UnexpectedResponseError ? page.contentType : String(page),
  operations: Object.keys(operations).includes('products.create'),
}));
await Promise.all([shop.close(), notJson.close()]);
`,
    );
    const tsc = path.join(REPO_ROOT, 'node_modules/typescript/bin/tsc');
    await succeed(process.execPath, [tsc, '-p', 'tsconfig.json'], sdkApp.dir);
    const ran = await succeed(process.execPath, ['out/app.js'], sdkApp.dir, { SHOP_URL: server.url, SHOP_EMAIL: ADMIN.email, SHOP_PASSWORD: ADMIN.password });
    expect(JSON.parse(ran.stdout.trim().split('\n').pop()!)).toEqual({
      health: 'ok',
      created: 'Tarball cup',
      version: 1,
      notFound: true,
      unexpected: expect.stringMatching(/^text\/html/),
      operations: true,
    });
  });
});

describe('the CLI tarball installed on its own', () => {
  it('depends on what its bundle imports (the SDK is inlined), not on the unpublished SDK', () => {
    const installed = path.join(cliApp.dir, 'node_modules/@eventshop/cli');
    expect(lstatSync(installed).isSymbolicLink()).toBe(false);
    // The launcher and the build (one file or several chunks); no sources, maps or tests to ship.
    const files = filesUnder(installed);
    expect(files).toEqual(expect.arrayContaining(['bin/shopctl.js', 'dist/bin.js', 'package.json']));
    expect(files.filter((file) => !/^(bin|dist)\/[^/]+\.js$|^package\.json$|^README\.md$/.test(file))).toEqual([]);
    const { dependencies = {} } = manifestOf(installed);
    expect(dependencies).not.toHaveProperty('@eventshop/sdk');
    expect(dependencies).toMatchObject(sdkManifest.dependencies ?? {});
    expect(() => lstatSync(path.join(cliApp.dir, 'node_modules/@eventshop/sdk'))).toThrow(/ENOENT/);
    expect(cliApp.installOutput).not.toMatch(/EBADENGINE/);
  });

  it('runs as `npx shopctl`: --version, and health against the server', { timeout: 120_000 }, async () => {
    const env = { SHOPCTL_CONFIG: path.join(work, 'shopctl-config.json') };
    const version = await succeed('npx', ['shopctl', '--version'], cliApp.dir, env);
    expect(version.stdout.trim()).toBe(cliManifest.version);
    const health = await succeed('npx', ['shopctl', 'health', '--url', server.url, '--json'], cliApp.dir, env);
    expect(JSON.parse(health.stdout)).toMatchObject({ status: 'ok' });
  });
});

describe('publishing', () => {
  it('npm publish --dry-run corrects nothing in either manifest (it once dropped the shopctl bin)', { timeout: 120_000 }, async () => {
    // --ignore-scripts: the builds `npm run pack` made are there; this is about the manifests npm would send.
    const dryRun = await succeed('npm', ['publish', '--dry-run', '--ignore-scripts', '--workspace', 'sdk', '--workspace', 'cli'], REPO_ROOT);
    expect(dryRun.stdout).toContain(`+ @eventshop/sdk@${sdkManifest.version}`);
    expect(dryRun.stdout).toContain(`+ @eventshop/cli@${cliManifest.version}`);
    expect(dryRun.stderr).not.toMatch(/auto-corrected|invalid|removed/);
  });
});
