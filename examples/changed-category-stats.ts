/**
 * A changed projection for `shopctl read-models what-if`: the catalog's category statistics as
 * they would be if discontinued products still counted (a change someone might propose) and
 * categories named `sample-…` were left out. Run it to see what that change would do to the live
 * read model, without touching it:
 *
 *   shopctl read-models what-if catalog_category_stats --script examples/changed-category-stats.ts
 *
 * The default export gets each event (oldest first, up to where the live read model stands);
 * done() returns the rows its scratch copy would hold, by table, with the live table's columns.
 */
import type { LoggedEvent } from '@eventshop/sdk';

export const handles = ['ProductCreated', 'ProductDetailsChanged', 'ProductPriceChanged', 'ProductDiscontinued'];

type Product = { category: string; amount: number; currency: string; version: number };

const products = new Map<string, Product>();

export default function project(event: LoggedEvent): void {
  switch (event.type) {
    case 'ProductCreated':
      products.set(event.data.productId, { category: event.data.categoryId, amount: event.data.price.amount, currency: event.data.price.currency, version: event.version });
      break;
    case 'ProductDetailsChanged': {
      const product = products.get(event.data.productId);
      if (product && event.data.categoryId) product.category = event.data.categoryId;
      break;
    }
    case 'ProductPriceChanged': {
      const product = products.get(event.data.productId);
      if (product) Object.assign(product, { amount: event.data.price.amount, currency: event.data.price.currency });
      break;
    }
    case 'ProductDiscontinued':
      // The change: a discontinued product stays in its category's statistics.
      break;
  }
}

export function done() {
  const groups = new Map<string, { category_id: string; currency: string; prices: number[] }>();
  for (const product of products.values()) {
    // The other change: sample categories are left out.
    if (product.category.startsWith('sample-')) continue;
    const key = `${product.category}\u0000${product.currency}`;
    const group = groups.get(key) ?? { category_id: product.category, currency: product.currency, prices: [] };
    group.prices.push(product.amount);
    groups.set(key, group);
  }
  const catalog_category_stats = [...groups.values()].map(({ category_id, currency, prices }) => {
    const total = prices.reduce((sum, price) => sum + price, 0);
    return {
      category_id,
      currency,
      active_products: prices.length,
      min_price: Math.min(...prices),
      avg_price: Math.round(total / prices.length),
      max_price: Math.max(...prices),
      total_price: total,
    };
  });
  return { catalog_category_stats };
}
