import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import os from 'node:os';
import type { PassThrough } from 'node:stream';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_EMAIL, ADMIN_PASSWORD, startTestServer, type TestServer } from '../../test/server.js';
import { runCli } from './program.js';
import { testIo } from './testing/test-streams.js';

/**
 * What shopctl says when things go wrong, run in-process against the real server on a socket.
 * Each test gets its own config file, so what one saves cannot leak into another.
 */
let server: TestServer;
let url: string;
let directory: string;
let files = 0;

type Run = { code: number; stdout: string; stderr: string; configFile: string };

const newConfig = async (profiles: Record<string, Record<string, string>> = {}): Promise<string> => {
  const file = path.join(directory, `config-${++files}.json`);
  await writeFile(file, JSON.stringify({ profiles }), { mode: 0o600 });
  return file;
};

const shopctl = async (argv: string[], options: { configFile?: string; tty?: boolean; env?: NodeJS.ProcessEnv } = {}): Promise<Run> => {
  const configFile = options.configFile ?? (await newConfig());
  const io = testIo({ tty: options.tty ?? false });
  const code = await runCli(argv, { io, env: { SHOPCTL_CONFIG: configFile, ...options.env }, homeDir: directory, now: () => new Date() });
  return { code, stdout: io.stdout.text(), stderr: io.stderr.text(), configFile };
};

/**
 * Runs a command at a fake terminal and types `keys` into its prompts, one entry per prompt, each
 * as soon as that prompt is drawn (a prompt is done when inquirer draws its ✔).
 */
const atTerminal = async (argv: string[], keys: string[], configFile: string): Promise<Run> => {
  const io = testIo({ tty: true });
  const keyboard = io.stdin as PassThrough;
  // inquirer ends its output stream when a prompt closes; a real terminal stays open after that.
  const terminal = io.stderr as unknown as PassThrough;
  terminal.end = ((chunk?: unknown) => {
    if (typeof chunk === 'string' || chunk instanceof Uint8Array) terminal.write(chunk);
    return terminal;
  }) as PassThrough['end'];
  let typed = -1;
  io.stderr.on('data', () => {
    const shown = io.stderr.text();
    const done = shown.split('\u2714').length - 1;
    if (typed < done && done < keys.length && shown.lastIndexOf('?') > shown.lastIndexOf('\u2714')) {
      typed = done;
      const key = keys[done]!;
      setImmediate(() => keyboard.write(key));
    }
  });
  const code = await runCli(argv, { io, env: { SHOPCTL_CONFIG: configFile, NO_COLOR: '1' }, homeDir: directory, now: () => new Date() });
  // The captured streams hear of the last writes a turn later.
  await new Promise((resolve) => setImmediate(resolve));
  return { code, stdout: io.stdout.text(), stderr: io.stderr.text(), configFile };
};

/** The last line a person sees: terminal control sequences (cursor shown again) removed. */
const lastLine = (text: string) => text.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '').trimEnd().split('\n').at(-1);

const savedProfile = async (file: string, name = 'default') => (JSON.parse(await readFile(file, 'utf8')) as { profiles: Record<string, Record<string, string>> }).profiles[name];

beforeAll(async () => {
  server = await startTestServer();
  url = await server.app.listen({ host: '127.0.0.1', port: 0 });
  directory = await mkdtemp(path.join(os.tmpdir(), 'shopctl-messages-'));
});

afterAll(async () => {
  await server?.close();
  if (directory) await rm(directory, { recursive: true, force: true });
});

describe('a credential the server refuses', () => {
  it('leaves public commands working and says the API key was revoked, not "not logged in"', async () => {
    const key = await server.createApiKey('service');
    const admin = server.client({ token: await server.adminToken() });
    await admin.apiKeys.revoke({ id: key.id });
    const configFile = await newConfig({ default: { url, apiKey: key.key } });

    expect((await shopctl(['health'], { configFile })).code).toBe(0);
    expect((await shopctl(['products', 'list'], { configFile })).code).toBe(0);
    const refused = await shopctl(['api-keys', 'list'], { configFile });
    expect(refused.code).toBe(4);
    expect(refused.stderr).toContain(`${url} does not accept this API key: it is unknown or was revoked.`);
    expect(refused.stderr).not.toContain('not logged in');
  });

  it('says a disabled account is disabled, and does not send it to log in again', async () => {
    const customer = await server.registerCustomer();
    await server.client({ token: await server.adminToken() }).users.disable({ id: customer.id });
    const run = await shopctl(['users', 'profile'], { configFile: await newConfig({ default: { url, token: customer.token } }) });
    expect(run.code).toBe(4);
    expect(run.stderr.trim()).toBe('This account is disabled. Ask an administrator.');
  });

  it('quotes the server on a token it does not know, and says where to change one given by flag', async () => {
    const run = await shopctl(['users', 'profile', '--url', url, '--token', 'garbage']);
    expect(run.code).toBe(4);
    expect(run.stderr).toMatch(new RegExp(`^${url} did not accept your token: .+ Pass a current one with --token, or run \`shopctl login\`\.\n$`));
  });

  it('lets login replace a stale token: sign-in is public and sends none', async () => {
    const configFile = await newConfig({ default: { url, token: 'stale-garbage-token' } });
    const run = await shopctl(['login', '--email', ADMIN_EMAIL, '--password', ADMIN_PASSWORD], { configFile });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect((await savedProfile(configFile))?.token).not.toBe('stale-garbage-token');
  });
});

describe('shopctl login --api-key', () => {
  it('checks the key with the server and saves nothing when it is refused', async () => {
    const configFile = await newConfig();
    const run = await shopctl(['login', '--url', url, '--api-key', 'esk_live_not-a-real-key-at-all-0000000000'], { configFile });
    expect(run.code).toBe(4);
    expect(run.stderr).toContain('does not accept this API key');
    expect(await savedProfile(configFile)).toBeUndefined();
  });

  it('saves a key the server accepts', async () => {
    const key = await server.createApiKey('service');
    const configFile = await newConfig();
    const run = await shopctl(['login', '--url', url, '--api-key', key.key], { configFile });
    expect(run.code).toBe(0);
    expect(await savedProfile(configFile)).toMatchObject({ url, apiKey: key.key });
  });
});

describe('a URL that is not an eventshop server', () => {
  it('names a URL without http:// as such, with the one it probably meant', async () => {
    const run = await shopctl(['health', '--url', 'localhost:3000']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('The server URL "localhost:3000" (from --url) has no http:// or https:// in front. Did you mean http://localhost:3000?');
    expect(run.stderr).not.toContain('is the server running');
  });

  it('says so when the URL answers with an HTML page, whether 200 or 404', async () => {
    let status = 200;
    const web: Server = createServer((_request, response) => {
      response.writeHead(status, { 'content-type': 'text/html; charset=utf-8' });
      response.end('<!doctype html><title>Welcome to nginx!</title>');
    });
    await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
    const other = `http://127.0.0.1:${(web.address() as AddressInfo).port}`;
    try {
      for (const answer of [200, 404]) {
        status = answer;
        const run = await shopctl(['products', 'list', '--url', other]);
        expect(run.code, `HTTP ${answer}`).toBe(1);
        expect(run.stdout).toBe('');
        expect(run.stderr).toContain(`${other} answered (HTTP ${answer}, text/html), but not as an eventshop server does.`);
      }
    } finally {
      web.close();
    }
  });
});

describe('sessions that commands start and end', () => {
  it('register saves its session like login and says the token is shown once; forget removes it again', async () => {
    const configFile = await newConfig();
    const email = `grace-${Date.now()}@example.com`;
    // Like `shopctl login --profile grace`, registering may create the profile it saves to.
    const registered = await shopctl(['users', 'register', '--profile', 'grace', '--url', url, '--email', email, '--password', 'correct horse battery staple', '--name', 'Grace Hopper'], { configFile });
    expect(registered.code).toBe(0);
    expect(registered.stderr).toContain(`saved the session in profile "grace"`);
    expect(registered.stderr).toContain('The token is shown only this once');
    expect(await savedProfile(configFile, 'grace')).toMatchObject({ url, email, token: expect.any(String) });

    expect((await shopctl(['users', 'profile', '--profile', 'grace'], { configFile })).code).toBe(0);
    const forgotten = await shopctl(['users', 'forget', '--yes', '--profile', 'grace'], { configFile });
    expect(forgotten.code).toBe(0);
    expect(forgotten.stderr).toContain("Removed the forgotten account's email and token");
    const after = await savedProfile(configFile, 'grace');
    expect(after).toEqual({ url });
  });

  it('says a new API key is shown once', async () => {
    const configFile = await newConfig({ default: { url, token: await server.adminToken() } });
    const run = await shopctl(['api-keys', 'create', 'Nightly export'], { configFile });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('The key is shown only this once');
  });

  it('config delete-profile removes a profile, and names the ones there are when it does not exist', async () => {
    const configFile = await newConfig({ default: { url }, staging: { url: 'https://staging.example.com', token: 't' } });
    expect((await shopctl(['config', 'delete-profile', 'staging'], { configFile })).code).toBe(0);
    expect(await savedProfile(configFile, 'staging')).toBeUndefined();
    const missing = await shopctl(['config', 'delete-profile', 'staging'], { configFile });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('There is no profile "staging"');
    expect(missing.stderr).toContain('(profiles: default)');
  });
});

describe('search words as an argument', () => {
  it('finds products with `products search espresso`, as with --q', async () => {
    const admin = server.client({ token: await server.adminToken() });
    const cup = await admin.products.create({ name: 'Espresso saucer', price: { amount: 900, currency: 'USD' }, categoryId: 'kitchen' });
    const configFile = await newConfig({ default: { url } });
    const run = await shopctl(['products', 'search', 'espresso', '--json'], { configFile });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).items.map((item: { id: string }) => item.id)).toContain(cup.id);
    const twice = await shopctl(['products', 'search', 'espresso', '--q', 'cup'], { configFile });
    expect(twice.code).toBe(2);
  });
});

describe('printing help', () => {
  it.each([[[]], [['help']], [['help', 'products']], [['products']], [['config']]])('shopctl %j prints help on stdout and exits 0', async (argv) => {
    const run = await shopctl(argv);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Usage: shopctl');
    expect(run.stderr).toBe('');
  });

  it('keeps an unknown command a usage error', async () => {
    expect((await shopctl(['products', 'nosuch'])).code).toBe(2);
  });
});

describe('control characters in values', () => {
  const ESC = '\u001b';
  it('are shown, not obeyed, in tables and single results, and kept exact with --json', async () => {
    const victim = await server.registerCustomer({ name: 'Plain name' });
    // Old data from before the contract refused such names: written straight into the read model.
    const hostile = `Mallory${ESC}[2J${ESC}]0;owned\u0007`;
    await server.query('UPDATE user_accounts SET name = $1 WHERE id = $2', [hostile, victim.id]);
    const configFile = await newConfig({ default: { url, token: await server.adminToken() } });

    for (const tty of [true, false]) {
      const listed = await shopctl(['users', 'list', '--all'], { configFile, tty });
      expect(listed.stdout).toContain('Mallory\u241b[2J\u241b]0;owned\u2407');
      const single = await shopctl(['users', 'get', victim.id], { configFile, tty });
      expect(single.stdout).toContain('Mallory\u241b[2J');
      for (const text of [listed.stdout, single.stdout]) expect(text.replace(/\u001b\[[0-9;]*m/g, '')).not.toContain(ESC);
    }
    const json = await shopctl(['users', 'get', victim.id, '--json'], { configFile });
    expect(JSON.parse(json.stdout).name).toBe(hostile);
  });

  it('are shown, not obeyed, in an error message that quotes a value', async () => {
    const run = await shopctl(['health', '--url', `${ESC}[2Jlocalhost:3000`]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('"\u241b[2Jlocalhost:3000"');
    expect(run.stderr).not.toContain(ESC);
  });
});

describe('prompts', () => {
  it('answering No at a confirmation prints Cancelled., exits 130 and changes nothing', async () => {
    const admin = server.client({ token: await server.adminToken() });
    const product = await admin.products.create({ name: 'Kept cup', price: { amount: 500, currency: 'USD' }, categoryId: 'kitchen' });
    const configFile = await newConfig({ default: { url, token: await server.adminToken() } });
    const run = await atTerminal(['products', 'delete', product.id], ['n\r'], configFile);
    expect(run.code).toBe(130);
    expect(lastLine(run.stderr)).toBe('Cancelled.');
    expect((await admin.products.get({ id: product.id })).status).toBe('active');
  });

  it('Ctrl-C at a prompt prints Cancelled. and exits 130', async () => {
    const configFile = await newConfig({ default: { url, token: await server.adminToken() } });
    const run = await atTerminal(['products', 'create', '--name', 'Half-made'], ['\u0003'], configFile);
    expect(run.code).toBe(130);
    expect(lastLine(run.stderr)).toBe('Cancelled.');
  });

  it('refuses a bad value given by flag before asking for the missing ones', async () => {
    const configFile = await newConfig({ default: { url } });
    const run = await atTerminal(['users', 'register', '--email', 'not-an-email', '--name', 'Ada'], [], configFile);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('Some values are not valid:\n  --email: ');
    expect(run.stderr).not.toContain('Password');
  });

  it('asks for a new password twice, and keeps the renewed session', async () => {
    const customer = await server.registerCustomer({ password: 'first password of twelve' });
    const configFile = await newConfig({ default: { url, token: customer.token } });
    const keys = ['first password of twelve\r', 'second password of twelve\r', 'second password of twelve\r'];
    const run = await atTerminal(['users', 'change-password'], keys, configFile);
    expect(run.stderr).toContain('Again, to be sure');
    expect(run.code).toBe(0);
    expect((await savedProfile(configFile))?.token).not.toBe(customer.token);
    const signIn = await shopctl(['login', '--url', url, '--email', customer.email, '--password', 'second password of twelve']);
    expect(signIn.code).toBe(0);
  });
});
