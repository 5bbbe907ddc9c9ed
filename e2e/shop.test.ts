import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ForbiddenError, PreconditionFailedError, UnauthorizedError, createShopClient, type ShopClient } from '@eventshop/sdk';
import type { ServerProcess } from './support/server-process.js';
import { startShopWithAdmin, type ShopWithAdmin } from './support/shop-with-admin.js';
import { json, shopctl } from './support/shopctl.js';

/**
 * The real server process on its embedded PostgreSQL, driven the way partners and operators
 * drive it: through the published SDK entry point and through the shopctl binary.
 */
const ADMIN = { email: 'admin@shop-e2e.example.com', password: 'e2e-admin-password' };

let dataDir: string;
let server: ServerProcess;
let admin: ShopClient;
let adminCli: Record<string, string>;

let shop: ShopWithAdmin | undefined;

beforeAll(async () => {
  shop = await startShopWithAdmin(ADMIN);
  ({ dataDir, server, admin, adminCli } = shop);
}, 120_000);

afterAll(() => shop?.close());

describe('the catalog', () => {
  it('through the SDK: create, search with a price filter, stale update refused, discontinue', async () => {
    const cheap = await admin.products.create({ name: 'E2E enamel mug', description: 'speckled enamel', price: { amount: 1200, currency: 'EUR' }, categoryId: 'mugs' });
    const dear = await admin.products.create({ name: 'E2E copper mug', description: 'hammered copper', price: { amount: 5400, currency: 'EUR' }, categoryId: 'mugs' });

    const found = await admin.products.search({ q: 'mug', price_max: 2000, currency: 'EUR' });
    expect(found.items.map((p) => p.id)).toContain(cheap.id);
    expect(found.items.map((p) => p.id)).not.toContain(dear.id);

    await admin.products.update({ id: cheap.id, price: { amount: 1100, currency: 'EUR' }, expectedVersion: 1 });
    const stale = await admin.products.update({ id: cheap.id, name: 'Lost write', expectedVersion: 1 }).catch((e: unknown) => e);
    expect(stale).toBeInstanceOf(PreconditionFailedError);
    expect((stale as PreconditionFailedError).currentVersion).toBe(2);

    expect((await admin.products.delete({ id: dear.id })).status).toBe('discontinued');
    const listed: string[] = [];
    for await (const product of admin.products.listByCategory.all({ categoryId: 'mugs', limit: 1 })) listed.push(product.id);
    expect(listed).toEqual([cheap.id]);
  });

  it('through shopctl: create, search with a price filter, stale update refused, discontinue', async () => {
    const created = json<{ id: string; version: number }>(
      await shopctl(['products', 'create', '--name', 'E2E stoneware bowl', '--price-amount', '2500', '--price-currency', 'EUR', '--category-id', 'bowls', '--json'], adminCli),
    );
    expect(created.version).toBe(1);

    const found = json<{ items: { id: string }[] }>(await shopctl(['products', 'search', '--q', 'stoneware', '--price-min', '2000', '--price-max', '3000', '--currency', 'EUR', '--json'], adminCli));
    expect(found.items.map((p) => p.id)).toEqual([created.id]);

    await admin.products.update({ id: created.id, description: 'changed meanwhile' });
    const stale = await shopctl(['products', 'update', created.id, '--name', 'Lost write', '--expected-version', '1'], adminCli);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain('changed since you read it (version 2 now)');

    const gone = json<{ status: string }>(await shopctl(['products', 'delete', created.id, '--yes', '--json'], adminCli));
    expect(gone.status).toBe('discontinued');
  }, 60_000);
});

describe('accounts, addresses and forgetting', () => {
  const address = { recipientName: 'Grace Hopper', line1: '1 Navy Way', city: 'Arlington', postalCode: '22201', country: 'US' };

  it('through the SDK: register, sign in, manage addresses, forget, register again', async () => {
    const email = 'grace.e2e@example.com';
    const customer = createShopClient({ baseUrl: server.url });
    const session = await customer.users.register({ email, password: 'hopper-password-42', name: 'Grace Hopper' });
    customer.setToken((await customer.auth.login({ email: 'GRACE.e2e@example.com', password: 'hopper-password-42' })).token);

    const home = await customer.users.addAddress(address);
    expect(home.isDefault).toBe(true);
    const work = await customer.users.addAddress({ ...address, line1: '2 Office Park', isDefault: true });
    await customer.users.updateAddress({ id: home.id, city: 'Alexandria' });
    const book = await customer.users.listAddresses();
    expect(book.items.find((a) => a.id === work.id)?.isDefault).toBe(true);
    expect(book.items.find((a) => a.id === home.id)).toMatchObject({ city: 'Alexandria', isDefault: false });
    await customer.users.removeAddress({ id: work.id });

    const forgotten = await customer.users.forget();
    expect(forgotten.status).toBe('forgotten');
    expect(JSON.stringify(forgotten)).not.toContain('Grace');
    expect(await customer.users.profile().catch((e: unknown) => e)).toBeInstanceOf(UnauthorizedError);
    const seenByAdmin = await admin.users.get({ id: session.user.id });
    expect(JSON.stringify(seenByAdmin)).not.toMatch(/Grace|grace\.e2e/);

    const again = await createShopClient({ baseUrl: server.url }).users.register({ email, password: 'another-password-42', name: 'G. H.' });
    expect(again.user.id).not.toBe(session.user.id);
    await customer.close();
  });

  it('through shopctl: register, log in, manage addresses, forget', async () => {
    const cli = { SHOPCTL_CONFIG: path.join(dataDir, 'customer-cli.json'), SHOPCTL_URL: server.url };
    const registered = await shopctl(['users', 'register', '--email', 'ada.e2e@example.com', '--password', 'lovelace-password-42', '--name', 'Ada Lovelace', '--json'], cli);
    expect(registered.code, registered.stderr).toBe(0);
    expect((await shopctl(['login', '--email', 'ada.e2e@example.com', '--password-stdin'], cli, 'lovelace-password-42\n')).code).toBe(0);

    const added = json<{ id: string; isDefault: boolean }>(
      await shopctl(['users', 'add-address', '--recipient-name', 'Ada Lovelace', '--line1', '12 St James Square', '--city', 'London', '--postal-code', 'SW1Y 4JH', '--country', 'GB', '--json'], cli),
    );
    expect(added.isDefault).toBe(true);
    const book = json<{ items: { id: string; city: string }[] }>(await shopctl(['users', 'addresses', '--json'], cli));
    expect(book.items.map((a) => a.city)).toEqual(['London']);

    // A password change ends every earlier token; shopctl keeps the fresh one, so the next command works.
    const changed = await shopctl(['users', 'change-password', '--current-password', 'lovelace-password-42', '--new-password', 'babbage-password-42'], cli);
    expect(changed.code, changed.stderr).toBe(0);
    expect(changed.stderr).toContain('saved the new token in profile "default"');
    expect(json<{ name: string }>(await shopctl(['users', 'profile', '--json'], cli)).name).toBe('Ada Lovelace');

    const refused = await shopctl(['users', 'forget'], cli);
    expect(refused.code).toBe(2);
    const forgotten = json<{ status: string }>(await shopctl(['users', 'forget', '--yes', '--json'], cli));
    expect(forgotten.status).toBe('forgotten');

    const after = await shopctl(['users', 'profile'], cli);
    expect(after.code).toBe(4);
    expect(after.stderr).toMatch(/shopctl login/);
    expect(after.stderr).not.toMatch(/\n\s+at /);
  }, 60_000);
});

describe('partner API keys', () => {
  it('a key created by an admin authenticates the SDK and shopctl until it is revoked', async () => {
    const created = json<{ id: string; key: string; role: string }>(await shopctl(['api-keys', 'create', '--name', 'E2E partner', '--json'], adminCli));
    expect(created.role).toBe('service');
    expect(created.key).toMatch(/^esk_/);

    const partner = createShopClient({ baseUrl: server.url, apiKey: created.key });
    // Signed in as a service principal: an admin-only command is forbidden, not unauthenticated.
    expect(await partner.products.create({ name: 'x', price: { amount: 1, currency: 'EUR' }, categoryId: 'x' }).catch((e: unknown) => e)).toBeInstanceOf(ForbiddenError);

    const cli = { SHOPCTL_CONFIG: path.join(dataDir, 'partner-cli.json'), SHOPCTL_URL: server.url };
    expect((await shopctl(['login', '--api-key', created.key], cli)).code).toBe(0);
    const forbidden = await shopctl(['products', 'create', '--name', 'x', '--price-amount', '1', '--price-currency', 'EUR', '--category-id', 'x'], cli);
    expect(forbidden.code).toBe(4);

    await admin.apiKeys.revoke({ id: created.id });
    expect(await partner.apiKeys.list().catch((e: unknown) => e)).toBeInstanceOf(UnauthorizedError);
    // Public reads never look at the credential, so a stale key in a partner's config does not break them.
    expect((await partner.products.list()).items).toEqual(expect.any(Array));
    await partner.close();
  }, 60_000);
});
