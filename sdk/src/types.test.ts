/**
 * Type tests: they pin what the mapped types infer, so a refactor cannot quietly widen a method to
 * `any` or drop `.all`. They fail in `tsc -p tsconfig.json --noEmit` (part of `npm test`), not at run
 * time; the negative cases live in functions that are compiled but never called.
 */
import { describe, expectTypeOf, it } from 'vitest';
import type { GroupClient, InputOf, Method, OutputOf, RequestOptions, ShopClient } from './client.js';
import type { z } from 'zod';
import type { EntityState, LoggedEvent, LoggedEventOf, OperationId, Operations, ProductView } from './contract/index.js';
import type { PreconditionFailedError, RateLimitedError, ShopApiError } from './errors.js';
import type { StreamOptions } from './events/follow-stream.js';
import type { ReplayProgress, ReplaySummary } from './events/history.js';

/** True only for identical types; `any` equals nothing but `any`. */
type Equal<X, Y> = (<T>() => T extends X ? 1 : 2) extends <T>() => T extends Y ? 1 : 2 ? true : false;
type Expect<T extends true> = T;
type RequiredKeys<T> = { [K in keyof T]-?: {} extends Pick<T, K> ? never : K }[keyof T];
type IsAny<T> = 0 extends 1 & T ? true : false;

type Products = ShopClient['products'];

type PaginatedId = { [Id in OperationId]: [Operations[Id]['pagination']] extends [undefined] ? never : Id }[OperationId];
type YieldOf<Id extends OperationId> = Method<Id> extends { all: (...args: never[]) => AsyncIterableIterator<infer Item> } ? Item : 'no .all';
type ProductSearchHit = OutputOf<'products.search'>['items'][number];

describe('SDK types', () => {
  it('requires name, price and categoryId to create a product, and answers a ProductView', () => {
    type _required = Expect<Equal<RequiredKeys<InputOf<'products.create'>>, 'name' | 'price' | 'categoryId'>>;
    type _answer = Expect<Equal<Awaited<ReturnType<Products['create']>>, ProductView>>;
    type _notAny = Expect<Equal<IsAny<Awaited<ReturnType<Products['create']>>>, false>>;
    expectTypeOf<Products['create']>().returns.resolves.toEqualTypeOf<ProductView>();
    expectTypeOf<Products['create']>().parameter(0).toEqualTypeOf<InputOf<'products.create'>>();
    expectTypeOf<Products['create']>().toBeCallableWith({ name: 'Cup', price: { amount: 1, currency: 'USD' }, categoryId: 'kitchen' });
    expectTypeOf<ProductView['price']>().toEqualTypeOf<{ amount: number; currency: string }>();

    const _compileOnly = (client: ShopClient) => {
      // @ts-expect-error name is required
      void client.products.create({ price: { amount: 1, currency: 'USD' }, categoryId: 'kitchen' });
      // @ts-expect-error price is required
      void client.products.create({ name: 'Cup', categoryId: 'kitchen' });
      // @ts-expect-error categoryId is required
      void client.products.create({ name: 'Cup', price: { amount: 1, currency: 'USD' } });
      // @ts-expect-error the input is required
      void client.products.create();
      // @ts-expect-error a price is minor units plus currency, not a number
      void client.products.create({ name: 'Cup', price: 12.99, categoryId: 'kitchen' });
      // @ts-expect-error unknown fields are refused
      void client.products.create({ name: 'Cup', price: { amount: 1, currency: 'USD' }, categoryId: 'kitchen', colour: 'red' });
    };
  });

  it('takes path, header and body fields side by side in one object', () => {
    expectTypeOf<InputOf<'products.update'>>().toEqualTypeOf<{
      id: string;
      name?: string | undefined;
      description?: string | undefined;
      price?: { amount: number; currency: string } | undefined;
      categoryId?: string | undefined;
      expectedVersion?: number | undefined;
    }>();
  });

  it('makes the input of list operations optional', () => {
    type _noneRequired = Expect<Equal<RequiredKeys<InputOf<'products.list'>>, never>>;
    expectTypeOf<Products['list']>().toBeCallableWith();
    expectTypeOf<Products['list']>().toBeCallableWith({ price_min: 100, limit: 10 });
    expectTypeOf<Products['list']>().returns.resolves.toEqualTypeOf<{ items: ProductView[]; nextCursor: string | null }>();

    const _compileOnly = (client: ShopClient) => {
      // @ts-expect-error a query that needs `q` cannot be called without input
      void client.products.search();
      // @ts-expect-error a price filter is a number of minor units
      void client.products.list({ price_min: '100' });
    };
  });

  it('gives .all only to paginated methods, without a cursor, yielding the items', () => {
    expectTypeOf<Products['list']>().toHaveProperty('all');
    expectTypeOf<Products['search']>().toHaveProperty('all');
    expectTypeOf<Products['listByCategory']>().toHaveProperty('all');
    expectTypeOf<Products['get']>().not.toHaveProperty('all');
    expectTypeOf<Products['create']>().not.toHaveProperty('all');
    expectTypeOf<ShopClient['system']['health']>().not.toHaveProperty('all');

    expectTypeOf<Products['list']['all']>().returns.toEqualTypeOf<AsyncIterableIterator<ProductView>>();
    expectTypeOf<Products['search']['all']>().returns.toEqualTypeOf<AsyncIterableIterator<ProductSearchHit>>();
    expectTypeOf<ProductSearchHit>().toHaveProperty('rank').toEqualTypeOf<number>();
    expectTypeOf<Products['list']['all']>().toBeCallableWith();
    expectTypeOf<Products['listByCategory']['all']>().toBeCallableWith({ categoryId: 'kitchen', limit: 50 });

    // Every list operation, including ones added later: a pagination spec whose field names widened to
    // `string` (declare it inline or `as const`) would make `.all` yield `never`.
    type _listsPaginate = Expect<Equal<Extract<'products.list' | 'products.search' | 'products.listByCategory', PaginatedId>, 'products.list' | 'products.search' | 'products.listByCategory'>>;
    type _everyAllYieldsItems = Expect<Equal<{ [Id in PaginatedId]: [YieldOf<Id>] extends [never] ? Id : YieldOf<Id> extends 'no .all' ? Id : never }[PaginatedId], never>>;

    const _compileOnly = (client: ShopClient) => {
      // @ts-expect-error products.get is not paginated
      void client.products.get.all;
      // @ts-expect-error the iterator drives the cursor
      void client.products.list.all({ cursor: 'abc' });
      // @ts-expect-error listByCategory needs its categoryId
      void client.products.listByCategory.all();
    };
  });

  it('needs no input for system.health', () => {
    expectTypeOf<ShopClient['system']['health']>().toBeCallableWith();
    expectTypeOf<ShopClient['system']['health']>().toBeCallableWith(undefined, { timeoutMs: 1000 });
    expectTypeOf<ShopClient['system']['health']>().returns.resolves.toEqualTypeOf<{ status: 'ok'; version: string; uptimeSeconds: number }>();
  });

  it('types the generic call by operation id', () => {
    const _compileOnly = (client: ShopClient) => {
      expectTypeOf(client.call<'products.get'>).parameters.toEqualTypeOf<['products.get', { id: string }, (RequestOptions | undefined)?]>();
      expectTypeOf(client.call<'products.get'>).returns.resolves.toEqualTypeOf<ProductView>();
      expectTypeOf(client.callWithResponse<'auth.login'>).returns.resolves.toHaveProperty('data').toHaveProperty('token').toBeString();
      // @ts-expect-error no such operation
      void client.call('products.explode', {});
      // @ts-expect-error the input must match the operation
      void client.call('products.get', { name: 'Cup' });
    };
  });

  it('types what errors carry', () => {
    expectTypeOf<PreconditionFailedError['currentVersion']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<RateLimitedError['retryAfterSeconds']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<ShopApiError['fieldErrors']>().toEqualTypeOf<{ field: string; message: string }[]>();
    expectTypeOf<PreconditionFailedError>().toExtend<ShopApiError>();
  });

  it('nests every id segment: client.ops.streams.state takes its input and answers its output', () => {
    type State = ShopClient['ops']['streams']['state'];
    type _input = Expect<Equal<Parameters<State>[0], InputOf<'ops.streams.state'>>>;
    type _options = Expect<Equal<Parameters<State>[1], RequestOptions | undefined>>;
    type _output = Expect<Equal<Awaited<ReturnType<State>>, OutputOf<'ops.streams.state'>>>;
    type _entity = Expect<Equal<OutputOf<'ops.streams.state'>, z.output<typeof EntityState>>>;
    type _required = Expect<Equal<RequiredKeys<InputOf<'ops.streams.state'>>, 'streamId'>>;
    type _group = Expect<Equal<GroupClient<'ops.streams'>['diff'], Method<'ops.streams.diff'>>>;
    type _namespaces = Expect<Equal<keyof ShopClient['ops'], 'events' | 'streams' | 'processors' | 'failures' | 'readModels' | 'processes'>>;
    type _streamMethods = Expect<Equal<keyof ShopClient['ops']['streams'], 'list' | 'events' | 'state' | 'diff'>>;
    // Two-segment ids are as they were.
    type _create = Expect<Equal<Products['create'], Method<'products.create'>>>;
    type _products = Expect<Equal<Products, GroupClient<'products'>>>;
    expectTypeOf<ShopClient['ops']['events']['list']['all']>().returns.toEqualTypeOf<AsyncIterableIterator<LoggedEvent>>();

    const _compileOnly = (client: ShopClient) => {
      // @ts-expect-error the last two segments alone are not a path of the SDK
      void client.streams;
      // @ts-expect-error time travel needs its stream
      void client.ops.streams.state({ version: 2 });
    };
  });

  it('makes a stream operation an async iterable of its typed messages', () => {
    type Live = ShopClient['ops']['events']['live'];
    type _returns = Expect<Equal<ReturnType<Live>, AsyncIterableIterator<LoggedEvent>>>;
    type _options = Expect<Equal<Parameters<Live>[1], StreamOptions | undefined>>;
    type _noAll = Expect<Equal<'all' extends keyof Live ? true : false, false>>;
    expectTypeOf<Live>().toBeCallableWith();
    expectTypeOf<Live>().toBeCallableWith({ after: 10, types: 'ProductCreated' }, { signal: new AbortController().signal });
  });

  it('types the feed helpers by the event union, narrowed by type', () => {
    type Events = ShopClient['ops']['events'];
    expectTypeOf<Events['read']>().returns.toEqualTypeOf<AsyncIterableIterator<LoggedEvent>>();
    expectTypeOf<ReturnType<Events['replay']>>().toEqualTypeOf<Promise<ReplaySummary>>();
    expectTypeOf<ReplayProgress>().toEqualTypeOf<{ done: number; total: number; position: number | null; eventsPerSecond: number; secondsLeft: number }>();
    type _union = Expect<Equal<LoggedEvent extends { type: infer T } ? T : never, keyof import('./contract/index.js').Events>>;

    const _compileOnly = async (client: ShopClient) => {
      for await (const event of client.ops.events.read()) {
        if (event.type === 'ProductPriceChanged') {
          expectTypeOf(event).toEqualTypeOf<LoggedEventOf<'ProductPriceChanged'>>();
          expectTypeOf(event.data.price).toEqualTypeOf<{ amount: number; currency: string }>();
          // @ts-expect-error a price change carries no name
          void event.data.name;
        }
      }
      for await (const event of client.ops.events.subscribe({ types: ['ProductCreated'] })) {
        expectTypeOf(event).toEqualTypeOf<LoggedEventOf<'ProductCreated'>>();
      }
      await client.ops.events.replay({ streamType: 'product' }, (event) => {
        expectTypeOf(event).toEqualTypeOf<LoggedEvent>();
        if (event.type === 'ProductPriceChanged') expectTypeOf(event.data.price.amount).toBeNumber();
      });
      // @ts-expect-error no such event type
      void client.ops.events.read({ types: ['ProductExploded'] });
    };
  });
});
