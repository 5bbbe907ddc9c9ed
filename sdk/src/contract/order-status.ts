import { z } from 'zod';

export const ORDER_STATUSES = ['draft', 'confirmed', 'awaiting_payment', 'paid', 'shipped', 'delivered', 'cancelled'] as const;
export const OrderStatus = z.enum(ORDER_STATUSES).describe('Where the order is in its life');
export type OrderStatus = z.infer<typeof OrderStatus>;
