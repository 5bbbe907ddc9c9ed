import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorResponses, operations, type OperationDefinition } from '@eventshop/sdk/contract';
import { startTestServer, type TestServer } from '../../../../test/server.js';
import { toOpenApiPath } from './routes.js';

let server: TestServer;
let admin: Record<string, string>;
let port: number;

beforeAll(async () => {
  server = await startTestServer();
  admin = { authorization: `Bearer ${await server.adminToken()}` };
  const address = await server.app.listen({ host: '127.0.0.1', port: 0 });
  port = Number(new URL(address).port);
});
afterAll(() => server?.close());

const cup = { name: 'Boundary cup', price: { amount: 1299, currency: 'USD' }, categoryId: 'boundary' };

/** Sends raw bytes on a fresh connection and answers what came back before the server closed it. */
const rawRequest = (bytes: string) =>
  new Promise<{ status: number; headers: Record<string, string>; body: string }>((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    socket.on('data', (chunk) => (received += chunk.toString('utf8')));
    socket.on('error', reject);
    socket.on('close', () => {
      const [head = '', ...rest] = received.split('\r\n\r\n');
      const [statusLine = '', ...headerLines] = head.split('\r\n');
      const headers = Object.fromEntries(headerLines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body: rest.join('\r\n\r\n') });
    });
    // Written, not ended: a half-closed socket would let the server drop the answer. Every request here asks the server to close.
    socket.write(bytes);
  });

const expectProblem = (response: { headers: Record<string, unknown>; body: string }, status: number, code: string) => {
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = JSON.parse(response.body);
  expect(body).toMatchObject({ status, code, requestId: expect.any(String) });
  expect(response.headers['x-request-id']).toBe(body.requestId);
  return body;
};

describe('credentials on public operations', () => {
  const unusable = ['Bearer garbage', 'Bearer not.a.jwt', 'Bearer esk_NotAKeyThatWasEverIssuedByThisServer000000', 'Basic YWxhZGRpbjpvcGVuc2VzYW1l', 'nonsense'];

  it.each(unusable)('are ignored when unusable (%s): health, ready, product reads, register and login still answer', async (authorization) => {
    const headers = { authorization };
    expect((await server.app.inject({ url: '/health', headers })).statusCode).toBe(200);
    expect((await server.app.inject({ url: '/ready', headers })).statusCode).toBe(200);
    expect((await server.app.inject({ url: '/api/products', headers })).statusCode).toBe(200);
    expect((await server.app.inject({ url: '/api/products/search?q=cup', headers })).statusCode).toBe(200);
    const email = `stale-${Math.random().toString(36).slice(2)}@test.local`;
    const registered = await server.app.inject({ method: 'POST', url: '/api/users/register', headers, payload: { email, password: 'a long enough password', name: 'Stale Token' } });
    expect(registered.statusCode).toBe(201);
    const login = await server.app.inject({ method: 'POST', url: '/api/users/login', headers, payload: { email, password: 'a long enough password' } });
    expect(login.statusCode).toBe(200);
  });

  it('still refuse an unusable credential where one is needed', async () => {
    const response = await server.app.inject({ url: '/api/users/profile', headers: { authorization: 'Bearer garbage' } });
    expect(response.statusCode).toBe(401);
  });
});

describe('Idempotency-Key', () => {
  it('refuses an empty key like any malformed one, appending nothing', async () => {
    const response = await server.expectRefusedWithNothingAppended(
      () => server.app.inject({ method: 'POST', url: '/api/products', headers: { ...admin, 'idempotency-key': '' }, payload: cup }),
      400,
      'Idempotency-Key',
    );
    expect(response.json().code).toBe('validation_failed');
  });
});

describe('If-Match', () => {
  it('takes * as any current version (RFC 9110)', async () => {
    const product = (await server.app.inject({ method: 'POST', url: '/api/products', headers: admin, payload: cup })).json();
    const changed = await server.app.inject({ method: 'PUT', url: `/api/products/${product.id}`, headers: { ...admin, 'if-match': '*' }, payload: { name: 'Any version' } });
    expect(changed.statusCode).toBe(200);
    expect(changed.json()).toMatchObject({ name: 'Any version', version: 2 });
  });

  it.each(['"1", "2"', 'version 1', '"1'])('refuses %j with 400 naming If-Match', async (ifMatch) => {
    const product = (await server.app.inject({ method: 'POST', url: '/api/products', headers: admin, payload: cup })).json();
    await server.expectRefusedWithNothingAppended(
      () => server.app.inject({ method: 'PUT', url: `/api/products/${product.id}`, headers: { ...admin, 'if-match': ifMatch }, payload: { name: 'x' } }),
      400,
      'If-Match',
    );
  });
});

describe('methods a path does not support', () => {
  it.each(['PATCH', 'OPTIONS', 'TRACE'] as const)('answer %s with 405 and Allow, as a problem', async (method) => {
    const response = await server.app.inject({ method, url: '/api/products' });
    expect(response.statusCode).toBe(405);
    expect(response.headers.allow).toBe('GET, HEAD, POST');
    expectProblem({ headers: response.headers, body: response.body }, 405, 'method_not_allowed');
  });

  it('list every method of a path with parameters', async () => {
    const response = await server.app.inject({ method: 'PATCH', url: '/api/products/3f1c2a4e-7b9d-4e8a-9c1f-2d3e4f5a6b7c' });
    expect(response.statusCode).toBe(405);
    expect(response.headers.allow).toBe('DELETE, GET, HEAD, PUT');
  });

  it('leave an unknown path a 404', async () => {
    const response = await server.app.inject({ method: 'PATCH', url: '/api/nothing-here' });
    expect(response.statusCode).toBe(404);
    expect(response.json().code).toBe('route_not_found');
  });
});

describe('refusals from below the routes are problems with a request id', () => {
  it('414 for a path segment over the router’s limit', async () => {
    const response = await server.app.inject({ url: `/api/products/${'a'.repeat(300)}` });
    expect(response.statusCode).toBe(414);
    expectProblem({ headers: response.headers, body: response.body }, 414, 'uri_too_long');
  });

  it('400 for a %-escape that is not UTF-8', async () => {
    const response = await server.app.inject({ url: '/api/products/%E0%A4%A' });
    expect(response.statusCode).toBe(400);
    expectProblem({ headers: response.headers, body: response.body }, 400, 'malformed_url');
  });

  it('400 for a request that is not HTTP', async () => {
    const response = await rawRequest('HELLO there\r\n\r\n');
    expect(response.status).toBe(400);
    expectProblem(response, 400, 'malformed_http');
  });

  it('431 for headers over the limit', async () => {
    const response = await rawRequest(`GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(response.status).toBe(431);
    expectProblem(response, 431, 'headers_too_large');
  });

  it('415 for a compressed body, naming the encoding', async () => {
    const before = await server.eventCount();
    const response = await server.app.inject({
      method: 'POST',
      url: '/api/products',
      headers: { ...admin, 'content-type': 'application/json', 'content-encoding': 'gzip' },
      payload: Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00]),
    });
    expect(response.statusCode).toBe(415);
    expect(expectProblem({ headers: response.headers, body: response.body }, 415, 'unsupported_content_encoding').detail).toContain('gzip');
    expect(await server.eventCount()).toBe(before);
  });

  it('takes Content-Encoding: identity as no encoding', async () => {
    const response = await server.app.inject({ method: 'POST', url: '/api/products', headers: { ...admin, 'content-encoding': 'identity' }, payload: cup });
    expect(response.statusCode).toBe(201);
  });

  it('400 for a transfer coding other than chunked; chunked alone is fine', async () => {
    const body = JSON.stringify({ email: 'nobody@test.local', password: 'whatever password' });
    const chunk = `${Buffer.byteLength(body).toString(16)}\r\n${body}\r\n0\r\n\r\n`;
    const gzipped = await rawRequest(
      `POST /api/users/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: gzip, chunked\r\nConnection: close\r\n\r\n${chunk}`,
    );
    expect(gzipped.status).toBe(400);
    expectProblem(gzipped, 400, 'unsupported_transfer_encoding');
    const chunked = await rawRequest(
      `POST /api/users/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n${chunk}`,
    );
    expect(chunked.status).toBe(401);
  });
});

describe('query strings', () => {
  it.each(['q=%FF', 'q=caf%C3', 'q=e%ED%A0%80x', 'q=%zz'])('refuse %s, whose escapes are not UTF-8, naming the parameter', async (query) => {
    const response = await server.app.inject({ url: `/api/products/search?${query}` });
    expect(response.statusCode).toBe(400);
    expect(response.json().errors).toEqual([{ field: 'q', message: 'is not valid %-encoded UTF-8 text' }]);
  });

  it('refuse a parameter sent twice', async () => {
    const response = await server.app.inject({ url: '/api/products/search?q=cup&q=mug' });
    expect(response.json().errors).toEqual([{ field: 'q', message: 'Send this query parameter once' }]);
  });

  it('still decode + and %20 as spaces and UTF-8 escapes as text', async () => {
    const created = (await server.app.inject({ method: 'POST', url: '/api/products', headers: admin, payload: { ...cup, name: 'Café crème cup' } })).json();
    const found = (await server.app.inject({ url: '/api/products/search?q=caf%C3%A9+cr%C3%A8me%20cup' })).json();
    expect(found.items.map((p: { id: string }) => p.id)).toContain(created.id);
  });
});

describe('the OpenAPI document', () => {
  type Document = { servers?: { url: string }[]; paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: { $ref?: string } }> }> }>> };
  const documentOf = async () => (await server.app.inject({ url: '/openapi.json' })).json() as Document;

  it('names a server, so generated clients know where to send requests', async () => {
    expect((await documentOf()).servers).toEqual([expect.objectContaining({ url: '/' })]);
  });

  it('lists, for every operation, exactly the error statuses of its contract, each as a problem', async () => {
    const document = await documentOf();
    for (const definition of Object.values(operations) as unknown as OperationDefinition[]) {
      const responses = document.paths[toOpenApiPath(definition.path)]![definition.method.toLowerCase()]!.responses;
      const errors = Object.keys(responses).filter((status) => Number(status) >= 400);
      expect(errors.sort(), definition.id).toEqual(Object.keys(errorResponses(definition)).sort());
      for (const status of errors) expect(responses[status]!.content!['application/problem+json']!.schema.$ref, `${definition.id} ${status}`).toBe('#/components/schemas/Problem');
    }
  });

  it('lists what login and register answer besides success', async () => {
    const document = await documentOf();
    expect(Object.keys(document.paths['/api/users/login']!.post!.responses)).toEqual(expect.arrayContaining(['401', '429']));
    expect(Object.keys(document.paths['/api/users/register']!.post!.responses)).toEqual(expect.arrayContaining(['409']));
  });
});
