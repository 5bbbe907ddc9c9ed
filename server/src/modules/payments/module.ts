import { paymentEvents } from '@eventshop/sdk/contract';
import { declareModule } from '../module.js';
import { paymentsHandlers } from './handlers.js';
import { ordersTableLookup } from './order-lookup.js';
import { paymentDecider } from './payments.js';
import { PAYMENT_TABLES, paymentsProjection } from './projections.js';

export const paymentsModule = declareModule({
  name: 'payments',
  streams: [{ prefix: 'payment', ...paymentDecider }],
  events: paymentEvents,
  readModels: [{ name: 'payments', tables: ['payments'], schema: PAYMENT_TABLES, inline: paymentsProjection }],
  // Orders are read through a port (order-lookup.ts): the orders module's read model.
  handlers: (context) => paymentsHandlers({ ...context, orders: ordersTableLookup(context.pool) }),
});
