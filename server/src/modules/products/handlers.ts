import { randomUUID } from 'node:crypto';
import type { PostgresEventStore } from '@event-driven-io/emmett-postgresql';
import { handleCommand } from '../../infra/eventstore.js';
import type { Handlers, OperationIdsOf } from '../../infra/http/operations.js';
import { NotFoundError } from '../../infra/http/problems.js';
import type { SnapshotStore } from '../../infra/snapshots.js';
import { productDecider, productStreamName } from './products.js';
import type { CategoryStatsQueries } from './category-stats.js';
import type { CatalogQueries } from './projections.js';

export type ProductModuleDependencies = { eventStore: PostgresEventStore; snapshots: SnapshotStore; catalog: CatalogQueries; stats: CategoryStatsQueries };

/** Contract operations → product commands and catalog queries. */
export const productHandlers = ({ eventStore, snapshots, catalog, stats }: ProductModuleDependencies): Handlers<OperationIdsOf<'products'>> => {
  /** The read model is written in the command's transaction, so it already shows the command's effect. */
  const current = async (id: string) => {
    const product = await catalog.getById(id);
    if (!product) throw new NotFoundError('Product', id);
    return product;
  };

  return {
    'products.create': async (input, { now, metadata }) => {
      const productId = randomUUID();
      await handleCommand(eventStore, productDecider, {
        streamName: productStreamName(productId),
        command: {
          type: 'CreateProduct',
          data: { productId, sku: input.sku ?? null, name: input.name, description: input.description, price: input.price, categoryId: input.categoryId, now },
        },
        metadata,
        snapshots,
      });
      return current(productId);
    },

    'products.get': async ({ id }) => current(id),

    'products.update': async ({ id, expectedVersion, ...changes }, { now, metadata }) => {
      await handleCommand(eventStore, productDecider, {
        streamName: productStreamName(id),
        command: { type: 'ChangeProduct', data: { productId: id, ...changes, now } },
        metadata,
        snapshots,
        expectedVersion,
      });
      return current(id);
    },

    'products.delete': async ({ id, expectedVersion }, { now, metadata }) => {
      await handleCommand(eventStore, productDecider, {
        streamName: productStreamName(id),
        command: { type: 'DiscontinueProduct', data: { productId: id, now } },
        metadata,
        snapshots,
        expectedVersion,
      });
      return current(id);
    },

    'products.search': async ({ q, price_min, price_max, currency, limit, cursor }) =>
      catalog.search({ q, priceMin: price_min, priceMax: price_max, currency, limit, cursor }),

    'products.listByCategory': async ({ categoryId, limit, cursor }) => catalog.list({ categoryId, limit, cursor }),

    'products.categoryStats': async () => ({ items: await stats.list() }),

    'products.list': async ({ price_min, price_max, currency, limit, cursor }) =>
      catalog.list({ priceMin: price_min, priceMax: price_max, currency, limit, cursor }),
  };
};
