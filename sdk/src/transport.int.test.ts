import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_EMAIL, ADMIN_PASSWORD, startTestServer, type TestServer } from '../../test/server.js';
import { createShopClient } from './client.js';
import { NetworkError } from './errors.js';

let server: TestServer;
let baseUrl: string;

beforeAll(async () => {
  server = await startTestServer();
  baseUrl = await server.app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(() => server?.close());

/** A port nothing listens on: bind one, note it, let it go. */
const closedPort = () =>
  new Promise<number>((resolve, reject) => {
    const probe = net.createServer();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });

describe('the default undici transport over a real socket', () => {
  it('signs in, creates a product and reads it back', async () => {
    const client = createShopClient({ baseUrl });
    try {
      const { token } = await client.auth.login({ email: ADMIN_EMAIL, password: ADMIN_PASSWORD });
      client.setToken(token);
      const created = await client.callWithResponse('products.create', {
        name: 'Socket cup',
        price: { amount: 900, currency: 'EUR' },
        categoryId: 'socket-test',
      });
      expect(created.status).toBe(201);
      expect(created.headers.etag).toBe('"1"');
      expect(created.headers.location).toBe(`/api/products/${created.data.id}`);
      expect(created.requestId).toBeTruthy();
      await expect(client.products.get({ id: created.data.id })).resolves.toEqual(created.data);
      await expect(client.system.health()).resolves.toMatchObject({ status: 'ok' });
    } finally {
      await client.close();
    }
  });

  it('reports a closed port as a NetworkError that says to check the server', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const client = createShopClient({ baseUrl: url, retries: 0 });
    try {
      const failure = client.system.health();
      await expect(failure).rejects.toBeInstanceOf(NetworkError);
      await expect(failure).rejects.toMatchObject({
        status: 0,
        code: 'network_error',
        message: `Could not reach ${url}: connection refused (is the server running?)`,
      });
    } finally {
      await client.close();
    }
  });
});
