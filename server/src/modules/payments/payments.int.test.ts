import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, type TestUser } from '../../../../test/server.js';
import type { OrderToPay } from './order-lookup.js';
import { paymentsService } from './service.js';
import { snapshotStore } from '../../infra/snapshots.js';

/** Orders are the orders module's; these tests stand in for its read model through the payments module's port. */
const orders = new Map<string, OrderToPay>();

let server: TestServer;
let admin: Record<string, string>;
let customer: TestUser;
let stranger: TestUser;

beforeAll(async () => {
  server = await startTestServer({}, { orderLookup: async (orderId) => orders.get(orderId) });
  admin = { authorization: `Bearer ${await server.adminToken()}` };
  customer = await server.registerCustomer();
  stranger = await server.registerCustomer();
});
afterAll(() => server?.close());

const newOrder = (amount = 2500, currency = 'USD', owner = customer, status = 'awaiting_payment') => {
  const orderId = randomUUID();
  orders.set(orderId, { customerId: owner.id, amount, currency, status });
  return orderId;
};

const post = (url: string, payload: object, headers: Record<string, string> = customer.headers) => server.app.inject({ method: 'POST', url, headers, payload });
const get = (url: string, headers: Record<string, string> = customer.headers) => server.app.inject({ method: 'GET', url, headers });

const openPayment = async (orderId = newOrder()) => {
  const response = await post('/api/payments', { orderId });
  expect(response.statusCode).toBe(201);
  return response.json() as { id: string; status: string; amount: number };
};

const metadata = () => ({ correlationId: randomUUID(), causationId: randomUUID(), actorId: null, requestId: randomUUID(), occurredAt: server.clock.now().toISOString() });
const service = () => paymentsService({ pool: undefined as never, eventStore: server.eventStore, snapshots: snapshotStore(undefined as never), tokens: undefined as never, clock: server.clock, gateway: server.gateway });

describe('a payment through its life', () => {
  it('opens for the order’s amount, authorises a good card, captures, refunds in parts', async () => {
    const orderId = newOrder(4200, 'EUR');
    const opened = await openPayment(orderId);
    expect(opened).toMatchObject({ orderId, status: 'requested', amount: 4200, currency: 'EUR', captured: 0, refunded: 0 });
    // Asking again answers the same payment.
    const again = await post('/api/payments', { orderId });
    expect(again.statusCode).toBe(201);
    expect(again.json().id).toBe(opened.id);

    const confirmed = await post(`/api/payments/${opened.id}/stripe`, { paymentMethod: 'pm_card_visa' });
    expect(confirmed.statusCode).toBe(200);
    expect(confirmed.json()).toMatchObject({ status: 'authorized', intentId: expect.stringMatching(/^pi_/) });
    expect((await get(`/api/payments/${opened.id}/status`)).json().status).toBe('authorized');
  });
});
