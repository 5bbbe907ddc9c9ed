import fc from 'fast-check';
import { request as undiciRequest } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EXPECTED_VERSION_FIELD,
  fieldLocations,
  fillPath,
  operations,
  type OperationDefinition,
} from '@eventshop/sdk/contract';
import { exampleInput } from '../../../../test/example-input.js';
import { startTestServer, type TestServer, type TestUser } from '../../../../test/server.js';

/**
 * Property: whatever a client sends to any operation, the answer is never a 5xx, and a refusal
 * appends nothing. Inputs start from each operation's own examples, with fields swapped for
 * hostile strings (NUL, lone surrogates, control characters, words search refuses...), values of
 * the wrong type, or left out. Runs per operation: FUZZ_RUNS (default 15, about ten seconds in all;
 * `FUZZ_RUNS=150` took 161 s here and found nothing).
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 15);

let server: TestServer;
let baseUrl: string;
let adminHeaders: Record<string, string>;
let customer: TestUser;

beforeAll(async () => {
  server = await startTestServer();
  baseUrl = await server.app.listen({ host: '127.0.0.1', port: 0 });
  adminHeaders = { authorization: `Bearer ${await server.adminToken()}` };
  customer = await server.registerCustomer();
});
afterAll(() => server?.close());

const definitions = Object.values(operations) as unknown as OperationDefinition[];

/** One UTF-16 code unit, lone surrogates and C0/C1 controls included. */
const codeUnit = fc.oneof(
  fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)),
  fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)),
  fc.constantFrom('\u0000', '\uD800', '\uDFFF', '\u001b', '\u0085', '\u009b', '\u2028', '\t', '\n', '\r'),
);

const hostileStrings = [
  'a\u0000b', '\u0000', '\uD800', 'x\uDFFF', 'emoji \uD83D', '\u001b[2J', 'tab\there', 'line\nbreak', 'c1\u0085', 'sep\u2028x',
  'the', 'and', '-excluded', '"', "' OR 1=1 --", '\\', '%00', '\uD83D\uDE00', 'é', ' ', '', 'x'.repeat(6000), '<script>', '0', '-1',
  'NaN', 'null', '__proto__', 'constructor', '*', 'W/"1"',
];

const hostileString = fc.oneof(fc.constantFrom(...hostileStrings), fc.string({ unit: codeUnit, maxLength: 24 }));

const wrongType = fc.constantFrom<unknown>(null, true, -1, 1.5, 1e308, -0, [], {}, [1, 'a'], { nested: '\u0000' });

/** The example itself most of the time, otherwise something a careless or hostile client sends instead. */
const around = (example: unknown): fc.Arbitrary<unknown> => {
  const variants: fc.Arbitrary<unknown>[] = [hostileString, wrongType, fc.constant(undefined)];
  if (typeof example === 'string') {
    variants.push(
      fc.tuple(fc.nat({ max: example.length }), codeUnit).map(([at, unit]) => example.slice(0, at) + unit + example.slice(at)),
    );
  }
  if (example !== null && typeof example === 'object' && !Array.isArray(example)) {
    const fields = Object.fromEntries(Object.entries(example).map(([name, value]) => [name, around(value)]));
    variants.push(fc.record(fields, { requiredKeys: [] }));
  }
  if (example === undefined) return fc.oneof(...variants);
  return fc.oneof({ weight: 3, arbitrary: fc.constant(example) }, ...variants.map((arbitrary) => ({ weight: 1, arbitrary })));
};

const inputFor = (definition: OperationDefinition) => {
  const examples = exampleInput(definition);
  const fields = Object.fromEntries(Object.keys(definition.input.shape).map((name) => [name, around(examples[name])]));
  return fc.record(fields, { requiredKeys: [] });
};

/** Percent-encodes a string as UTF-8; a lone surrogate goes as its WTF-8 bytes, which no UTF-8 decoder takes. */
const encodeComponent = (text: string) =>
  Array.from(text, (unit) =>
    /[\uD800-\uDFFF]/.test(unit) && unit.length === 1
      ? [0xe0 | (unit.charCodeAt(0) >> 12), 0x80 | ((unit.charCodeAt(0) >> 6) & 0x3f), 0x80 | (unit.charCodeAt(0) & 0x3f)]
          .map((byte) => `%${byte.toString(16).toUpperCase()}`)
          .join('')
      : encodeURIComponent(unit),
  ).join('');

const asText = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value) ?? '');

/** A plain HTTP request from the contract's method, path and field locations, as any client would send it. */
const requestFor = (definition: OperationDefinition, input: Record<string, unknown>, idempotencyKey: string | undefined) => {
  const locations = fieldLocations(definition);
  const pathValues: Record<string, string> = {};
  const query: string[] = [];
  const body: Record<string, unknown> = {};
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(input)) {
    if (value === undefined) continue;
    const location = locations[name];
    if (location === 'path') pathValues[name] = encodeComponent(asText(value));
    else if (location === 'query') query.push(`${name}=${encodeComponent(asText(value))}`);
    else if (location === 'body') body[name] = value;
    // Header values cannot carry control or non-Latin-1 characters at all; send what fits.
    else if (name === EXPECTED_VERSION_FIELD) headers['if-match'] = typeof value === 'number' ? `"${value}"` : asText(value).replace(/[^\x20-\x7e]/g, '');
  }
  if (definition.auth === 'customer') Object.assign(headers, customer.headers);
  else if (definition.auth !== 'public') Object.assign(headers, adminHeaders);
  if (idempotencyKey !== undefined) headers['idempotency-key'] = idempotencyKey;
  const sendsBody = definition.method === 'POST' || definition.method === 'PUT';
  return {
    method: definition.method,
    // A path parameter left out stays `:name` in the URL, which is itself a value to refuse.
    url: `${fillPath(definition.path, pathValues)}${query.length > 0 ? `?${query.join('&')}` : ''}`,
    headers,
    ...(sendsBody ? { payload: body } : {}),
  };
};

/**
 * Sends a request as built above. An event stream never ends by itself, so a stream operation goes
 * over a real socket and is left once its status and headers are in (a refusal has a body to read).
 */
const send = async (definition: OperationDefinition, built: ReturnType<typeof requestFor>) => {
  if (definition.kind !== 'stream') return server.app.inject(built as never);
  const leave = new AbortController();
  const response = await undiciRequest(`${baseUrl}${built.url}`, { method: built.method, headers: built.headers, signal: leave.signal });
  const refused = response.statusCode >= 400;
  const body = refused ? await response.body.text() : '';
  leave.abort();
  if (!refused) await response.body.text().catch(() => undefined);
  return { statusCode: response.statusCode, headers: response.headers as Record<string, string>, body, json: () => JSON.parse(body) };
};

const idempotencyKeys = fc.constantFrom(undefined, undefined, '', 'short', 'fuzz-key-0000001', 'x'.repeat(200), 'bad key with spaces');

describe('hostile input to every operation', () => {
  it.each(definitions.map((definition) => [definition.id, definition] as const))(
    '%s never answers 5xx, and a refusal appends nothing',
    // Forgetting an account and signing up a new one costs two password hashes a run.
    { timeout: 30_000 + RUNS * 250 },
    async (_id, definition) => {
      await fc.assert(
        fc.asyncProperty(inputFor(definition), idempotencyKeys, async (input, key) => {
          const before = await server.eventCount();
          const response = await send(definition, requestFor(definition, input as Record<string, unknown>, key));
          expect(response.statusCode, response.body).toBeLessThan(500);
          expect(response.headers['content-type']).toMatch(
            response.statusCode >= 400 ? /^application\/problem\+json/ : definition.kind === 'stream' ? /^text\/event-stream/ : /^application\/json/,
          );
          if (response.statusCode >= 400) expect(await server.eventCount()).toBe(before);
          // A success may end the customer's session (password changed, account forgotten): start a fresh one.
          if (response.statusCode < 300 && (definition.id === 'users.forget' || definition.id === 'users.changePassword')) {
            customer = await server.registerCustomer();
          }
        }),
        { numRuns: RUNS },
      );
    },
  );

  it.each(definitions.map((definition) => [definition.id, definition] as const))(
    '%s refuses NUL or a lone surrogate in any string field with a 400 naming it',
    async (_id, definition) => {
      const examples = exampleInput(definition);
      const locations = fieldLocations(definition);
      const stringFields = Object.keys(examples).filter((name) => typeof examples[name] === 'string' && locations[name] !== 'path');
      for (const name of stringFields) {
        for (const poison of ['\u0000', '\uD800']) {
          const input = { ...examples, [name]: `${String(examples[name]).slice(0, 1)}${poison}${String(examples[name]).slice(1)}` };
          await server.expectRefusedWithNothingAppended(() => send(definition, requestFor(definition, input, undefined)), 400, name);
        }
      }
    },
  );
});
