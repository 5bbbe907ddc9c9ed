import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../../test/server.js';

const lines: Record<string, unknown>[] = [];
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({}, { logger: { level: 'info', stream: { write: (line) => lines.push(JSON.parse(line) as Record<string, unknown>) } } });
});
afterAll(() => server?.close());

const requestLines = () => lines.filter((line) => line.msg === 'request completed');

describe('the request log', () => {
  it('writes one line per request with its operation, status, duration, request and correlation ids and who acted', async () => {
    const customer = await server.registerCustomer({ email: 'log-line@test.local', password: 'log-line-password-1' });
    lines.length = 0;
    const response = await server.app.inject({
      method: 'GET',
      url: '/api/users/profile?fields=email',
      headers: { ...customer.headers, 'x-request-id': 'req-log-1', 'x-correlation-id': 'checkout-log-1' },
    });
    expect(response.statusCode).toBeLessThan(500);
    expect(requestLines()).toHaveLength(1);
    expect(requestLines()[0]).toMatchObject({
      level: 30,
      reqId: 'req-log-1',
      correlationId: 'checkout-log-1',
      operation: 'users.profile',
      method: 'GET',
      url: '/api/users/profile',
      statusCode: response.statusCode,
      principalId: customer.id,
    });
    expect(requestLines()[0]!.responseTime).toBeTypeOf('number');
    expect(lines.filter((line) => line.msg === 'incoming request')).toEqual([]);
  });

  it('falls back to the request id as correlation id, and names no principal for a public or refused request', async () => {
    lines.length = 0;
    await server.app.inject({ method: 'GET', url: '/health', headers: { 'x-request-id': 'req-log-2' } });
    await server.app.inject({ method: 'GET', url: '/api/users/profile', headers: { authorization: 'Bearer not-a-token', 'x-request-id': 'req-log-3' } });
    await server.app.inject({ method: 'GET', url: '/nowhere', headers: { 'x-request-id': 'req-log-4' } });
    expect(requestLines().map(({ reqId, correlationId, operation, statusCode, principalId }) => ({ reqId, correlationId, operation, statusCode, principalId }))).toEqual([
      { reqId: 'req-log-2', correlationId: 'req-log-2', operation: 'system.health', statusCode: 200, principalId: undefined },
      { reqId: 'req-log-3', correlationId: 'req-log-3', operation: 'users.profile', statusCode: 401, principalId: undefined },
      { reqId: 'req-log-4', correlationId: 'req-log-4', operation: 'unmatched', statusCode: 404, principalId: undefined },
    ]);
  });

  it('blanks secrets and personal fields whatever logs them', () => {
    lines.length = 0;
    server.app.log.info(
      { req: { headers: { authorization: 'Bearer secret-bearer', cookie: 'session=secret-cookie' } }, body: { card: '4242' }, user: { password: 'secret-password', email: 'secret@test.local' } },
      'something with secrets',
    );
    const written = JSON.stringify(lines);
    for (const secret of ['secret-bearer', 'secret-cookie', '4242', 'secret-password', 'secret@test.local']) expect(written).not.toContain(secret);
    expect(written).toContain('[redacted]');
  });
});
