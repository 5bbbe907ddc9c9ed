import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../test/database.js';
import { killLeftoverServers, startServerProcess } from './support/server-process.js';

describe('npm start writing to a pipe', () => {
  afterAll(() => killLeftoverServers());

  it('prints the banner first, then JSON lines, one per request', async () => {
    const server = await startServerProcess({ DATABASE_URL: await createTestDatabase(), LOG_LEVEL: 'info', EVENTSHOP_ADMIN_PASSWORD: 'logs-admin-password' });
    for (const path of ['/health', '/ready', '/api/products?limit=1']) expect((await fetch(`${server.url}${path}`, { headers: { 'x-correlation-id': 'logs-check' } })).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 200)); // the last log line may still be on its way
    expect(await server.stop('SIGINT')).toBe(0);

    const lines = server.output().split('\n').filter(Boolean);
    const bannerEnd = lines.indexOf('Press Ctrl-C to stop.');
    // Nothing in JSON before the banner: no "Server listening" above the password.
    expect(lines.slice(0, bannerEnd).filter((line) => line.startsWith('{'))).toEqual([]);
    const entries = lines.slice(bannerEnd + 1).filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>);
    const requests = entries.filter((entry) => entry.msg === 'request completed');
    // One line each, naming the operation; the URL without its query string (which a client may fill with anything).
    expect(requests.map(({ operation, method, url, statusCode, correlationId }) => ({ operation, method, url, statusCode, correlationId }))).toEqual([
      { operation: 'system.health', method: 'GET', url: '/health', statusCode: 200, correlationId: 'logs-check' },
      { operation: 'system.ready', method: 'GET', url: '/ready', statusCode: 200, correlationId: 'logs-check' },
      { operation: 'products.list', method: 'GET', url: '/api/products', statusCode: 200, correlationId: 'logs-check' },
    ]);
    for (const request of requests) {
      expect(request.reqId).toBeTypeOf('string');
      expect(request.responseTime).toBeTypeOf('number');
    }
    expect(entries.filter((entry) => entry.msg === 'incoming request')).toEqual([]);
    expect(server.output()).not.toContain('Deprecation');
  }, 60_000);
});
