/**
 * A partner app that keeps its own copy of the catalog, in sync through the live tail. It applies
 * every product event to a JSON file and saves, with the products, the position of the last event
 * applied. Restarted, it resumes right after that position: nothing missed, nothing applied twice.
 *
 *   SHOP_URL=http://localhost:3000 SHOP_EMAIL=admin@eventshop.local SHOP_PASSWORD=... \
 *     node --conditions=@eventshop/source --import tsx examples/catalog-mirror.ts
 *
 * MIRROR_FILE (default ./catalog-mirror.json) is where the copy lives. Ctrl-C stops it.
 */
import { rename, readFile, writeFile } from 'node:fs/promises';
import { createShopClient, type LoggedEvent, type Money } from '@eventshop/sdk';

type MirroredProduct = { name: string; price: Money; categoryId: string; status: 'active' | 'discontinued' };
/** The whole copy: the products, and the position of the last event in it. */
type Mirror = { position: number; products: Record<string, MirroredProduct> };

const required = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`Set ${name} (see examples/README.md)`);
  return value;
};

const file = process.env.MIRROR_FILE ?? 'catalog-mirror.json';

/** The saved copy, or an empty one that starts at the beginning of the log. */
const load = async (): Promise<Mirror> => {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Mirror;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { position: 0, products: {} };
    throw error;
  }
};

/**
 * Products and position are written together, to a temporary file renamed over the old one: a
 * crash leaves either the old copy or the new one, never products without their position.
 */
const save = async (mirror: Mirror) => {
  await writeFile(`${file}.tmp`, JSON.stringify(mirror, null, 2));
  await rename(`${file}.tmp`, file);
};

/** One event into the copy: `event.type` narrows `event.data` to that event's fields. */
const apply = (mirror: Mirror, event: LoggedEvent): string | undefined => {
  switch (event.type) {
    case 'ProductCreated': {
      const { productId, name, price, categoryId } = event.data;
      mirror.products[productId] = { name, price, categoryId, status: 'active' };
      return `added ${name}`;
    }
    case 'ProductDetailsChanged': {
      const product = mirror.products[event.data.productId];
      if (!product) return undefined;
      if (event.data.name !== undefined) product.name = event.data.name;
      if (event.data.categoryId !== undefined) product.categoryId = event.data.categoryId;
      return `renamed or moved ${product.name}`;
    }
    case 'ProductPriceChanged': {
      const product = mirror.products[event.data.productId];
      if (!product) return undefined;
      product.price = event.data.price;
      return `repriced ${product.name} to ${(event.data.price.amount / 100).toFixed(2)} ${event.data.price.currency}`;
    }
    case 'ProductDiscontinued': {
      const product = mirror.products[event.data.productId];
      if (!product) return undefined;
      product.status = 'discontinued';
      return `discontinued ${product.name}`;
    }
    default:
      return undefined;
  }
};

const shop = createShopClient({ baseUrl: required('SHOP_URL') });
const session = await shop.auth.login({ email: required('SHOP_EMAIL'), password: required('SHOP_PASSWORD') });
shop.setToken(session.token);

const mirror = await load();
console.log(`${Object.keys(mirror.products).length} products in ${file}; following the log after position ${mirror.position}`);

const stop = new AbortController();
process.once('SIGINT', () => stop.abort());
process.once('SIGTERM', () => stop.abort());

// The tail first delivers every product event after the saved position, then each new one as it is
// recorded; it reconnects by itself, and the loop ends when `stop` aborts.
for await (const event of shop.ops.events.subscribe({ streamType: 'product' }, { after: mirror.position, signal: stop.signal })) {
  const what = apply(mirror, event);
  mirror.position = event.position;
  await save(mirror);
  if (what) console.log(`position ${event.position}: ${what}`);
}
console.log(`Stopped at position ${mirror.position}; ${Object.keys(mirror.products).length} products in ${file}.`);
await shop.close();
