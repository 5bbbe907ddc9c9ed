import { apiKeyEvents } from '@eventshop/sdk/contract';
import { declareModule } from '../module.js';
import { apiKeyDecider } from './api-keys.js';
import { apiKeyHandlers } from './handlers.js';
import { apiKeyQueries, apiKeysProjection } from './projections.js';

export const apiKeysModule = declareModule({
  name: 'api-keys',
  streams: [{ prefix: 'apikey', ...apiKeyDecider }],
  events: apiKeyEvents,
  readModels: [{ name: 'api_keys', tables: ['api_keys'], inline: apiKeysProjection }],
  handlers: ({ pool, eventStore }) => apiKeyHandlers({ pool, eventStore, apiKeys: apiKeyQueries(pool) }),
});
