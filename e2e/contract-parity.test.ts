import { PassThrough } from 'node:stream';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandLineFor } from '../cli/src/commands/generated/command-names.js';
import { runCli } from '../cli/src/program.js';
import { createShopClient } from '@eventshop/sdk';
import { idSegments, operations, type OperationDefinition, type OperationId } from '@eventshop/sdk/contract';
import { exampleInput } from '../test/example-input.js';
import { injectTransport, startTestServer, type TestServer } from '../test/server.js';

/**
 * Walks the contract and proves each operation answers through every face: the request each
 * face sends for it lands on that operation's own route (not a neighbour's, not a 404).
 */
let server: TestServer;
let baseUrl: string;
const matched: { method: string; route: string }[] = [];

beforeAll(async () => {
  server = await startTestServer();
  // onRequest, not onResponse: a stream's reply is hijacked for SSE, and hijacked replies skip the response hooks.
  server.app.addHook('onRequest', async (request) => {
    matched.push({ method: request.method, route: request.routeOptions.url ?? '(none)' });
  });
  baseUrl = await server.app.listen({ host: '127.0.0.1', port: 0 });
  // A rebuild to watch: `ops.readModels.watch` of a read model never rebuilt is a 404, not a stream.
  await server.app.inject({ method: 'POST', url: '/api/ops/read-models/catalog_category_stats/rebuild', headers: { authorization: `Bearer ${await server.adminToken()}` } });
});
afterAll(() => server?.close());

const entries = (Object.entries(operations) as [OperationId, OperationDefinition][]).sort(([a], [b]) => a.localeCompare(b));

const lastRoute = () => matched[matched.length - 1];

/** Polls for what the server records as a stream's request arrives (no fixed sleep; bounded). */
const until = async (condition: () => boolean) => {
  for (const deadline = Date.now() + 10_000; !condition(); ) {
    if (Date.now() > deadline) throw new Error('until: not within 10 s');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};
const responded = (before: number) => until(() => matched.length > before);

describe('every contract operation', () => {
  it.each(entries)('%s has a valid example input in its contract', (_id, definition) => {
    expect(() => exampleInput(definition)).not.toThrow();
  });

  it.each(entries)('%s answers over REST on its own route, with no SDK involved', async (_id, definition) => {
    // A plain HTTP request from the contract's method and path: path parameters filled from the
    // example, the example as the JSON body (or as the query string for GET and DELETE).
    const input = exampleInput(definition);
    const path = definition.path.replace(/:(\w+)/g, (_match, name: string) => encodeURIComponent(String(input[name])));
    const hasBody = definition.method !== 'GET' && definition.method !== 'DELETE';
    const query = new URLSearchParams(Object.entries(input).filter(([name, value]) => !definition.path.includes(`:${name}`) && typeof value !== 'object').map(([name, value]): [string, string] => [name, String(value)]));
    const authorization = `Bearer ${await server.adminToken()}`;
    const url = hasBody || query.size === 0 ? path : `${path}?${query}`;
    const before = matched.length;
    if (definition.kind === 'stream') {
      // An event stream never ends by itself (inject would wait for ever): open it over a socket, then leave.
      const stop = new AbortController();
      const response = await request(`${baseUrl}${url}`, { method: definition.method, headers: { authorization }, signal: stop.signal });
      // A stream of one entity (`orders.watch`) answers the example's unknown id with a 404 problem instead.
      expect(response.headers['content-type']).toMatch(response.statusCode === 200 ? /^text\/event-stream/ : /^application\/problem\+json/);
      await responded(before);
      stop.abort();
      await response.body.text().catch(() => undefined);
    } else {
      await server.app.inject({ method: definition.method, url, headers: { authorization }, ...(hasBody ? { payload: input } : {}) });
    }
    expect(matched.length).toBe(before + 1);
    expect(lastRoute()).toEqual({ method: definition.method, route: definition.path });
  });

  it.each(entries)('%s is a typed SDK method that reaches its route', async (id, definition) => {
    const token = await server.adminToken();
    // Stream operations need a transport with stream(), so they go over a socket; the rest through inject.
    const client =
      definition.kind === 'stream'
        ? createShopClient({ baseUrl, token, retries: 0 })
        : createShopClient({ baseUrl: 'http://parity.test', token, retries: 0, transport: injectTransport(server.app) });
    // Every id segment nests: `ops.streams.state` is client.ops.streams.state.
    let method: unknown = client;
    for (const segment of idSegments(id)) method = (method as Record<string, unknown> | undefined)?.[segment];
    expect(method).toBeTypeOf('function');
    const before = matched.length;
    if (definition.kind === 'stream') {
      const stop = new AbortController();
      const messages = (method as (input: unknown, options: { signal: AbortSignal }) => AsyncIterable<unknown>)(exampleInput(definition), { signal: stop.signal });
      const next = messages[Symbol.asyncIterator]().next().catch(() => undefined);
      // Leave once the server has routed the request. As for the others, only the route counts here,
      // not the answer (an earlier case may have erased the account behind the token).
      await responded(before);
      stop.abort();
      await next;
      await client.close();
    } else {
      await (method as (input: unknown) => Promise<unknown>)(exampleInput(definition)).catch(() => undefined);
    }
    expect(lastRoute()).toEqual({ method: definition.method, route: definition.path });
  });

  it.each(entries)('%s is a shopctl command that reaches its route', async (id, definition) => {
    const commandLine = commandLineFor(id);
    expect(commandLine, `no shopctl command for ${id}`).toBeDefined();
    const words = commandLine!.replace(/^shopctl /, '').split(' ');
    // login is hand-written (it saves a profile); every generated command takes --input.
    const argv =
      id === 'auth.login'
        ? [...words, '--email', 'someone@example.com', '--password-stdin']
        : [
            ...words,
            ...['--input', JSON.stringify(exampleInput(definition)), '--json', '--no-input'],
            ...(definition.confirm ? ['--yes'] : []),
            // A command that follows its work (a rebuild) would end on the stream's route: here only its own counts.
            ...(definition.followWith ? ['--detach'] : []),
          ];
    const stdin = new PassThrough();
    stdin.end('not-the-password\n');
    const token = await server.adminToken();
    const before = matched.length;
    // A stream command runs until interrupted: interrupt it once its request has landed, as Ctrl-C would.
    const interrupt = new AbortController();
    const running = runCli(argv, {
      io: { stdout: new PassThrough(), stderr: new PassThrough(), stdin },
      env: { SHOPCTL_URL: baseUrl, SHOPCTL_TOKEN: token, SHOPCTL_CONFIG: '/nonexistent/shopctl.json', NO_COLOR: '1' },
      homeDir: '/nonexistent',
      now: () => new Date(),
      interrupt: interrupt.signal,
    });
    if (definition.kind === 'stream') {
      await expect.poll(() => matched.length, { timeout: 10_000 }).toBeGreaterThan(before);
      // Only the route counts here, not the answer (an earlier case may have erased the account behind the token).
      interrupt.abort();
    }
    await running;
    expect(matched.length).toBeGreaterThan(before);
    expect(lastRoute()).toEqual({ method: definition.method, route: definition.path });
  });
});
