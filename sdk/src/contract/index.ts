import { apiKeyOperations } from './api-keys.js';
import { authOperations } from './auth.js';
import { inventoryOperations } from './inventory.js';
import { opsOperations } from './ops.js';
import { paymentOperations } from './payments.js';
import { fulfillmentOperations, orderOperations } from './orders.js';
import { processorOperations } from './processors.js';
import { productOperations } from './products.js';
import { statusOperations } from './status.js';
import { systemOperations } from './system.js';
import { userOperations } from './users.js';

export * from './operation.js';
export * from './common.js';
export * from './text.js';
export * from './validation.js';
export * from './responses.js';
export * from './products.js';
export * from './auth.js';
export * from './users.js';
export * from './api-keys.js';
export * from './system.js';
export * from './event.js';
export * from './history.js';
export * from './ops.js';
export * from './inventory.js';
export * from './processors.js';
export * from './status.js';
export * from './payments.js';
export * from './orders.js';

/** Every operation of the API, keyed by id. Routes, SDK methods and CLI commands are walks over this. */
export const operations = {
  ...systemOperations,
  ...authOperations,
  ...userOperations,
  ...apiKeyOperations,
  ...productOperations,
  ...inventoryOperations,
  ...paymentOperations,
  ...opsOperations,
  ...processorOperations,
  ...statusOperations,
  ...orderOperations,
  ...fulfillmentOperations,
} as const;

export type Operations = typeof operations;
export type OperationId = keyof Operations;
