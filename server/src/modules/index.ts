import { projections } from '@event-driven-io/emmett';
import { apiKeysModule } from './api-keys/module.js';
import type { ModuleDeclaration } from './module.js';
import { inventoryModule } from './inventory/module.js';
import { paymentsModule } from './payments/module.js';
import { ordersModule } from './orders/module.js';
import { catalogModule } from './products/module.js';
import { usersModule } from './users/module.js';

/** Every module the server hosts. Readiness, time travel and the event catalogue walk this list. */
export const shopModules = [catalogModule, usersModule, apiKeysModule, inventoryModule, paymentsModule, ordersModule] as const satisfies readonly ModuleDeclaration[];

/** The read models kept in each append's transaction; bench/ builds its in-process event store from the same list. */
export const inlineProjections = () =>
  projections.inline(shopModules.flatMap((module) => module.readModels.flatMap((readModel) => (readModel.inline ? [readModel.inline] : []))));

/** The DDL every module declares for its read models. */
export const moduleSchemas = () => shopModules.flatMap((module) => module.readModels.flatMap((readModel) => readModel.schema ?? []));
