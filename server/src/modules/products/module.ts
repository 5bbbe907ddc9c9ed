import { productEvents } from '@eventshop/sdk/contract';
import { declareModule } from '../module.js';
import { categoryStatsProcessor, categoryStatsQueries } from './category-stats.js';
import { productHandlers } from './handlers.js';
import { productDecider } from './products.js';
import { catalogProjection, catalogQueries } from './projections.js';

export const catalogModule = declareModule({
  name: 'catalog',
  streams: [{ prefix: 'product', ...productDecider }],
  events: productEvents,
  readModels: [{ name: 'catalog_products', tables: ['catalog_products'], inline: catalogProjection }],
  processors: [categoryStatsProcessor],
  handlers: ({ eventStore, snapshots, pool }) =>
    productHandlers({ eventStore, snapshots, catalog: catalogQueries(pool), stats: categoryStatsQueries(pool) }),
});
