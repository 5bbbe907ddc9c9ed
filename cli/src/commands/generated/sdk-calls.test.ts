import type { ShopClient } from '@eventshop/sdk';
import { describe, expect, it } from 'vitest';
import { allItems, sdkMethodOf } from './sdk-calls.js';

/** A paginated method as the SDK builds it: callable, with `.all()` iterating every item. */
const listMethod = (items: string[]) => Object.assign(() => undefined, { all: async function* () { yield* items; } });

describe('finding the SDK method for an operation id', () => {
  it('walks every segment of a nested client (client.ops.streams.list)', async () => {
    const client = { ops: { streams: { list: listMethod(['nested']) } } } as unknown as ShopClient;
    expect(sdkMethodOf(client, 'ops.streams.list')).toBeDefined();
    expect(await allItems(client, 'ops.streams.list', {})).toEqual(['nested']);
  });

  it('finds two-segment ids as before', async () => {
    const client = { products: { list: listMethod(['cup']) } } as unknown as ShopClient;
    expect(await allItems(client, 'products.list', {})).toEqual(['cup']);
    expect(sdkMethodOf(client, 'products.search')).toBeUndefined();
  });
});
