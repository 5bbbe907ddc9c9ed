import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createShopClient, type ShopClient } from '@eventshop/sdk';
import type { ServerProcess } from './support/server-process.js';
import { startShopWithAdmin, type ShopWithAdmin } from './support/shop-with-admin.js';
import { json, shopctl } from './support/shopctl.js';

/**
 * A whole checkout on the real server process (embedded PostgreSQL, simulated gateway), the way a
 * shop front and a customer at a terminal would do it: through the published SDK and through the
 * shopctl binary. Register, browse, order, confirm, pay with pm_card_visa, the admin ships (the
 * payment is captured) and delivers; and a declined card followed by a good one.
 */
const ADMIN = { email: 'admin@checkout-e2e.example.com', password: 'e2e-admin-password' };
const ADDRESS = { recipientName: 'Ada Lovelace', line1: '12 St James Square', city: 'London', postalCode: 'SW1Y 4JH', country: 'GB' };

let dataDir: string;
let server: ServerProcess;
let admin: ShopClient;
let adminCli: Record<string, string>;
let teapot: string;

let shop: ShopWithAdmin | undefined;

beforeAll(async () => {
  shop = await startShopWithAdmin(ADMIN);
  ({ dataDir, server, admin, adminCli } = shop);
  teapot = (await admin.products.create({ name: 'Checkout cast-iron teapot', description: 'keeps tea hot', price: { amount: 4500, currency: 'EUR' }, categoryId: 'teaware' })).id;
  await admin.products.setStock({ id: teapot, quantity: 20 });
}, 300_000);

afterAll(() => shop?.close());

const poll = <T>(read: () => Promise<T>) => expect.poll(read, { timeout: 20_000, interval: 50 });

describe('checkout', () => {
  it('through the SDK: register, browse, order, confirm, pay, ship (captured), deliver; a declined card, then a good one', async () => {
    const customer = createShopClient({ baseUrl: server.url });
    try {
      customer.setToken((await customer.users.register({ email: `buyer.sdk.${Date.now()}@checkout-e2e.example.com`, password: 'buyer-password-42', name: 'Grace Hopper' })).token);
      const found = await customer.products.search({ q: 'teapot' });
      expect(found.items.map((product) => product.id)).toContain(teapot);

      const order = await customer.orders.create({ items: [{ productId: teapot, quantity: 2 }], shippingAddress: ADDRESS });
      expect(order.status).toBe('draft');
      expect((await customer.orders.confirm({ id: order.id })).total).toEqual({ amount: 9000, currency: 'EUR' });
      await poll(async () => (await customer.orders.get({ id: order.id })).status).toBe('awaiting_payment');
      const { paymentId, amount } = await customer.orders.requestPayment({ id: order.id });
      expect(amount).toEqual({ amount: 9000, currency: 'EUR' });
      expect((await customer.payments.confirm({ paymentId, paymentMethod: 'pm_card_visa' })).status).toBe('authorized');
      await poll(async () => (await customer.orders.get({ id: order.id })).status).toBe('paid');

      await admin.orders.ship({ id: order.id, trackingCode: '1Z999AA10123456784' });
      await poll(async () => (await customer.payments.status({ paymentId })).captured).toBe(9000);
      expect((await admin.orders.deliver({ id: order.id })).status).toBe('delivered');
      await poll(async () => (await admin.ops.processes.show({ orderId: order.id })).step).toBe('completed');
      expect((await admin.products.get({ id: teapot })).id).toBe(teapot);

      // Declined, the order waits for another card; the good one pays it.
      const second = await customer.orders.create({ items: [{ productId: teapot, quantity: 1 }], shippingAddress: ADDRESS });
      await customer.orders.confirm({ id: second.id });
      await poll(async () => (await customer.orders.get({ id: second.id })).status).toBe('awaiting_payment');
      const payment = await customer.orders.requestPayment({ id: second.id });
      const declined = await customer.payments.confirm({ paymentId: payment.paymentId, paymentMethod: 'pm_card_chargeDeclined' });
      expect(declined).toMatchObject({ status: 'declined', lastDecline: { code: 'card_declined', declineCode: 'generic_decline' } });
      expect((await customer.orders.get({ id: second.id })).status).toBe('awaiting_payment');
      expect((await customer.payments.confirm({ paymentId: payment.paymentId, paymentMethod: 'pm_card_visa' })).status).toBe('authorized');
      await poll(async () => (await customer.orders.get({ id: second.id })).status).toBe('paid');
      expect((await customer.payments.status({ paymentId: payment.paymentId })).captured).toBe(0);
    } finally {
      await customer.close();
    }
  }, 90_000);

  it('through shopctl: register, browse, order, confirm, pay, ship (captured), deliver; a declined card, then a good one', async () => {
    const cli: Record<string, string> = { SHOPCTL_CONFIG: path.join(dataDir, 'buyer-cli.json'), SHOPCTL_URL: server.url };
    const run = async <T = Record<string, any>>(args: string[], env = cli) => json<T>(await shopctl([...args, '--json'], env));
    // Its own email each try: vitest retries a failed test once, on the same server.
    const email = `buyer.cli.${Date.now()}@checkout-e2e.example.com`;
    await run(['users', 'register', '--email', email, '--password', 'buyer-password-42', '--name', 'Ada Lovelace']);
    expect((await shopctl(['login', '--email', email, '--password-stdin'], cli, 'buyer-password-42\n')).code).toBe(0);
    const found = await run<{ items: { id: string }[] }>(['products', 'search', '--q', 'teapot']);
    expect(found.items.map((product) => product.id)).toContain(teapot);

    const address = ['--shipping-address-recipient-name', ADDRESS.recipientName, '--shipping-address-line1', ADDRESS.line1, '--shipping-address-city', ADDRESS.city, '--shipping-address-postal-code', ADDRESS.postalCode, '--shipping-address-country', ADDRESS.country];
    const place = async (quantity: number) => {
      const order = await run(['orders', 'create', '--items', JSON.stringify([{ productId: teapot, quantity }]), ...address]);
      await run(['orders', 'confirm', order.id]);
      await poll(async () => (await run(['orders', 'get', order.id])).status).toBe('awaiting_payment');
      return { orderId: order.id as string, paymentId: (await run(['orders', 'request-payment', order.id])).paymentId as string };
    };

    const first = await place(1);
    expect((await run(['payments', 'confirm', first.paymentId, '--payment-method', 'pm_card_visa'])).status).toBe('authorized');
    await poll(async () => (await run(['orders', 'get', first.orderId])).status).toBe('paid');
    await run(['orders', 'ship', first.orderId, '--tracking-code', '1Z999AA10123456785'], adminCli);
    await poll(async () => (await run(['payments', 'status', first.paymentId])).status).toBe('captured');
    expect((await run(['orders', 'deliver', first.orderId], adminCli)).status).toBe('delivered');
    await poll(async () => (await run(['processes', 'show', first.orderId], adminCli)).step).toBe('completed');

    const second = await place(1);
    const declined = await run(['payments', 'confirm', second.paymentId, '--payment-method', 'pm_card_chargeDeclined']);
    expect(declined).toMatchObject({ status: 'declined', lastDecline: { code: 'card_declined' } });
    expect((await run(['orders', 'get', second.orderId])).status).toBe('awaiting_payment');
    expect((await run(['payments', 'confirm', second.paymentId, '--payment-method', 'pm_card_visa'])).status).toBe('authorized');
    await poll(async () => (await run(['orders', 'get', second.orderId])).status).toBe('paid');
  }, 420_000);
});
