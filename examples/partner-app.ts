/**
 * A partner app in one file: sign in, add products, search, walk a whole listing, and change a
 * product safely when someone else changed it first. Run it against a server (see README.md):
 *
 *   SHOP_URL=http://localhost:3000 SHOP_EMAIL=admin@eventshop.local SHOP_PASSWORD=... \
 *     node --conditions=@eventshop/source --import tsx examples/partner-app.ts
 *
 * RUN_ID (optional) names the run; repeating a RUN_ID shows idempotency keys at work.
 */
import { randomUUID } from 'node:crypto';
import {
  createShopClient,
  PreconditionFailedError,
  ShopApiError,
  type InputOf,
  type ProductView,
  type ShopClient,
} from '@eventshop/sdk';

const required = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`Set ${name} (see examples/README.md)`);
  return value;
};

const money = (product: ProductView) => `${(product.price.amount / 100).toFixed(2)} ${product.price.currency}`;

/**
 * Applies `change` to the product as it is when the write lands. `expectedVersion` makes the server
 * refuse (412) a write based on a stale read; we then read again and redo the change on fresh data,
 * rather than overwrite what someone else just did.
 */
const updateSafely = async (
  shop: ShopClient,
  read: ProductView,
  change: (current: ProductView) => Omit<InputOf<'products.update'>, 'id' | 'expectedVersion'>,
  attempts = 3,
): Promise<ProductView> => {
  let current = read;
  for (let attempt = 1; ; attempt++) {
    try {
      return await shop.products.update({ id: current.id, ...change(current), expectedVersion: current.version });
    } catch (error) {
      if (!(error instanceof PreconditionFailedError) || attempt === attempts) throw error;
      console.log(`  version ${current.version} is stale (now ${error.currentVersion}); reading it again`);
      current = await shop.products.get({ id: current.id });
    }
  }
};

const main = async () => {
  const shop = createShopClient({ baseUrl: required('SHOP_URL') });
  try {
    const session = await shop.auth.login({ email: required('SHOP_EMAIL'), password: required('SHOP_PASSWORD') });
    shop.setToken(session.token);
    console.log(`Signed in as ${session.user.email}`);

    // A category of this run's own, so the listing below shows exactly what this run made. Set RUN_ID
    // to repeat a run: the idempotency keys below then return the first run's products, not duplicates.
    const run = process.env.RUN_ID ?? randomUUID().slice(0, 8);
    const categoryId = `partner-demo-${run}`;
    const made: ProductView[] = [];
    for (const [name, amount] of [
      ['Ristretto cup', 1099],
      ['Espresso cup', 1299],
      ['Cappuccino cup', 1599],
    ] as const) {
      // A key derived from the work, not a random one, so a restarted run cannot create duplicates.
      const { data: product, headers } = await shop.callWithResponse(
        'products.create',
        { name, description: `Porcelain ${name.toLowerCase()} (demo ${run})`, price: { amount, currency: 'USD' }, categoryId },
        { idempotencyKey: `partner-demo-${run}-${name.replaceAll(' ', '-')}` },
      );
      made.push(product);
      const replayed = headers['idempotent-replayed'] === 'true';
      console.log(`${replayed ? 'Already created' : 'Created'} ${product.name} (${money(product)}), version ${product.version}`);
    }

    const hits = await shop.products.search({ q: `porcelain ${run}` });
    console.log(`Search for "porcelain ${run}": ${hits.items.map((hit) => hit.name).join(', ')}`);

    console.log(`Everything in ${categoryId}, two per page:`);
    for await (const product of shop.products.listByCategory.all({ categoryId, limit: 2 })) {
      console.log(`  ${product.name.padEnd(16)} ${money(product)}`);
    }

    // Read the espresso cup, then a colleague changes it before we write: our read is now stale.
    const espresso = made[1]!;
    await shop.products.update({ id: espresso.id, description: 'Porcelain, 80 ml, dishwasher safe' });
    const raised = await updateSafely(shop, espresso, (current) => ({
      price: { ...current.price, amount: Math.round(current.price.amount * 1.1) },
    }));
    console.log(`Raised ${raised.name} to ${money(raised)}, version ${raised.version}; kept "${raised.description}"`);
  } finally {
    await shop.close();
  }
};

main().catch((error: unknown) => {
  if (error instanceof ShopApiError) {
    console.error(`${error.name} (${error.status} ${error.code}): ${error.message}${error.requestId ? ` [request ${error.requestId}]` : ''}`);
    for (const { field, message } of error.fieldErrors) console.error(`  ${field}: ${message}`);
  } else {
    console.error(error);
  }
  process.exitCode = 1;
});
