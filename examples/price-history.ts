/**
 * A replay script: every product's price over time, from the catalog's events. shopctl gives the
 * default export each event, oldest first, then prints what `done()` returns:
 *
 *   shopctl replay --script examples/price-history.ts --type ProductCreated,ProductDetailsChanged,ProductPriceChanged
 *
 * `LoggedEvent` is the union of every event type: checking `event.type` narrows `event.data`.
 */
import type { LoggedEvent, Money } from '@eventshop/sdk';

type Product = { name: string; prices: { at: string; price: Money }[] };

const products = new Map<string, Product>();

const money = ({ amount, currency }: Money) => `${(amount / 100).toFixed(2)} ${currency}`;

export default function collect(event: LoggedEvent): void {
  switch (event.type) {
    case 'ProductCreated':
      products.set(event.data.productId, { name: event.data.name, prices: [{ at: event.occurredAt, price: event.data.price }] });
      break;
    case 'ProductDetailsChanged':
      if (event.data.name) products.get(event.data.productId)!.name = event.data.name;
      break;
    case 'ProductPriceChanged':
      products.get(event.data.productId)?.prices.push({ at: event.occurredAt, price: event.data.price });
      break;
  }
}

/** One row per product whose price ever changed: how often, and each price with the day it took effect. */
export function done() {
  return [...products.values()]
    .filter((product) => product.prices.length > 1)
    .map((product) => ({
      product: product.name,
      changes: product.prices.length - 1,
      prices: product.prices.map(({ at, price }) => `${money(price)} (${at.slice(0, 10)})`).join(' → '),
    }));
}
