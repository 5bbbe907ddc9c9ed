import { afterAll, describe, expect, it } from 'vitest';
import { UnauthorizedError, createShopClient } from '@eventshop/sdk';
import { createTestDatabase } from '../test/database.js';
import { killLeftoverServers, startServerProcess } from './support/server-process.js';

/**
 * The logs of a whole run hold none of the secrets and personal values that went through it.
 * A real server process at debug level, driven over HTTP through the SDK and raw requests; then
 * everything it printed (stdout and stderr) is searched for each value, in clear.
 */
const ADMIN = { email: 'admin@log-secrets.example.com', password: 'log-secrets-admin-password' };
const METRICS_TOKEN = 'log-secrets-metrics-token-7f3a9c';
const CUSTOMER = {
  email: 'marie.curie.logs@example.com',
  password: 'radium-password-1867',
  name: 'Marie Skłodowska-Curie',
  phone: '+33144277031',
};
const NEW_EMAIL = 'marie.sklodowska.logs@example.com';
const NEW_NAME = 'Maria Salomea Skłodowska';
const NEW_PASSWORD = 'polonium-password-1898';
const WRONG_PASSWORD = 'radon-guess-password-1900';
const ADDRESS = { recipientName: 'Pierre Curie', line1: '36 Quai de Béthune', city: 'Paris', postalCode: '75004', country: 'FR' };
const CARD = { number: '4000056655665556', cvc: '737', paymentMethod: 'pm_card_visa_logs_secret_91b2' };

describe('the server’s logs over a full run', () => {
  afterAll(() => killLeftoverServers());

  it('never show a password, token, API key, card detail or personal field in clear', async () => {
    const server = await startServerProcess({
      DATABASE_URL: await createTestDatabase(),
      LOG_LEVEL: 'debug',
      EVENTSHOP_ADMIN_EMAIL: ADMIN.email,
      EVENTSHOP_ADMIN_PASSWORD: ADMIN.password,
      EVENTSHOP_METRICS_TOKEN: METRICS_TOKEN,
      EVENTSHOP_METRICS_PORT: '0',
    });
    // The metrics listener of its own, as the banner names it: it asks for the token too.
    const metricsUrl = /Metrics +(http:\/\/127\.0\.0\.1:\d+\/metrics)/.exec(server.output())?.[1];
    expect(metricsUrl, server.output()).toBeDefined();
    expect((await fetch(metricsUrl!)).status).toBe(401);
    expect(await (await fetch(metricsUrl!, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text()).toContain('eventshop_http_requests_total');
    const used: string[] = [ADMIN.password, METRICS_TOKEN, ...Object.values(CUSTOMER), NEW_EMAIL, NEW_NAME, NEW_PASSWORD, WRONG_PASSWORD, ADDRESS.recipientName, ADDRESS.line1, ...Object.values(CARD)];
    const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
      fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

    const admin = createShopClient({ baseUrl: server.url });
    const adminToken = (await admin.auth.login(ADMIN)).token;
    admin.setToken(adminToken);
    used.push(adminToken);

    const customer = createShopClient({ baseUrl: server.url });
    const registered = await customer.users.register(CUSTOMER);
    used.push(registered.token);
    expect(await customer.auth.login({ email: CUSTOMER.email, password: WRONG_PASSWORD }).catch((e: unknown) => e)).toBeInstanceOf(UnauthorizedError);
    const session = await customer.auth.login({ email: CUSTOMER.email, password: CUSTOMER.password });
    used.push(session.token);
    customer.setToken(session.token);
    await customer.users.addAddress(ADDRESS);
    await customer.users.updateProfile({ name: NEW_NAME, email: NEW_EMAIL });
    const changed = await customer.users.changePassword({ currentPassword: CUSTOMER.password, newPassword: NEW_PASSWORD });
    used.push(changed.token);
    customer.setToken(changed.token);
    // What a client may send by mistake: card details in a body (refused, strict), secrets in a query string, a bad bearer.
    expect((await post('/api/users/addresses', { ...ADDRESS, card: CARD }, { authorization: `Bearer ${changed.token}` })).status).toBe(400);
    expect((await post('/api/users/register', { ...CUSTOMER, cardNumber: CARD.number, cvc: CARD.cvc })).status).toBe(400);
    expect((await fetch(`${server.url}/api/products/search?q=${encodeURIComponent(CUSTOMER.email)}&token=${changed.token}`)).status).toBe(400);
    expect((await fetch(`${server.url}/api/users/profile`, { headers: { authorization: `Bearer ${CARD.paymentMethod}` } })).status).toBe(401);
    expect((await post('/api/users/login', { email: NEW_EMAIL, password: '' })).status).toBe(400);

    const key = await admin.apiKeys.create({ name: 'Log secrets partner', role: 'service' });
    used.push(key.key);
    const partner = createShopClient({ baseUrl: server.url, apiKey: key.key });
    await partner.products.search({ q: 'anything' });
    expect((await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).status).toBe(200);
    expect((await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${adminToken}` } })).status).toBe(403);
    await customer.users.forget();

    await Promise.all([admin.close(), customer.close(), partner.close()]);
    await new Promise((resolve) => setTimeout(resolve, 200)); // the last log lines may still be on their way
    expect(await server.stop('SIGINT')).toBe(0);

    const output = server.output();
    const requests = output.split('\n').filter((line) => line.startsWith('{') && line.includes('"request completed"'));
    // The run was logged (so the search below searched something): every request, with who acted.
    expect(requests.length).toBeGreaterThanOrEqual(15);
    expect(requests.some((line) => line.includes(`"principalId":"${registered.user.id}"`))).toBe(true);
    // In clear, JSON-escaped or URL-encoded: each is readable to whoever reads the logs. A value
    // as short as a CVC also turns up inside ids, times, durations and pids, so it counts only
    // standing alone (not within a longer run of letters, digits and dots), outside pino's numbers.
    const withoutNumbers = output.replace(/"(pid|time|responseTime)":[\d.]+/g, '');
    const appears = (form: string) =>
      form.length >= 8 ? output.includes(form) : new RegExp(`(?<![\\w.])${form.replace(/[^\w]/g, '\\$&')}(?![\\w.])`).test(withoutNumbers);
    const found = used.filter((value) => [value, JSON.stringify(value).slice(1, -1), encodeURIComponent(value)].some(appears));
    expect(found).toEqual([]);
  }, 90_000);
});
