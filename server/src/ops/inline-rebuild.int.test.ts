import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../../test/server.js';
import { shopModules } from '../modules/index.js';
import { inlineReadModels } from './inline-rebuild.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.close());

describe('rebuilding inline read models', () => {
  it('rebuilds every one equal to its live copy, forgotten accounts, revoked keys and reservations included', async () => {
    const admin = server.client({ token: await server.adminToken() });
    const product = await admin.products.create({ name: 'Rebuilt kettle', price: { amount: 2500, currency: 'EUR' }, categoryId: 'kettles' });
    await admin.products.update({ id: product.id, price: { amount: 2700, currency: 'EUR' } });
    const item = await admin.inventory.track({ productId: product.id, quantity: 10, threshold: 4 });
    await admin.inventory.reserve({ inventoryId: item.id, orderId: 'order-kept', quantity: 3, expiresInSeconds: 900 });
    await admin.inventory.reserve({ inventoryId: item.id, orderId: 'order-sold', quantity: 4, expiresInSeconds: 900 });
    await admin.inventory.allocate({ inventoryId: item.id, orderId: 'order-sold' });
    const kept = await server.registerCustomer({ name: 'Kept Customer' });
    const keptClient = server.client({ token: kept.token });
    await keptClient.users.addAddress({ recipientName: 'Kept Customer', line1: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' });
    const gone = await server.registerCustomer({ name: 'Gone Customer' });
    const goneClient = server.client({ token: gone.token });
    await goneClient.users.addAddress({ recipientName: 'Gone Customer', line1: '2 Side St', city: 'Shelbyville', postalCode: '54321', country: 'US' });
    await goneClient.users.forget();
    const key = await server.createApiKey('service', 'Revoked partner');
    await admin.apiKeys.revoke({ id: key.id });

    const operator = server.client({ token: (await server.userWithRoles(['operator'])).token });
    const names = inlineReadModels(shopModules.flatMap((module) => module.readModels)).map((readModel) => readModel.name);
    expect(names).toEqual(expect.arrayContaining(['inventory_stock', 'catalog_products', 'user_accounts', 'user_addresses', 'api_keys']));
    for (const name of names) {
      const rebuilt = await operator.ops.readModels.rebuild({ name });
      expect({ name, status: rebuilt.status, comparison: rebuilt.comparison }).toMatchObject({ name, status: 'done', comparison: { equal: true } });
    }
    // Still serving after the switch.
    expect((await admin.products.get({ id: product.id })).price.amount).toBe(2700);
    expect(await admin.inventory.get({ inventoryId: item.id })).toMatchObject({ onHand: 6, reserved: 3, available: 3, lowStock: true });
  });

  it('lets appends that write the read model wait for it, never deadlock with them, and loses none of them', async () => {
    const admin = server.client({ token: await server.adminToken() });
    const warehouse = server.client({ apiKey: (await server.createApiKey('service')).key });
    const items = await Promise.all(
      Array.from({ length: 8 }, async (_, i) => {
        const product = await admin.products.create({ name: `Busy item ${i}`, price: { amount: 100, currency: 'EUR' }, categoryId: 'busy' });
        return admin.inventory.track({ productId: product.id, quantity: 1000 });
      }),
    );
    const operator = server.client({ token: (await server.userWithRoles(['operator'])).token });
    // Reservations on 8 items at once (each append writes inventory_reservations, then inventory_stock) while rebuilds run.
    const reservations = Promise.all(
      Array.from({ length: 240 }, (_, i) => warehouse.inventory.reserve({ inventoryId: items[i % 8]!.id, orderId: `busy-${i}`, quantity: 1, expiresInSeconds: 900 })),
    );
    const rebuilds = Promise.all(Array.from({ length: 3 }, () => operator.ops.readModels.rebuild({ name: 'inventory_stock' }).catch((error: { code?: string }) => error.code)));
    const [reserved, rebuilt] = await Promise.all([reservations, rebuilds]);
    expect(reserved).toHaveLength(240);
    const outcomes = rebuilt.map((outcome) => (typeof outcome === 'object' ? outcome.status : outcome));
    expect(outcomes.filter((outcome) => outcome !== 'done' && outcome !== 'read_model_busy')).toEqual([]);
    const final = await operator.ops.readModels.rebuild({ name: 'inventory_stock' });
    expect(final.comparison).toMatchObject({ equal: true });
    for (const item of items) expect(await admin.inventory.get({ inventoryId: item.id })).toMatchObject({ reserved: 30, available: 970 });
  });
});
