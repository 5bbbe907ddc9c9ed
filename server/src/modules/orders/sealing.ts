import { seal, type DataKey } from '../../infra/privacy/personal-data.js';
import { orderDecider, type Order, type OrderCommand, type OrderEvent } from './orders.js';

/** The personal fields of an order's shipping address (the country is not one, as in the address book). */
const PERSONAL_ADDRESS_FIELDS = ['recipientName', 'line1', 'line2', 'city', 'region', 'postalCode'] as const;

/**
 * The order decider at the log's boundary: the shipping address of a placed order is sealed with
 * the customer's key before it is recorded, so forgetting the customer blanks it everywhere (the
 * order keeps its history). Nothing in the order's state holds the address, so evolve reads
 * stored events as they are.
 */
export const sealingOrderDecider = (key: DataKey | undefined) => ({
  ...orderDecider,
  decide: (command: OrderCommand, state: Order): OrderEvent[] =>
    orderDecider.decide(command, state).map((event) => {
      if (event.type !== 'OrderPlaced') return event;
      if (key === undefined) throw new Error(`Cannot record ${event.type}: the data key of ${event.data.customerId} is gone`);
      const address: Record<string, unknown> = { ...event.data.shippingAddress };
      for (const field of PERSONAL_ADDRESS_FIELDS) {
        const value = address[field];
        if (typeof value === 'string') address[field] = seal(value, event.data.customerId, key);
      }
      return { ...event, data: { ...event.data, shippingAddress: address } } as OrderEvent;
    }),
});
