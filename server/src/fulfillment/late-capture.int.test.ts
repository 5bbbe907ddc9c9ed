import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, type TestUser } from '../../../test/server.js';

/**
 * The process handles an order's events after they were recorded, and a restarted or busy server
 * may be far behind: by the time it sees OrderShipped, the order may be delivered already, or
 * cancelled by an admin. The checkout soak found the capture skipped then (the step looked for
 * `shipped` only), leaving the card held and a delivered order unpaid.
 */
let server: TestServer;
let admin: Record<string, string>;
let customer: TestUser;

beforeAll(async () => {
  server = await startTestServer();
  admin = { authorization: `Bearer ${await server.adminToken()}` };
  customer = await server.registerCustomer();
});
afterAll(() => server?.close());

const address = { recipientName: 'Ada Lovelace', line1: '12 St James Square', city: 'London', postalCode: 'SW1Y 4JH', country: 'GB' };
const inject = (method: 'GET' | 'POST' | 'PUT', url: string, headers: Record<string, string>, payload?: object) => server.app.inject({ method, url, headers, ...(payload ? { payload } : {}) });
const ok = async (method: 'GET' | 'POST' | 'PUT', url: string, headers: Record<string, string>, payload?: object) => {
  const response = await inject(method, url, headers, payload);
  expect(response.statusCode, `${method} ${url}: ${response.body}`).toBeLessThan(300);
  return response.json();
};
const reaches = (id: string, status: string) => expect.poll(async () => (await inject('GET', `/api/orders/${id}`, customer.headers)).json().status, { timeout: 15_000, interval: 25 }).toBe(status);
const paymentReaches = (id: string, status: string) =>
  expect.poll(async () => (await inject('GET', `/api/payments/${id}/status`, customer.headers)).json().status, { timeout: 15_000, interval: 25 }).toBe(status);

/** An order paid with pm_card_visa, its payment authorised, the process caught up. */
const paidOrder = async () => {
  const product = await ok('POST', '/api/products', admin, { name: 'Late cup', price: { amount: 2500, currency: 'EUR' }, categoryId: 'kitchen' });
  await ok('PUT', `/api/products/${product.id}/stock`, admin, { quantity: 5 });
  const order = await ok('POST', '/api/orders', customer.headers, { items: [{ productId: product.id, quantity: 1 }], shippingAddress: address });
  await ok('POST', `/api/orders/${order.id}/confirm`, customer.headers, {});
  await reaches(order.id, 'awaiting_payment');
  const payment = await ok('POST', '/api/payments', customer.headers, { orderId: order.id });
  await ok('POST', `/api/payments/${payment.id}/stripe`, customer.headers, { paymentMethod: 'pm_card_visa' });
  await reaches(order.id, 'paid');
  return { orderId: order.id as string, paymentId: payment.id as string };
};

describe('the process behind the order', () => {
  it('captures a shipped order that was delivered before the process saw it ship', async () => {
    const { orderId, paymentId } = await paidOrder();
    await ok('POST', '/api/ops/processors/fulfillment/pause', admin, {});
    await ok('POST', `/api/orders/${orderId}/ship`, admin, {});
    await ok('POST', `/api/orders/${orderId}/deliver`, admin, {});
    await ok('POST', '/api/ops/processors/fulfillment/resume', admin, {});
    await paymentReaches(paymentId, 'captured');
    // The delivery is the process's next event, handled after the capture it follows.
    await expect.poll(async () => (await ok('GET', `/api/ops/processes/${orderId}`, admin)).step, { timeout: 15_000, interval: 25 }).toBe('completed');
  });

  it('captures, then refunds, a shipped order an admin cancelled before the process saw it ship', async () => {
    const { orderId, paymentId } = await paidOrder();
    await ok('POST', '/api/ops/processors/fulfillment/pause', admin, {});
    await ok('POST', `/api/orders/${orderId}/ship`, admin, {});
    await ok('POST', `/api/orders/${orderId}/cancel`, admin, { reason: 'Lost in transit' });
    await ok('POST', '/api/ops/processors/fulfillment/resume', admin, {});
    await paymentReaches(paymentId, 'refunded');
    expect(await ok('GET', `/api/payments/${paymentId}/status`, customer.headers)).toMatchObject({ captured: 2500, refunded: 2500 });
  });
});
