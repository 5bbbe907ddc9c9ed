import { z } from 'zod';
import { Cursor, ExpectedVersion, Id, Limit, Timestamp, page } from './common.js';
import { eventType } from './event.js';
import { operation } from './operation.js';

const Quantity = z.number().int('Use a whole number of units').min(0).max(1_000_000_000).describe('Units').meta({ examples: [100] });
const PositiveQuantity = z.number().int('Use a whole number of units').min(1).max(1_000_000).describe('Units').meta({ examples: [1] });
const Threshold = z.number().int().min(0).max(1_000_000_000).describe('Low-stock threshold: an alert is recorded when available stock falls below it').meta({ examples: [10] });
const OrderId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, 'Use letters, digits, dot, dash, colon or underscore (an order id)')
  .describe('The order the reservation is for')
  .meta({ examples: ['order-1001'] });
const StockReason = z.enum(['restock', 'count_correction']).describe('Why the quantity on hand changed');

export const InventoryView = z
  .object({
    id: Id.describe('Inventory item'),
    productId: Id,
    onHand: z.number().int().describe('Units in the warehouse'),
    reserved: z.number().int().describe('Units held by open reservations'),
    available: z.number().int().describe('On hand minus reserved: what can still be sold'),
    threshold: z.number().int(),
    lowStock: z.boolean().describe('Available has fallen below the threshold'),
    version: z.number().int().describe('Stream version; send it back as expectedVersion (If-Match)'),
    updatedAt: Timestamp,
  })
  .describe('Stock of one product');
export type InventoryView = z.infer<typeof InventoryView>;

export const ReservationView = z
  .object({
    reservationId: Id,
    inventoryId: Id,
    orderId: z.string(),
    quantity: z.number().int(),
    expiresAt: Timestamp,
    status: z.enum(['active', 'released', 'expired', 'allocated']),
  })
  .describe('Units held for an order until they are allocated, released or expire');

export const ReservationResult = z.object({ reservation: ReservationView, inventory: InventoryView });

const inventoryColumns = ['id', 'productId', 'onHand', 'reserved', 'available', 'threshold', 'lowStock', 'version'] as const;
const inventoryIdInput = { inventoryId: Id.describe('Inventory item') };

export const inventoryOperations = {
  'inventory.track': operation({
    id: 'inventory.track',
    method: 'POST',
    path: '/api/inventory',
    kind: 'command',
    auth: 'operator',
    summary: 'Track stock of a product',
    description: 'Starts tracking a product’s stock with an initial quantity on hand. One inventory item per product: a second is 409.',
    input: z.object({ productId: Id, quantity: Quantity.describe('Units on hand now'), threshold: Threshold.optional() }).strict(),
    output: InventoryView,
    successStatus: 201,
    errors: { 404: 'No product has that id' },
    tableColumns: inventoryColumns,
  }),
  'inventory.get': operation({
    id: 'inventory.get',
    method: 'GET',
    path: '/api/inventory/:inventoryId',
    kind: 'query',
    auth: 'operator',
    alsoAllowed: ['service'],
    summary: 'Get stock',
    input: z.object(inventoryIdInput).strict(),
    output: InventoryView,
    tableColumns: inventoryColumns,
  }),
  'inventory.byProduct': operation({
    id: 'inventory.byProduct',
    method: 'GET',
    path: '/api/inventory/product/:productId',
    kind: 'query',
    auth: 'operator',
    alsoAllowed: ['service'],
    summary: 'Get a product’s stock',
    input: z.object({ productId: Id }).strict(),
    output: InventoryView,
    cliName: 'by-product',
    tableColumns: inventoryColumns,
  }),
  'inventory.lowStock': operation({
    id: 'inventory.lowStock',
    method: 'GET',
    path: '/api/inventory/low-stock',
    kind: 'query',
    auth: 'operator',
    alsoAllowed: ['service'],
    summary: 'List products low on stock',
    description: 'Inventory items whose available stock is below their threshold, least available first.',
    input: z.object({ limit: Limit.optional(), cursor: Cursor.optional() }).strict(),
    output: page(InventoryView),
    pagination: { cursorField: 'cursor', itemsField: 'items', nextCursorField: 'nextCursor' },
    cliName: 'low-stock',
    tableColumns: inventoryColumns,
  }),
  'inventory.setStock': operation({
    id: 'inventory.setStock',
    method: 'PUT',
    path: '/api/inventory/:inventoryId/stock',
    kind: 'command',
    auth: 'operator',
    summary: 'Set the quantity on hand',
    description:
      'Replaces the quantity on hand with the number given (a PUT), for a restock or a count correction. A number below what is reserved is refused: it would make availability negative.',
    input: z.object({ ...inventoryIdInput, quantity: Quantity.describe('Units on hand now'), reason: StockReason, expectedVersion: ExpectedVersion.optional() }).strict(),
    output: InventoryView,
    cliName: 'set-stock',
    tableColumns: inventoryColumns,
  }),
  'inventory.setThreshold': operation({
    id: 'inventory.setThreshold',
    method: 'PUT',
    path: '/api/inventory/:inventoryId/threshold',
    kind: 'command',
    auth: 'operator',
    summary: 'Set the low-stock threshold',
    input: z.object({ ...inventoryIdInput, threshold: Threshold, expectedVersion: ExpectedVersion.optional() }).strict(),
    output: InventoryView,
    cliName: 'set-threshold',
    tableColumns: inventoryColumns,
  }),
  'inventory.reserve': operation({
    id: 'inventory.reserve',
    method: 'POST',
    path: '/api/inventory/:inventoryId/reserve',
    kind: 'command',
    auth: 'service',
    summary: 'Reserve units for an order',
    description:
      'Holds units for an order until it allocates or releases them, or they expire. Reserving again for the same order answers the same reservation and changes nothing. Not enough available stock is 409 `insufficient_stock`.',
    input: z
      .object({
        ...inventoryIdInput,
        orderId: OrderId,
        quantity: PositiveQuantity,
        expiresInSeconds: z.number().int().min(1).max(7 * 24 * 3600).describe('How long the units are held (1 s to 7 days)').meta({ examples: [900] }),
      })
      .strict(),
    output: ReservationResult,
    tableColumns: ['reservation', 'inventory'],
  }),
  'inventory.release': operation({
    id: 'inventory.release',
    method: 'POST',
    path: '/api/inventory/:inventoryId/release',
    kind: 'command',
    auth: 'service',
    summary: 'Release an order’s reservation',
    description: 'Gives the units back. An unknown, released, expired or allocated reservation is 409 and says which.',
    input: z.object({ ...inventoryIdInput, orderId: OrderId }).strict(),
    output: ReservationResult,
  }),
  'inventory.allocate': operation({
    id: 'inventory.allocate',
    method: 'POST',
    path: '/api/inventory/:inventoryId/allocate',
    kind: 'command',
    auth: 'service',
    summary: 'Turn an order’s reservation into a sale',
    description: 'The reserved units leave the quantity on hand for good. An unknown, released, expired or allocated reservation is 409 and says which.',
    input: z.object({ ...inventoryIdInput, orderId: OrderId }).strict(),
    output: ReservationResult,
  }),
  'products.setStock': operation({
    id: 'products.setStock',
    method: 'PUT',
    path: '/api/products/:id/stock',
    kind: 'command',
    auth: 'operator',
    summary: 'Set a product’s stock',
    description: 'The catalog’s face of inventory: sets the quantity on hand of the product’s inventory item, tracking it first if it is not yet.',
    input: z.object({ id: Id.describe('The product'), quantity: Quantity.describe('Units on hand now'), reason: StockReason.default('restock') }).strict(),
    output: InventoryView,
    cliName: 'set-stock',
    tableColumns: inventoryColumns,
  }),
} as const;

// ---- Events ----

const inventoryEvent = <const Type extends string, Data extends z.ZodObject>(type: Type, description: string, data: Data) =>
  eventType({ type, module: 'inventory', streamType: 'inventory', description, data });

const reservationFields = {
  inventoryId: Id,
  reservationId: Id.describe('The reservation'),
  orderId: z.string().describe('The order it is for'),
  quantity: z.number().int().describe('Units'),
};

export const inventoryEvents = {
  InventoryTracked: inventoryEvent(
    'InventoryTracked',
    'Stock of a product began to be tracked.',
    z.object({ inventoryId: Id, productId: Id, onHand: z.number().int(), threshold: z.number().int(), trackedAt: Timestamp }),
  ),
  StockLevelSet: inventoryEvent(
    'StockLevelSet',
    'The quantity on hand was set, by a restock or a count correction.',
    z.object({ inventoryId: Id, onHand: z.number().int(), previousOnHand: z.number().int(), reason: StockReason, setAt: Timestamp }),
  ),
  LowStockThresholdSet: inventoryEvent(
    'LowStockThresholdSet',
    'The low-stock threshold changed.',
    z.object({ inventoryId: Id, threshold: z.number().int(), setAt: Timestamp }),
  ),
  StockReserved: inventoryEvent(
    'StockReserved',
    'Units were held for an order.',
    z.object({ ...reservationFields, expiresAt: Timestamp.describe('When the hold lapses'), reservedAt: Timestamp }),
  ),
  ReservationReleased: inventoryEvent('ReservationReleased', 'An order gave its held units back.', z.object({ ...reservationFields, releasedAt: Timestamp })),
  ReservationExpired: inventoryEvent(
    'ReservationExpired',
    'A hold lapsed before it was allocated: its units are available again.',
    z.object({ ...reservationFields, expiredAt: Timestamp }),
  ),
  ReservationAllocated: inventoryEvent(
    'ReservationAllocated',
    'Held units were sold: they left the quantity on hand.',
    z.object({ ...reservationFields, allocatedAt: Timestamp }),
  ),
  AllocationReturned: inventoryEvent(
    'AllocationReturned',
    'An order cancelled before it shipped gave its sold units back: they are on hand again.',
    z.object({ ...reservationFields, returnedAt: Timestamp }),
  ),
  LowStockDetected: inventoryEvent(
    'LowStockDetected',
    'Available stock fell below the threshold (recorded once until it rises to the threshold again).',
    z.object({ inventoryId: Id, available: z.number().int(), threshold: z.number().int(), detectedAt: Timestamp }),
  ),
} as const;
