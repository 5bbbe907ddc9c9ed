import { z } from 'zod';
import { Currency, Cursor, ExpectedVersion, Id, Limit, Money, Timestamp, page } from './common.js';
import { eventType } from './event.js';
import { operation } from './operation.js';
import { multiline, nonBlankText } from './text.js';

const Name = nonBlankText(200).describe('Product name').meta({ examples: ['Espresso cup'] });
const Description = multiline(
  z
    .string()
    .max(5000)
    .describe('Product description (searchable); may span lines')
    .meta({ examples: ['Porcelain cup for a double shot, 80 ml'] }),
);
const CategoryId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'Use lowercase letters, digits and dashes (e.g. kitchen-ware)')
  .describe('Category slug')
  .meta({ examples: ['kitchen'] });
const Sku = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'Use letters, digits, dot, dash or underscore')
  .describe('Stock keeping unit')
  .meta({ examples: ['CUP-ESP-80'] });

export const ProductView = z
  .object({
    id: Id,
    sku: z.string().nullable(),
    name: z.string(),
    description: z.string(),
    price: Money,
    categoryId: z.string(),
    status: z.enum(['active', 'discontinued']),
    version: z.number().int().describe('Stream version; send it back as expectedVersion (If-Match)'),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .describe('A product in the catalog');
export type ProductView = z.infer<typeof ProductView>;

export const ProductSearchHit = ProductView.extend({
  rank: z.number().describe('Relevance; higher is better'),
});

/**
 * Price filters compare amounts, which only means something within one currency: a filter names
 * its currency, and only products priced in it come back. A range whose low end is above its high
 * end is a mistake, not an empty page.
 */
const priceFilter = {
  price_min: Money.shape.amount.optional().describe('Lowest price in minor units of `currency`; needs `currency`, must not be above price_max'),
  price_max: Money.shape.amount.optional().describe('Highest price in minor units of `currency`; needs `currency`'),
  currency: Currency.optional().describe('Only products priced in this currency (ISO 4217); required with price_min or price_max'),
};

const checkPriceFilter = (
  input: { price_min?: number | undefined; price_max?: number | undefined; currency?: string | undefined },
  context: z.RefinementCtx,
) => {
  if (input.price_min !== undefined && input.price_max !== undefined && input.price_min > input.price_max) {
    context.addIssue({ code: 'custom', path: ['price_min'], message: `must not be above price_max (${input.price_max})` });
  }
  if ((input.price_min !== undefined || input.price_max !== undefined) && input.currency === undefined) {
    context.addIssue({ code: 'custom', path: ['currency'], message: 'is required with price_min or price_max: prices in different currencies do not compare' });
  }
};

export const CategoryStats = z
  .object({
    categoryId: z.string(),
    currency: z.string(),
    activeProducts: z.number().int(),
    minPrice: z.number().int().describe('Lowest price in minor units'),
    avgPrice: z.number().int().describe('Mean price in minor units, rounded'),
    maxPrice: z.number().int().describe('Highest price in minor units'),
  })
  .describe('Active products of one category priced in one currency');
export type CategoryStats = z.infer<typeof CategoryStats>;

const productColumns = ['id', 'sku', 'name', 'price', 'categoryId', 'status', 'version'] as const;

export const productOperations = {
  'products.create': operation({
    id: 'products.create',
    method: 'POST',
    path: '/api/products',
    kind: 'command',
    auth: 'admin',
    summary: 'Create a product',
    description: 'Adds a product to the catalog. Answers 201 with the product, its `Location` and its version as `ETag`.',
    input: z
      .object({
        name: Name,
        description: Description.default(''),
        price: Money,
        categoryId: CategoryId,
        sku: Sku.optional(),
      })
      .strict(),
    output: ProductView,
    successStatus: 201,
    tableColumns: productColumns,
  }),
  'products.get': operation({
    id: 'products.get',
    method: 'GET',
    path: '/api/products/:id',
    kind: 'query',
    auth: 'public',
    summary: 'Get a product',
    description: 'Answers discontinued products too (their history stays); the version comes back as `ETag`.',
    input: z.object({ id: Id }).strict(),
    output: ProductView,
    tableColumns: productColumns,
  }),
  'products.update': operation({
    id: 'products.update',
    method: 'PUT',
    path: '/api/products/:id',
    kind: 'command',
    auth: 'admin',
    summary: 'Change a product',
    description:
      'Changes the given fields and leaves the others as they are. Send `If-Match` (SDK: `expectedVersion`) to refuse the change with 412 when someone else changed the product first.',
    input: z
      .object({
        id: Id,
        name: Name.optional(),
        description: Description.optional(),
        price: Money.optional(),
        categoryId: CategoryId.optional(),
        expectedVersion: ExpectedVersion.optional(),
      })
      .strict(),
    output: ProductView,
    tableColumns: productColumns,
  }),
  'products.delete': operation({
    id: 'products.delete',
    method: 'DELETE',
    path: '/api/products/:id',
    kind: 'command',
    auth: 'admin',
    summary: 'Discontinue a product',
    confirm: 'Discontinue this product? It leaves listings and search for good.',
    description: 'The product leaves listings and search; its history and its page stay readable.',
    input: z.object({ id: Id, expectedVersion: ExpectedVersion.optional() }).strict(),
    output: ProductView,
    tableColumns: productColumns,
  }),
  'products.search': operation({
    id: 'products.search',
    method: 'GET',
    path: '/api/products/search',
    kind: 'query',
    auth: 'public',
    summary: 'Search products',
    description:
      'Full-text search over name and description, best match first. Active products only. `rank` is rounded to the 6 significant digits the ranking computes.',
    input: z
      .object({
        q: nonBlankText(200)
          .describe(
            'Search words (web search syntax: "quoted phrase", or, -excluded). At least one word must be neither excluded nor a very common English word (the, and, can): such a query is refused with 400',
          )
          .meta({ examples: ['espresso cup'] }),
        ...priceFilter,
        limit: Limit.optional(),
        cursor: Cursor.optional(),
      })
      .strict()
      .superRefine(checkPriceFilter),
    output: page(ProductSearchHit),
    pagination: { cursorField: 'cursor', itemsField: 'items', nextCursorField: 'nextCursor' },
    tableColumns: ['id', 'name', 'price', 'categoryId', 'rank'],
  }),
  'products.listByCategory': operation({
    id: 'products.listByCategory',
    method: 'GET',
    path: '/api/products/category/:categoryId',
    kind: 'query',
    auth: 'public',
    summary: 'List a category’s products',
    description: 'Active products of one category, by name.',
    input: z
      .object({ categoryId: CategoryId, limit: Limit.optional(), cursor: Cursor.optional() })
      .strict(),
    output: page(ProductView),
    pagination: { cursorField: 'cursor', itemsField: 'items', nextCursorField: 'nextCursor' },
    cliName: 'by-category',
    tableColumns: productColumns,
  }),
  'products.categoryStats': operation({
    id: 'products.categoryStats',
    method: 'GET',
    path: '/api/products/categories',
    kind: 'query',
    auth: 'public',
    summary: 'Category statistics',
    description:
      'Per category and currency: how many products are active and their lowest, mean and highest price. Kept in the background after each change, so it may trail a write by a moment (see `lag` in GET /ready).',
    input: z.object({}).strict(),
    output: z.object({ items: z.array(CategoryStats) }),
    cliName: 'categories',
    tableColumns: ['categoryId', 'currency', 'activeProducts', 'minPrice', 'avgPrice', 'maxPrice'],
  }),
  'products.list': operation({
    id: 'products.list',
    method: 'GET',
    path: '/api/products',
    kind: 'query',
    auth: 'public',
    summary: 'List products',
    description: 'Active products, filtered by currency and price, in a stable order (name, then id), a page at a time.',
    input: z
      .object({
        ...priceFilter,
        limit: Limit.optional(),
        cursor: Cursor.optional(),
      })
      .strict()
      .superRefine(checkPriceFilter),
    output: page(ProductView),
    pagination: { cursorField: 'cursor', itemsField: 'items', nextCursorField: 'nextCursor' },
    tableColumns: productColumns,
  }),
} as const;

// ---- Events: what the catalog records, past-tense facts ----

const ProductIdField = Id.describe('The product');

export const productEvents = {
  ProductCreated: eventType({
    type: 'ProductCreated',
    module: 'catalog',
    streamType: 'product',
    description: 'A product was added to the catalog.',
    data: z.object({
      productId: ProductIdField,
      sku: z.string().nullable().describe('Stock keeping unit, if given'),
      name: z.string().describe('Product name'),
      description: z.string().describe('Product description'),
      price: Money.describe('Price at creation'),
      categoryId: z.string().describe('Category slug'),
      createdAt: Timestamp.describe('When it was created'),
    }),
  }),
  ProductDetailsChanged: eventType({
    type: 'ProductDetailsChanged',
    module: 'catalog',
    streamType: 'product',
    description: 'Some of a product’s name, description or category changed; only the changed fields are present.',
    data: z.object({
      productId: ProductIdField,
      name: z.string().optional().describe('New name, when it changed'),
      description: z.string().optional().describe('New description, when it changed'),
      categoryId: z.string().optional().describe('New category, when it changed'),
      changedAt: Timestamp.describe('When it changed'),
    }),
  }),
  ProductPriceChanged: eventType({
    type: 'ProductPriceChanged',
    module: 'catalog',
    streamType: 'product',
    description: 'A product’s price changed.',
    data: z.object({
      productId: ProductIdField,
      price: Money.describe('The new price'),
      previousPrice: Money.describe('The price before'),
      changedAt: Timestamp.describe('When it changed'),
    }),
  }),
  ProductDiscontinued: eventType({
    type: 'ProductDiscontinued',
    module: 'catalog',
    streamType: 'product',
    description: 'A product left the catalog for good; its history stays.',
    data: z.object({ productId: ProductIdField, discontinuedAt: Timestamp.describe('When it was discontinued') }),
  }),
} as const;
