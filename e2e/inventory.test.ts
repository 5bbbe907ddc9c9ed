import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConflictError, createShopClient, type ShopClient } from '@eventshop/sdk';
import { REPO_ROOT, type ServerProcess } from './support/server-process.js';
import { startShopWithAdmin, type ShopWithAdmin } from './support/shop-with-admin.js';
import { json, shopctl } from './support/shopctl.js';

/**
 * Inventory against the real server process (its scheduled reservation expiry included), driven
 * through the SDK by a partner's warehouse system and through shopctl by an operator.
 */
const ADMIN = { email: 'admin@stock-e2e.example.com', password: 'e2e-admin-password' };

let dataDir: string;
let server: ServerProcess;
let admin: ShopClient;
let warehouse: ShopClient;
let adminCli: Record<string, string>;
let warehouseCli: Record<string, string>;

let shop: ShopWithAdmin | undefined;

beforeAll(async () => {
  shop = await startShopWithAdmin(ADMIN);
  ({ dataDir, server, admin, adminCli } = shop);
  const { key } = await admin.apiKeys.create({ name: 'E2E warehouse', role: 'service' });
  warehouse = createShopClient({ baseUrl: server.url, apiKey: key });
  warehouseCli = { SHOPCTL_CONFIG: path.join(dataDir, 'warehouse-cli.json'), SHOPCTL_URL: server.url };
  expect((await shopctl(['login', '--api-key', key], warehouseCli)).code).toBe(0);
}, 120_000);

afterAll(async () => {
  await warehouse?.close();
  await shop?.close();
});

/**
 * Waits for the server's expiry task to record ReservationExpired for an order: the live tail from
 * the start of the log (so an event recorded before the tail connected is not missed), bounded by
 * a deadline instead of a fixed sleep.
 */
const expiryRecorded = async (inventoryId: string, orderId: string) => {
  const stop = AbortSignal.timeout(30_000);
  for await (const event of admin.ops.events.subscribe({ streamType: 'inventory', types: ['ReservationExpired'] }, { after: 0, signal: stop })) {
    if (event.type === 'ReservationExpired' && event.data.inventoryId === inventoryId && event.data.orderId === orderId) return event;
  }
  throw new Error(`no ReservationExpired for ${orderId} within 30 s`);
};

const eventTypesOf = async (inventoryId: string) => {
  const types: string[] = [];
  for await (const event of admin.ops.streams.events.all({ streamId: `inventory-${inventoryId}` })) types.push(event.type);
  return types;
};

describe('inventory', () => {
  it('through the SDK: track, reserve with a short expiry, expire, restock, low-stock alert, allocate', async () => {
    const product = await admin.products.create({ name: 'E2E pour-over kettle', price: { amount: 4900, currency: 'EUR' }, categoryId: 'kettles' });
    const item = await admin.inventory.track({ productId: product.id, quantity: 10, threshold: 3 });
    expect(item).toMatchObject({ onHand: 10, available: 10, lowStock: false });

    const held = await warehouse.inventory.reserve({ inventoryId: item.id, orderId: 'e2e-sdk-short', quantity: 4, expiresInSeconds: 1 });
    expect(held.inventory).toMatchObject({ reserved: 4, available: 6 });
    const expired = await expiryRecorded(item.id, 'e2e-sdk-short');
    expect(expired.data).toMatchObject({ quantity: 4, reservationId: held.reservation.reservationId });
    expect(await warehouse.inventory.get({ inventoryId: item.id })).toMatchObject({ reserved: 0, available: 10 });
    const late = await warehouse.inventory.allocate({ inventoryId: item.id, orderId: 'e2e-sdk-short' }).catch((error: unknown) => error);
    expect(late).toBeInstanceOf(ConflictError);
    expect((late as ConflictError).code).toBe('reservation_expired');

    expect(await admin.inventory.setStock({ inventoryId: item.id, quantity: 20, reason: 'restock' })).toMatchObject({ onHand: 20, available: 20 });
    const big = await warehouse.inventory.reserve({ inventoryId: item.id, orderId: 'e2e-sdk-big', quantity: 18, expiresInSeconds: 900 });
    expect(big.inventory).toMatchObject({ available: 2, lowStock: true });
    expect((await admin.inventory.lowStock({ limit: 100 })).items.map((low) => low.id)).toContain(item.id);
    expect((await admin.products.get({ id: product.id })).availability).toEqual({ available: 2, inStock: true });

    expect((await warehouse.inventory.allocate({ inventoryId: item.id, orderId: 'e2e-sdk-big' })).inventory).toMatchObject({ onHand: 2, reserved: 0, available: 2 });
    expect(await eventTypesOf(item.id)).toEqual([
      'InventoryTracked',
      'StockReserved',
      'ReservationExpired',
      'StockLevelSet',
      'StockReserved',
      'LowStockDetected',
      'ReservationAllocated',
    ]);
  }, 60_000);

  it('through shopctl: track, reserve with a short expiry, expire, restock, low-stock alert recorded and listed', async () => {
    const product = json<{ id: string }>(
      await shopctl(['products', 'create', '--name', 'E2E milk jug', '--price-amount', '1900', '--price-currency', 'EUR', '--category-id', 'jugs', '--json'], adminCli),
    );
    const item = json<{ id: string; onHand: number }>(await shopctl(['inventory', 'track', '--product-id', product.id, '--quantity', '6', '--threshold', '2', '--json'], adminCli));
    expect(item.onHand).toBe(6);

    const held = json<{ inventory: { available: number } }>(
      await shopctl(['inventory', 'reserve', item.id, '--order-id', 'e2e-cli-short', '--quantity', '1', '--expires-in-seconds', '1', '--json'], warehouseCli),
    );
    expect(held.inventory.available).toBe(5);
    await expiryRecorded(item.id, 'e2e-cli-short');
    const after = json<{ reserved: number; available: number }>(await shopctl(['inventory', 'get', item.id, '--json'], warehouseCli));
    expect(after).toMatchObject({ reserved: 0, available: 6 });
    const allocate = await shopctl(['inventory', 'allocate', item.id, '--order-id', 'e2e-cli-short'], warehouseCli);
    expect(allocate.code).toBe(1);
    expect(allocate.stderr).toMatch(/already expired/);

    const restocked = json<{ onHand: number }>(await shopctl(['inventory', 'set-stock', item.id, '--quantity', '30', '--reason', 'restock', '--json'], adminCli));
    expect(restocked.onHand).toBe(30);
    // 1 left is below the threshold of 2: the alert is recorded and the item is listed.
    const big = json<{ inventory: { available: number } }>(
      await shopctl(['inventory', 'reserve', item.id, '--order-id', 'e2e-cli-big', '--quantity', '29', '--expires-in-seconds', '900', '--json'], warehouseCli),
    );
    expect(big.inventory.available).toBe(1);
    const low = await shopctl(['inventory', 'low-stock'], adminCli);
    expect(low.code, low.stderr).toBe(0);
    expect(low.stdout).toContain(item.id);

    const events = json<{ items: { type: string }[] }>(await shopctl(['streams', 'events', `inventory-${item.id}`, '--json'], adminCli));
    expect(events.items.map((event) => event.type)).toEqual(['InventoryTracked', 'StockReserved', 'ReservationExpired', 'StockLevelSet', 'StockReserved', 'LowStockDetected']);
    const state = json<{ state: { reservations: Record<string, unknown>; onHand: number } }>(await shopctl(['streams', 'state', `inventory-${item.id}`, '--json'], adminCli));
    expect(state.state).toMatchObject({ onHand: 30, reserved: 29, reservations: { 'e2e-cli-big': { quantity: 29 } } });
  }, 60_000);

  it('runs every shopctl example in docs/inventory.md', async () => {
    const guide = await readFile(path.join(REPO_ROOT, 'docs/inventory.md'), 'utf8');
    const block = /## shopctl\n\n```sh\n([\s\S]*?)```/.exec(guide)![1]!;
    const product = await admin.products.create({ name: 'E2E docs grinder', price: { amount: 8900, currency: 'EUR' }, categoryId: 'grinders' });
    let inventoryId = '';
    for (const line of block.trim().split('\n')) {
      const words = line.replace(/#.*$/, '').trim().split(/\s+/);
      expect(words[0]).toBe('shopctl');
      const args = words.slice(1).map((word) => word.replace('<product-id>', product.id).replace('<inventory-id>', inventoryId));
      const result = await shopctl(args, adminCli);
      expect(result.code, `${line}\n${result.stderr}`).toBe(0);
      if (!inventoryId) inventoryId = (await admin.inventory.byProduct({ productId: product.id })).id;
    }
    expect(await admin.inventory.get({ inventoryId })).toMatchObject({ onHand: 40, threshold: 5 });
  }, 60_000);
});
