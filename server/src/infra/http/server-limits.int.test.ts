import { afterEach, describe, expect, it } from 'vitest';
import { runSlowUploadFlood } from '../../../../soak/slow-upload-flood.js';
import { startTestServer, type TestServer } from '../../../../test/server.js';
import { DEFAULT_HTTP_LIMITS, loadHttpLimits, type HttpLimits } from './server-limits.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** The real server listening on a free port, with the limits the test names. */
const listening = async (limits: Partial<HttpLimits>, trustedProxies?: string[]) => {
  server = await startTestServer({ http: { ...DEFAULT_HTTP_LIMITS, ...limits }, trustedProxies });
  return server.app.listen({ host: '127.0.0.1', port: 0 });
};

// On Linux all of 127.0.0.0/8 reaches the loopback, so a flood can come from another address than the health checks.
const otherAddressWorks = process.platform === 'linux';

describe('HTTP limits on a listening server', () => {
  it('cuts uploads that stall after their headers, in their headers or before a byte, while /health keeps answering', async () => {
    const url = await listening({ headersTimeoutMs: 300, requestTimeoutMs: 600, idleTimeoutMs: 5_000 });
    const counts = await runSlowUploadFlood({ url, connections: 60, seconds: 15, healthEveryMs: 50 });
    expect(counts).toMatchObject({ opened: 60, failedToOpen: 0, cutByServer: 60, heldToEnd: 0, health: { failed: 0 } });
    expect(counts.health.answered).toBeGreaterThan(0);
  });

  it.skipIf(!otherAddressWorks)('closes connections past the per-address cap at once and still serves other addresses', async () => {
    const url = await listening({ maxConnectionsPerAddress: 20 });
    const counts = await runSlowUploadFlood({ url, connections: 45, seconds: 1.5, sourceAddresses: ['127.0.0.2'], healthEveryMs: 50 });
    expect(counts).toMatchObject({ opened: 45, cutByServer: 25, heldToEnd: 20, health: { failed: 0 } });
    expect(counts.health.answered).toBeGreaterThan(0);
  });

  it.skipIf(!otherAddressWorks)('does not cap a trusted proxy per address: it carries every client’s connections', async () => {
    const url = await listening({ maxConnectionsPerAddress: 20 }, ['127.0.0.2']);
    const counts = await runSlowUploadFlood({ url, connections: 45, seconds: 1.5, sourceAddresses: ['127.0.0.2'], healthEveryMs: 50 });
    expect(counts).toMatchObject({ opened: 45, cutByServer: 0, heldToEnd: 45, health: { failed: 0 } });
  });
});

describe('loadHttpLimits', () => {
  it('reads timeouts in seconds and caps as counts, with defaults for what is unset', () => {
    expect(loadHttpLimits({})).toEqual(DEFAULT_HTTP_LIMITS);
    expect(
      loadHttpLimits({ EVENTSHOP_HTTP_REQUEST_TIMEOUT_SECONDS: '2.5', EVENTSHOP_HTTP_HEADERS_TIMEOUT_SECONDS: '1', EVENTSHOP_HTTP_MAX_CONNECTIONS_PER_ADDRESS: '0' }),
    ).toMatchObject({ requestTimeoutMs: 2500, headersTimeoutMs: 1000, maxConnectionsPerAddress: 0 });
  });

  it('refuses nonsense, and a headers timeout longer than the request timeout', () => {
    expect(() => loadHttpLimits({ EVENTSHOP_HTTP_IDLE_TIMEOUT_SECONDS: '0' })).toThrow(/EVENTSHOP_HTTP_IDLE_TIMEOUT_SECONDS must be a number of seconds above 0/);
    expect(() => loadHttpLimits({ EVENTSHOP_HTTP_MAX_CONNECTIONS: 'lots' })).toThrow(/EVENTSHOP_HTTP_MAX_CONNECTIONS must be a whole number/);
    expect(() => loadHttpLimits({ EVENTSHOP_HTTP_HEADERS_TIMEOUT_SECONDS: '60' })).toThrow(/must not be longer than EVENTSHOP_HTTP_REQUEST_TIMEOUT_SECONDS/);
  });
});
