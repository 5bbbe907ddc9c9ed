import { randomUUID } from 'node:crypto';
import type { PostgresEventStore } from '@event-driven-io/emmett-postgresql';
import type { OrderView } from '@eventshop/sdk/contract';
import type { Principal } from '../../infra/auth/tokens.js';
import type { Pool } from '../../infra/database/pool.js';
import { commitWakeups, handleCommand, type EventMetadata } from '../../infra/eventstore.js';
import type { Handlers, RequestContext } from '../../infra/http/operations.js';
import { ForbiddenError, InvalidTransitionError, NotFoundError, RequestValidationError } from '../../infra/http/problems.js';
import { logReader } from '../../infra/log/log-reader.js';
import { userKeyring } from '../../infra/privacy/keyring.js';
import type { SnapshotStore } from '../../infra/snapshots.js';
import { allowedFor, type CatalogEntry, type CancelledBy, type OrderCommand, type ShippingAddress } from './orders.js';
import { sealingOrderDecider } from './sealing.js';
import { orderQueries, type Viewer } from './projections.js';
import { orderStreamName } from './orders.js';
import { watchOrder } from './story.js';

/** What the orders module needs of payments: opening the order's payment (the payments module's service). */
export type OrderPayments = {
  requestForOrder(input: { orderId: string; customerId: string; amount: number; currency: string }, metadata: EventMetadata): Promise<{ paymentId: string }>;
};

/** Every event of one order's story carries the order as its correlation, so history reads it back across streams. */
export const orderMetadata = (orderId: string, metadata: EventMetadata): EventMetadata => ({ ...metadata, correlationId: `order:${orderId}` });

const isStaff = (principal: Principal) => principal.roles.includes('admin') || principal.roles.includes('operator');

export const ordersHandlers = (deps: {
  pool: Pool;
  eventStore: PostgresEventStore;
  snapshots: SnapshotStore;
  payments?: OrderPayments | undefined;
}): Handlers<'orders.create' | 'orders.get' | 'orders.mine' | 'orders.list' | 'orders.setItem' | 'orders.removeItem' | 'orders.confirm' | 'orders.requestPayment' | 'orders.ship' | 'orders.deliver' | 'orders.cancel' | 'orders.watch'> => {
  const orders = orderQueries(deps.pool);
  const keyring = userKeyring(deps.pool);

  const customerOf = (context: RequestContext): Principal => {
    const principal = context.principal!;
    if (principal.kind !== 'user') throw new ForbiddenError('Orders belong to customer accounts: sign in as the customer, not with an API key.');
    return principal;
  };

  /** The order as the caller may see it: their own, or any for staff. Another customer's is simply not there. */
  const visible = async (id: string, context: RequestContext): Promise<OrderView> => {
    const principal = context.principal!;
    const staff = isStaff(principal);
    const order = await orders.byId(id, staff ? 'staff' : 'customer');
    if (!order || (!staff && order.customerId !== principal.id)) throw new NotFoundError('Order', id);
    return order;
  };

  const catalogOf = async (productIds: readonly string[]): Promise<Record<string, CatalogEntry>> => {
    const { rows } = await deps.pool.query<{ id: string; name: string; price_amount: string | number; price_currency: string; status: 'active' | 'discontinued' }>(
      'SELECT id, name, price_amount, price_currency, status FROM catalog_products WHERE id = ANY($1::uuid[])',
      [[...new Set(productIds)]],
    );
    const catalog = Object.fromEntries(rows.map((row) => [row.id, { name: row.name, price: { amount: Number(row.price_amount), currency: row.price_currency }, status: row.status }]));
    const missing = productIds.find((productId) => !catalog[productId]);
    if (missing) throw new NotFoundError('Product', missing);
    return catalog;
  };

  const run = async (orderId: string, command: OrderCommand, context: RequestContext, viewer: Viewer, expectedVersion?: number) => {
    const customerId = (await orders.byId(orderId, viewer))?.customerId;
    const key = customerId ? await keyring.find(customerId) : undefined;
    await handleCommand(deps.eventStore, sealingOrderDecider(key), {
      streamName: orderStreamName(orderId),
      command,
      metadata: orderMetadata(orderId, context.metadata),
      expectedVersion,
      snapshots: deps.snapshots,
    });
    return (await orders.byId(orderId, viewer))!;
  };

  const viewerOf = (context: RequestContext): Viewer => (isStaff(context.principal!) ? 'staff' : 'customer');

  const addressFor = async (customerId: string, input: { addressId?: string | undefined; shippingAddress?: Record<string, string | undefined> | undefined }) => {
    if (input.addressId !== undefined && input.shippingAddress !== undefined) {
      throw new RequestValidationError([{ field: 'addressId', message: 'Give either addressId (from your address book) or shippingAddress, not both' }]);
    }
    if (input.shippingAddress === undefined) {
      // Neither given: the address book's default, as a shop's checkout offers it.
      const { rows } = await deps.pool.query<Record<string, string | null>>(
        `SELECT recipient_name, line1, line2, city, region, postal_code, country FROM user_addresses
          WHERE user_id = $2 AND (CASE WHEN $1::uuid IS NULL THEN is_default ELSE id = $1::uuid END)`,
        [input.addressId ?? null, customerId],
      );
      const row = rows[0];
      if (!row && input.addressId !== undefined) throw new NotFoundError('Address', input.addressId);
      if (!row) throw new RequestValidationError([{ field: 'addressId', message: 'Your address book has no default address: give addressId or shippingAddress' }]);
      return {
        recipientName: row.recipient_name!,
        line1: row.line1!,
        line2: row.line2 ?? null,
        city: row.city!,
        region: row.region ?? null,
        postalCode: row.postal_code!,
        country: row.country!,
      } as ShippingAddress;
    }
    const given = input.shippingAddress!;
    return {
      recipientName: given.recipientName!,
      line1: given.line1!,
      line2: given.line2 || null,
      city: given.city!,
      region: given.region || null,
      postalCode: given.postalCode!,
      country: given.country!,
    } as ShippingAddress;
  };

  return {
    'orders.create': async (input, context) => {
      const customer = customerOf(context);
      const shippingAddress = await addressFor(customer.id, input);
      const catalog = await catalogOf(input.items.map((item) => item.productId));
      const orderId = randomUUID();
      const key = await keyring.find(customer.id);
      await handleCommand(deps.eventStore, sealingOrderDecider(key), {
        streamName: orderStreamName(orderId),
        command: {
          type: 'PlaceOrder',
          data: {
            orderId,
            customerId: customer.id,
            items: input.items.map((item) => ({ itemId: randomUUID(), productId: item.productId, quantity: item.quantity })),
            addressId: input.addressId ?? null,
            shippingAddress,
            catalog,
            now: context.now,
          },
        },
        metadata: orderMetadata(orderId, context.metadata),
        snapshots: deps.snapshots,
      });
      return (await orders.byId(orderId, 'customer'))!;
    },

    'orders.get': async ({ id }, context) => visible(id, context),

    'orders.mine': async ({ limit, cursor }, context) => orders.ofCustomer(context.principal!.id, { limit, cursor }),

    'orders.list': async ({ status, since, until, limit, cursor }) => {
      const instant = (text: string | undefined, field: string) => {
        if (text === undefined) return undefined;
        const date = new Date(text);
        if (Number.isNaN(date.getTime())) throw new RequestValidationError([{ field, message: 'Give an ISO 8601 instant such as 2026-11-20T10:00:00Z' }]);
        return date;
      };
      return orders.all({ status, since: instant(since, 'since'), until: instant(until, 'until'), limit, cursor });
    },

    'orders.setItem': async ({ id, itemId, quantity, productId }, context) => {
      const order = await visible(id, context);
      const line = order.items.find((item) => item.itemId === itemId);
      const catalog = line || productId === undefined ? {} : await catalogOf([...order.items.map((item) => item.productId), productId]);
      return run(id, { type: 'SetOrderItem', data: { itemId, productId, quantity, catalog, now: context.now } }, context, viewerOf(context));
    },

    'orders.removeItem': async ({ id, itemId }, context) => {
      await visible(id, context);
      return run(id, { type: 'RemoveOrderItem', data: { itemId, now: context.now } }, context, viewerOf(context));
    },

    'orders.confirm': async ({ id }, context) => {
      const order = await visible(id, context);
      // Prices as the catalog has them now; the event keeps them, so a later price change never reaches this order.
      const catalog = order.status === 'draft' ? await catalogOf(order.items.map((item) => item.productId)) : {};
      return run(id, { type: 'ConfirmOrder', data: { catalog, now: context.now } }, context, viewerOf(context));
    },

    'orders.requestPayment': async ({ id }, context) => {
      const order = await visible(id, context);
      if (order.status !== 'awaiting_payment') {
        throw new InvalidTransitionError('order', order.status, 'request payment', allowedFor(order.status, viewerOf(context) === 'staff' ? 'admin' : 'customer'));
      }
      if (!deps.payments) throw new Error('No payments service is configured');
      const total = order.total!;
      const { paymentId } = await deps.payments.requestForOrder(
        { orderId: id, customerId: order.customerId, amount: total.amount, currency: total.currency },
        orderMetadata(id, context.metadata),
      );
      return { orderId: id, paymentId, amount: total };
    },

    'orders.ship': async ({ id, trackingCode }, context) => {
      await visible(id, context);
      return run(id, { type: 'ShipOrder', data: { trackingCode: trackingCode ?? null, now: context.now } }, context, 'staff');
    },

    'orders.deliver': async ({ id }, context) => {
      await visible(id, context);
      return run(id, { type: 'DeliverOrder', data: { now: context.now } }, context, 'staff');
    },

    'orders.cancel': async ({ id, reason }, context) => {
      const order = await visible(id, context);
      const principal = context.principal!;
      const by: CancelledBy | undefined = principal.roles.includes('admin') ? 'admin' : order.customerId === principal.id ? 'customer' : undefined;
      if (!by) throw new ForbiddenError('Only the customer or an admin can cancel an order.');
      return run(id, { type: 'CancelOrder', data: { reason, by, now: context.now } }, context, viewerOf(context));
    },

    'orders.watch': async ({ id, after }, context) => {
      await visible(id, context);
      const reader = logReader(deps.pool);
      const cursor = after === undefined ? undefined : await reader.cursorAfter(after);
      if (after !== undefined && !cursor) throw new RequestValidationError([{ field: 'after', message: `No event has position ${after}; pass a position this stream gave out` }]);
      return watchOrder(deps.pool, id, cursor, context.signal, commitWakeups(deps.eventStore));
    },
  };
};
