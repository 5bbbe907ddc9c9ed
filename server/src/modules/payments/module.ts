import { paymentEvents } from '@eventshop/sdk/contract';
import { declareModule, type ModuleContext } from '../module.js';
import { paymentsHandlers } from './handlers.js';
import { ordersTableLookup, type OrderLookup } from './order-lookup.js';
import { paymentDecider } from './payments.js';
import { PAYMENT_TABLES, paymentsProjection } from './projections.js';

export const paymentsModule = declareModule({
  name: 'payments',
  streams: [{ prefix: 'payment', ...paymentDecider }],
  events: paymentEvents,
  readModels: [{ name: 'payments', tables: ['payments'], schema: PAYMENT_TABLES, inline: paymentsProjection }],
    // Orders are read through a port (order-lookup.ts): the orders read model's table unless the app passes its own.
  handlers: (context: ModuleContext & { orderLookup?: OrderLookup | undefined }) => paymentsHandlers({ ...context, orders: context.orderLookup ?? ordersTableLookup(context.pool) }),
});
