import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../../../test/server.js';

let server: TestServer;
let baseUrl: string;
let headers: Record<string, string>;

beforeAll(async () => {
  server = await startTestServer();
  baseUrl = await server.app.listen({ host: '127.0.0.1', port: 0 });
  headers = { authorization: `Bearer ${await server.adminToken()}` };
});
afterAll(() => server?.close());

/** Opens the live tail as a plain SSE client would and answers the first event's `id`. */
const firstEventId = async (query: string, extra: Record<string, string> = {}) => {
  const stop = new AbortController();
  const response = await request(`${baseUrl}/api/ops/events/live${query}`, { headers: { ...headers, ...extra }, signal: stop.signal });
  let text = '';
  try {
    for await (const chunk of response.body) {
      text += chunk.toString();
      // An event's id, not the id-only block that says where the stream starts.
      const found = /^id: (\d+)\ndata: /m.exec(text);
      if (found) return Number(found[1]);
    }
  } finally {
    stop.abort();
  }
  throw new Error(`no event in ${text}`);
};

describe('resuming a stream operation over plain SSE', () => {
  it('resumes from Last-Event-ID even when the URL still carries the `after` it first opened with, as EventSource reconnects', async () => {
    const positions: number[] = [];
    for (let index = 0; index < 3; index++) {
      const product = await server.client({ token: await server.adminToken() }).products.create({ name: `Cup ${index}`, price: { amount: 100, currency: 'USD' }, categoryId: 'sse' });
      const rows = await server.query<{ p: string }>(`SELECT global_position AS p FROM emt_messages WHERE stream_id = $1`, [`product-${product.id}`]);
      positions.push(Number(rows[0]!.p));
    }
    const [first, second, third] = positions as [number, number, number];
    expect(await firstEventId(`?after=${first - 1}`)).toBe(first);
    // The reader got as far as `second`: what follows is `third`, not `first` again.
    expect(await firstEventId(`?after=${first - 1}`, { 'last-event-id': String(second) })).toBe(third);
    expect(await firstEventId('', { 'last-event-id': String(second) })).toBe(third);
  });
});
